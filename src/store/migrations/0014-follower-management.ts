import type { Migration } from '../migrate.js';

/**
 * Issue 14, follower management: tags, remarks and the blacklist.
 *
 * - `follower_tags`: one row per (tag, follower), kept by triggers from `followers.tags` (the JSON that
 *   enrichment, sync and tagging jobs write), so every writer keeps it in step without knowing about it. A
 *   filter by tag and a tag's member count read its primary key range instead of parsing a million JSON
 *   columns.
 * - `followers.blacklisted`, with a partial index: the blacklist is a handful of followers among a million.
 * - `wechat_tags`: the account's tag list as WeChat last answered it (names for the console and the export).
 * - `follower_jobs` (+ items, failures): tagging and blacklist jobs. A running job holds a lease, as sync
 *   runs do, so one instance at a time sends its batches; `cursor` is the last OpenID whose batch WeChat
 *   answered, so a restart resumes after it.
 */
export const followerManagement: Migration = {
  version: 14,
  name: 'follower-management',
  up: ({ idColumn, int64, keyText, dialect }) => [
    `CREATE TABLE follower_tags (
      appid ${keyText} NOT NULL,
      tag_id ${int64} NOT NULL,
      openid ${keyText} NOT NULL,
      PRIMARY KEY (appid, tag_id, openid)
    )`,
    `ALTER TABLE followers ADD COLUMN blacklisted INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX followers_blacklisted ON followers (appid, openid) WHERE blacklisted = 1`,
    `CREATE TABLE wechat_tags (
      appid ${keyText} NOT NULL,
      id ${int64} NOT NULL,
      name TEXT NOT NULL,
      count ${int64} NOT NULL DEFAULT 0,
      PRIMARY KEY (appid, id)
    )`,
    `CREATE TABLE follower_jobs (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      kind TEXT NOT NULL,
      tag_id ${int64},
      filter TEXT,
      state TEXT NOT NULL,
      total ${int64} NOT NULL DEFAULT 0,
      done ${int64} NOT NULL DEFAULT 0,
      failed ${int64} NOT NULL DEFAULT 0,
      cursor ${keyText} NOT NULL DEFAULT '',
      holder TEXT,
      lease_until ${int64} NOT NULL DEFAULT 0,
      retry_at ${int64} NOT NULL DEFAULT 0,
      calls ${int64} NOT NULL DEFAULT 0,
      error TEXT,
      created_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL,
      finished_at ${int64}
    )`,
    `CREATE INDEX follower_jobs_open ON follower_jobs (retry_at, id) WHERE state IN ('queued', 'running')`,
    `CREATE TABLE follower_job_items (
      job_id ${int64} NOT NULL,
      openid ${keyText} NOT NULL,
      PRIMARY KEY (job_id, openid)
    )`,
    `CREATE TABLE follower_job_failures (
      job_id ${int64} NOT NULL,
      openid ${keyText} NOT NULL,
      error TEXT NOT NULL,
      PRIMARY KEY (job_id, openid)
    )`,
    ...(dialect === 'postgres' ? POSTGRES : SQLITE),
  ],
};

const SQLITE = [
  `INSERT OR IGNORE INTO follower_tags (appid, tag_id, openid)
    SELECT f.appid, j.value, f.openid FROM followers f, json_each(f.tags) j
    WHERE f.tags <> '[]' AND j.type = 'integer'`,
  `CREATE TRIGGER followers_tags_insert AFTER INSERT ON followers WHEN NEW.tags <> '[]' BEGIN
    INSERT OR IGNORE INTO follower_tags (appid, tag_id, openid)
      SELECT NEW.appid, value, NEW.openid FROM json_each(NEW.tags) WHERE type = 'integer';
  END`,
  `CREATE TRIGGER followers_tags_update AFTER UPDATE OF tags ON followers WHEN OLD.tags <> NEW.tags BEGIN
    DELETE FROM follower_tags WHERE appid = OLD.appid AND openid = OLD.openid
      AND tag_id IN (SELECT value FROM json_each(OLD.tags) WHERE type = 'integer');
    INSERT OR IGNORE INTO follower_tags (appid, tag_id, openid)
      SELECT NEW.appid, value, NEW.openid FROM json_each(NEW.tags) WHERE type = 'integer';
  END`,
  `CREATE TRIGGER followers_tags_delete AFTER DELETE ON followers WHEN OLD.tags <> '[]' BEGIN
    DELETE FROM follower_tags WHERE appid = OLD.appid AND openid = OLD.openid
      AND tag_id IN (SELECT value FROM json_each(OLD.tags) WHERE type = 'integer');
  END`,
];

// jsonb_typeof filters what is not a number, as SQLite's json_each type does.
const POSTGRES = [
  `INSERT INTO follower_tags (appid, tag_id, openid)
    SELECT f.appid, (j.value #>> '{}')::bigint, f.openid
    FROM followers f, jsonb_array_elements(f.tags::jsonb) j
    WHERE f.tags <> '[]' AND jsonb_typeof(j.value) = 'number'
    ON CONFLICT DO NOTHING`,
  `CREATE FUNCTION follower_tags_keep() RETURNS trigger LANGUAGE plpgsql AS $body$
  BEGIN
    IF TG_OP = 'UPDATE' AND OLD.tags = NEW.tags THEN RETURN NULL; END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.tags <> '[]' THEN
      DELETE FROM follower_tags WHERE appid = OLD.appid AND openid = OLD.openid
        AND tag_id IN (SELECT (j.value #>> '{}')::bigint FROM jsonb_array_elements(OLD.tags::jsonb) j
                       WHERE jsonb_typeof(j.value) = 'number');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.tags <> '[]' THEN
      INSERT INTO follower_tags (appid, tag_id, openid)
        SELECT NEW.appid, (j.value #>> '{}')::bigint, NEW.openid FROM jsonb_array_elements(NEW.tags::jsonb) j
        WHERE jsonb_typeof(j.value) = 'number'
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END
  $body$`,
  `CREATE TRIGGER followers_tags_keep AFTER INSERT OR UPDATE OF tags OR DELETE ON followers
    FOR EACH ROW EXECUTE FUNCTION follower_tags_keep()`,
];
