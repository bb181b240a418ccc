import type { Migration } from '../migrate.js';

/**
 * Conversation counts (0004) kept by triggers, as follower counts are (0007), instead of by the repository:
 * recording a message took up to three more statements for them (a lock on the shard row, a read of the
 * summary before, an update after), each a round trip on PostgreSQL on the push's path. A trigger sees the
 * summary row's change exactly once, with OLD and NEW, inside the same statement. The counts already kept
 * stay: the rows are parts of a sum, and the triggers add to them.
 */
export const conversationCountTriggers: Migration = {
  version: 10,
  name: 'conversation-count-triggers',
  up: ({ dialect }) => (dialect === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS),
};

const SQLITE_TRIGGERS = [
  `CREATE TRIGGER conversations_count_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_counts (appid, shard, total, unanswered)
      VALUES (NEW.appid, 0, 1, NEW.last_direction = 'in')
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = conversation_counts.total + 1,
        unanswered = conversation_counts.unanswered + excluded.unanswered;
  END`,
  `CREATE TRIGGER conversations_count_update AFTER UPDATE OF last_direction ON conversations
    WHEN OLD.last_direction <> NEW.last_direction BEGIN
    INSERT INTO conversation_counts (appid, shard, total, unanswered)
      VALUES (NEW.appid, 0, 0, (NEW.last_direction = 'in') - (OLD.last_direction = 'in'))
      ON CONFLICT (appid, shard) DO UPDATE SET
        unanswered = conversation_counts.unanswered + excluded.unanswered;
  END`,
];

// PostgreSQL spreads an account over 16 shard rows by openid hash, so concurrent writers rarely wait on one.
const POSTGRES_TRIGGERS = [
  `CREATE FUNCTION conversation_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $body$
  DECLARE
    d_total INTEGER;
    d_unanswered INTEGER;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      d_total := 1;
      d_unanswered := CASE WHEN NEW.last_direction = 'in' THEN 1 ELSE 0 END;
    ELSE
      IF OLD.last_direction = NEW.last_direction THEN RETURN NULL; END IF;
      d_total := 0;
      d_unanswered := CASE WHEN NEW.last_direction = 'in' THEN 1 ELSE -1 END;
    END IF;
    INSERT INTO conversation_counts (appid, shard, total, unanswered)
      VALUES (NEW.appid, hashtext(NEW.openid) & 15, d_total, d_unanswered)
      ON CONFLICT (appid, shard) DO UPDATE SET
        total = conversation_counts.total + excluded.total,
        unanswered = conversation_counts.unanswered + excluded.unanswered;
    RETURN NULL;
  END
  $body$`,
  `CREATE TRIGGER conversations_count AFTER INSERT OR UPDATE OF last_direction ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_counts_keep()`,
];
