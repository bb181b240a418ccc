import type { Db, Queryable, SqlValue } from './db.js';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor.js';
import { batchedWrite, TurnBatch } from './tick-batch.js';
import type {
  ConversationMessage,
  ConversationMessageInput,
  InboxCounts,
  InboxEntry,
  InboxQuery,
  MessageDirection,
  MessagePage,
  MessagePageQuery,
  MessageRepo,
} from '../kf/message-repo.js';

const INBOX_CURSOR = 'inbox';
const MESSAGES_CURSOR = 'messages';

// The conversation summary follows the newest message by CreateTime; on a tie the one added last wins, so an
// answer stored in the same second as the question marks the conversation answered.
const newer = 'excluded.last_create_time >= conversations.last_create_time';
const UPSERT_CONVERSATION = `INSERT INTO conversations
    (appid, openid, last_message_id, last_direction, last_type, last_content, last_create_time, last_inbound_time)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (appid, openid) DO UPDATE SET
    ${['last_message_id', 'last_direction', 'last_type', 'last_content', 'last_create_time']
      .map(
        (column) => `${column} = CASE WHEN ${newer} THEN excluded.${column} ELSE conversations.${column} END`,
      )
      .join(',\n    ')},
    last_inbound_time = CASE
      WHEN excluded.last_inbound_time IS NULL THEN conversations.last_inbound_time
      WHEN conversations.last_inbound_time IS NULL OR excluded.last_inbound_time > conversations.last_inbound_time
        THEN excluded.last_inbound_time
      ELSE conversations.last_inbound_time END`;

interface MessageRow {
  id: number;
  direction: MessageDirection;
  type: string;
  content: string;
  create_time: number;
  via: string | null;
}

/** Options of {@link SqlMessageRepo}. */
export interface SqlMessageRepoOptions {
  clock: () => number;
}

/** MessageRepo on either database. */
export class SqlMessageRepo implements MessageRepo {
  private readonly clock: () => number;

  constructor(
    private readonly db: Db,
    options: SqlMessageRepoOptions,
  ) {
    this.clock = options.clock;
  }

  /** PostgreSQL: the messages of an event-loop turn, all in one statement (TurnBatch). */
  private readonly batch = new TurnBatch<{ message: ConversationMessageInput; now: number }, boolean>(
    (items) => addMany(this.db, items),
  );

  add(message: ConversationMessageInput): Promise<boolean> {
    const now = this.clock();
    if (this.db.dialect === 'postgres') return this.batch.add({ message, now });
    // Shares the commit of this event-loop turn on SQLite (tick-batch.ts): every push's passive reply lands here.
    return batchedWrite(this.db, true, (q) => addIn(q, message, now));
  }

  async list(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]> {
    if (limit === undefined) {
      const rows = await this.db.all<MessageRow>(
        `SELECT id, direction, type, content, create_time, via FROM messages
         WHERE appid = ? AND openid = ? ORDER BY create_time, id`,
        [appid, openid],
      );
      return rows.map(toMessage);
    }
    // With a limit: the newest `limit` messages, still oldest first, as a chat window shows them.
    const rows = await this.db.all<MessageRow>(
      `SELECT id, direction, type, content, create_time, via FROM messages
       WHERE appid = ? AND openid = ? ORDER BY create_time DESC, id DESC LIMIT ?`,
      [appid, openid, Math.max(0, Math.trunc(limit))],
    );
    return rows.reverse().map(toMessage);
  }

  async page(query: MessagePageQuery): Promise<MessagePage> {
    const limit = Math.max(1, Math.trunc(query.limit));
    const params: SqlValue[] = [query.appid, query.openid];
    let after = '';
    let newerFrom: number | null = null;
    if (query.cursor !== undefined) {
      const { time, id } = decodeKeysetCursor(MESSAGES_CURSOR, query.cursor);
      newerFrom = time;
      // A row value: both planners turn it into a range of messages_conversation (an OR would not be).
      after = 'AND (create_time, id) < (?, ?)';
      params.push(time, id);
    }
    // One row more than the page tells whether another page follows, without a second query.
    const rows = await this.db.all<MessageRow>(
      `SELECT id, direction, type, content, create_time, via FROM messages
       WHERE appid = ? AND openid = ? ${after}
       ORDER BY create_time DESC, id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeKeysetCursor(MESSAGES_CURSOR, Number(last.create_time), Number(last.id))
        : null;
    return { messages: page.reverse().map(toMessage), nextCursor, newerFrom };
  }

  async since(appid: string, openid: string, since: number): Promise<ConversationMessage[]> {
    const rows = await this.db.all<MessageRow>(
      `SELECT id, direction, type, content, create_time, via FROM messages
       WHERE appid = ? AND openid = ? AND create_time >= ? ORDER BY create_time, id`,
      [appid, openid, Math.trunc(since)],
    );
    return rows.map(toMessage);
  }

  async inbox(query: InboxQuery): Promise<{ conversations: InboxEntry[]; nextCursor: string | null }> {
    const limit = Math.max(1, Math.trunc(query.limit));
    const params: SqlValue[] = [query.appid];
    let where = 'c.appid = ?';
    // Written as the partial index conversations_unanswered is (migration 0004), so the planner can use it.
    if (query.unanswered) where += " AND c.last_direction = 'in'";
    if (query.cursor !== undefined) {
      const { time, id } = decodeKeysetCursor(INBOX_CURSOR, query.cursor);
      where += ' AND (c.last_create_time, c.last_message_id) < (?, ?)';
      params.push(time, id);
    }
    const rows = await this.db.all<{
      openid: string;
      unionid: string | null;
      last_message_id: number;
      last_type: string;
      last_content: string;
      last_create_time: number;
      last_direction: MessageDirection;
      last_inbound_time: number | null;
    }>(
      `SELECT c.openid, f.unionid, c.last_message_id, c.last_type, c.last_content, c.last_create_time,
              c.last_direction, c.last_inbound_time
       FROM conversations c
       LEFT JOIN followers f ON f.appid = c.appid AND f.openid = c.openid
       WHERE ${where}
       ORDER BY c.last_create_time DESC, c.last_message_id DESC
       LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last
        ? encodeKeysetCursor(INBOX_CURSOR, Number(last.last_create_time), Number(last.last_message_id))
        : null;
    const conversations = page.map((row) => ({
      openid: row.openid,
      unionid: row.unionid,
      lastType: row.last_type,
      lastContent: row.last_content,
      lastCreateTime: Number(row.last_create_time),
      lastDirection: row.last_direction,
      lastInboundTime: row.last_inbound_time === null ? null : Number(row.last_inbound_time),
      unanswered: row.last_direction === 'in',
    }));
    return { conversations, nextCursor };
  }

  async counts(appid: string): Promise<InboxCounts> {
    // A few rows of kept sums (migration 0004), not a count of the conversations.
    const row = await this.db.get<{ total: number | string | null; unanswered: number | string | null }>(
      'SELECT SUM(total) AS total, SUM(unanswered) AS unanswered FROM conversation_counts WHERE appid = ?',
      [appid],
    );
    return { total: Number(row?.total ?? 0), unanswered: Number(row?.unanswered ?? 0) };
  }
}

function toMessage(row: MessageRow): ConversationMessage {
  return {
    direction: row.direction,
    type: row.type,
    content: row.content,
    createTime: Number(row.create_time),
    via: row.via,
  };
}

/** Inserts one message and moves its conversation's summary, inside the caller's transaction. */
/**
 * PostgreSQL: the messages of an event-loop turn (every push's passive reply, inbound messages) and their
 * conversations' summaries in ONE statement: one round trip for all of them, with an implicit commit,
 * instead of BEGIN, two statements and COMMIT each (issue 11). Parameters are columns as arrays.
 *
 * The same as adding them one by one in order: rows are inserted in the batch's order (so ids rise with
 * it); a repeated MsgId (a retried inbound push) inserts nothing and changes no summary; each conversation's
 * summary gets its newest inserted message, the last added on a tie, and the newest inbound time among them.
 * One row per conversation, because an upsert may not touch a row twice.
 */
const PG_ADD_MANY = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
      $8::text[], $9::bigint[]) WITH ORDINALITY
      AS v(appid, openid, direction, type, content, create_time, via, msg_id, recorded_at, ord)
  ), m AS (
    INSERT INTO messages (appid, openid, direction, type, content, create_time, via, msg_id, recorded_at)
    SELECT appid, openid, direction, type, content, create_time, via, msg_id, recorded_at FROM input ORDER BY ord
    ON CONFLICT DO NOTHING
    RETURNING id, appid, openid, direction, type, content, create_time, msg_id
  ), newest AS (
    SELECT DISTINCT ON (appid, openid) appid, openid, id, direction, type, content, create_time,
      MAX(CASE WHEN direction = 'in' THEN create_time END) OVER (PARTITION BY appid, openid) AS inbound_time
    FROM m ORDER BY appid, openid, create_time DESC, id DESC
  ), c AS (
    INSERT INTO conversations
      (appid, openid, last_message_id, last_direction, last_type, last_content, last_create_time, last_inbound_time)
    SELECT appid, openid, id, direction, type, content, create_time, inbound_time FROM newest
    ${UPSERT_CONVERSATION.slice(UPSERT_CONVERSATION.indexOf('ON CONFLICT'))}
    RETURNING 1
  )
  SELECT appid, msg_id FROM m`;

async function addMany(
  db: Queryable,
  items: Array<{ message: ConversationMessageInput; now: number }>,
): Promise<boolean[]> {
  const column = <T>(pick: (m: ConversationMessageInput, now: number) => T) =>
    items.map(({ message, now }) => pick(message, now));
  const rows = await db.all<{ appid: string; msg_id: string | null }>(PG_ADD_MANY, [
    column((m) => m.appid),
    column((m) => m.openid),
    column((m) => m.direction),
    column((m) => m.type),
    column((m) => m.content),
    column((m) => m.createTime),
    column((m) => m.via ?? null),
    column((m) => m.msgId ?? null),
    column((_m, now) => now),
  ] as unknown as SqlValue[]);
  // A message without MsgId is always inserted; one with a MsgId was, if it came back, for its first item.
  const inserted = new Set(rows.filter((r) => r.msg_id !== null).map((r) => `${r.appid}\n${r.msg_id}`));
  return items.map(({ message }) => {
    if (message.msgId === undefined || message.msgId === null) return true;
    return inserted.delete(`${message.appid}\n${message.msgId}`);
  });
}

async function addIn(tx: Queryable, message: ConversationMessageInput, now: number): Promise<boolean> {
  // (appid, msg_id) is unique: a retried inbound push stops here, also when it raced on another instance.
  const inserted = await tx.all<{ id: number }>(
    `INSERT INTO messages (appid, openid, direction, type, content, create_time, via, msg_id, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      message.appid,
      message.openid,
      message.direction,
      message.type,
      message.content,
      message.createTime,
      message.via ?? null,
      message.msgId ?? null,
      now,
    ],
  );
  const id = inserted[0]?.id;
  if (id === undefined) return false;
  // conversation_counts follows the summary row by trigger (migration 10).
  await tx.run(UPSERT_CONVERSATION, [
    message.appid,
    message.openid,
    id,
    message.direction,
    message.type,
    message.content,
    message.createTime,
    message.direction === 'in' ? message.createTime : null,
  ]);
  return true;
}
