import type { Migration } from '../migrate.js';

/**
 * The first schema. Conventions: times WeChat sends (CreateTime, subscribe_time) are Unix seconds, times wxoa
 * keeps for itself (leases, expiries, enrichedAt) are Unix milliseconds; booleans are INTEGER 0/1 on both
 * databases so one SQL text serves both.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial',
  up: ({ idColumn, int64, keyText }) => [
    // Every Official Account wxoa has stored data for (filled as events and sync arrive).
    `CREATE TABLE accounts (
      appid ${keyText} PRIMARY KEY,
      created_at ${int64} NOT NULL
    )`,

    // Followers (INTERFACE.md §4) and the enrichment queue (user/info/batchget) that lives on their rows.
    `CREATE TABLE followers (
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      unionid ${keyText},
      subscribed INTEGER NOT NULL,
      subscribe_time ${int64},
      unsubscribe_time ${int64},
      scene TEXT,
      subscribe_scene TEXT,
      qr_scene ${int64},
      qr_scene_str TEXT,
      tags TEXT NOT NULL DEFAULT '[]',
      remark TEXT NOT NULL DEFAULT '',
      language TEXT,
      enriched_at ${int64},
      needs_enrichment INTEGER NOT NULL DEFAULT 1,
      enrich_after ${int64} NOT NULL DEFAULT 0,
      lease_until ${int64} NOT NULL DEFAULT 0,
      sync_id TEXT,
      created_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL,
      PRIMARY KEY (appid, openid)
    )`,
    `CREATE INDEX followers_unionid ON followers (unionid) WHERE unionid IS NOT NULL`,
    `CREATE INDEX followers_scene ON followers (appid, scene, openid) WHERE scene IS NOT NULL`,
    `CREATE INDEX followers_enrichment_queue ON followers (enrich_after) WHERE needs_enrichment = 1`,

    // Follows, unfollows and scans. The dedup key (INTERFACE.md §3) is unique, so a retried push that
    // reaches another instance is stored once. follow_scene: for an unfollow, the scene of the follow it
    // ends, which /api/scenes counts.
    `CREATE TABLE follower_events (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      type TEXT NOT NULL,
      scene TEXT,
      ticket TEXT,
      follow_scene TEXT,
      create_time ${int64} NOT NULL,
      dedup_key TEXT NOT NULL,
      recorded_at ${int64} NOT NULL,
      UNIQUE (appid, dedup_key)
    )`,
    `CREATE INDEX follower_events_follower ON follower_events (appid, openid, create_time, id)`,

    // The conversation with each follower; an inbound MsgId is unique per account (NULLs never collide).
    `CREATE TABLE messages (
      id ${idColumn},
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      direction TEXT NOT NULL,
      type TEXT NOT NULL,
      content TEXT NOT NULL,
      create_time ${int64} NOT NULL,
      via TEXT,
      msg_id TEXT,
      recorded_at ${int64} NOT NULL,
      UNIQUE (appid, msg_id)
    )`,
    `CREATE INDEX messages_conversation ON messages (appid, openid, create_time, id)`,
    // The newest message of each conversation, kept in step by MessageRepo.add, so the inbox reads one row
    // per conversation instead of scanning every message.
    `CREATE TABLE conversations (
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      last_message_id ${int64} NOT NULL,
      last_direction TEXT NOT NULL,
      last_type TEXT NOT NULL,
      last_content TEXT NOT NULL,
      last_create_time ${int64} NOT NULL,
      last_inbound_time ${int64},
      PRIMARY KEY (appid, openid)
    )`,
    `CREATE INDEX conversations_newest ON conversations (appid, last_create_time, last_message_id)`,

    // One access token per account, shared by every instance (WECHAT-PROTOCOL.md §6.1).
    `CREATE TABLE access_tokens (
      appid ${keyText} PRIMARY KEY,
      token TEXT NOT NULL,
      expires_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL
    )`,

    // Webhook dedup (INTERFACE.md §3). expires_at: the lease end while 'pending', the retention end once
    // 'done'; past it the key may be claimed again.
    `CREATE TABLE reply_records (
      dedup_key TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      reply TEXT,
      expires_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL
    )`,
    `CREATE INDEX reply_records_expiry ON reply_records (expires_at)`,

    // OAuth (INTERFACE.md §6): single-use states, and the identities they produced.
    `CREATE TABLE oauth_states (
      state TEXT PRIMARY KEY,
      browser_hash TEXT NOT NULL,
      target TEXT NOT NULL,
      scope TEXT NOT NULL,
      expires_at ${int64} NOT NULL,
      created_at ${int64} NOT NULL
    )`,
    `CREATE INDEX oauth_states_expiry ON oauth_states (expires_at)`,
    `CREATE TABLE oauth_identities (
      appid ${keyText} NOT NULL,
      openid ${keyText} NOT NULL,
      unionid ${keyText},
      scope TEXT NOT NULL,
      is_snapshot_user INTEGER NOT NULL,
      nickname TEXT,
      headimgurl TEXT,
      created_at ${int64} NOT NULL,
      updated_at ${int64} NOT NULL,
      PRIMARY KEY (appid, openid)
    )`,
    `CREATE INDEX oauth_identities_unionid ON oauth_identities (unionid) WHERE unionid IS NOT NULL`,

    // Resumable `wxoa sync` (one run per account at a time).
    `CREATE TABLE sync_state (
      appid ${keyText} PRIMARY KEY,
      sync_id TEXT NOT NULL,
      next_openid TEXT,
      listed ${int64} NOT NULL,
      updated_at ${int64} NOT NULL
    )`,
  ],
};
