import type { Db, Queryable } from './db.js';
import { batchedWrite } from './tick-batch.js';
import type {
  ConversationMessage,
  ConversationMessageInput,
  InboxEntry,
  MessageDirection,
  MessageRepo,
} from '../kf/message-repo.js';

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

  add(message: ConversationMessageInput): Promise<boolean> {
    const now = this.clock();
    // Shares the commit of this event-loop turn on SQLite (tick-batch.ts): every push's passive reply lands here.
    return batchedWrite(this.db, true, (q) => addIn(q, message, now));
  }

  async list(appid: string, openid: string, limit?: number): Promise<ConversationMessage[]> {
    if (limit === undefined) {
      const rows = await this.db.all<MessageRow>(
        `SELECT direction, type, content, create_time, via FROM messages
         WHERE appid = ? AND openid = ? ORDER BY create_time, id`,
        [appid, openid],
      );
      return rows.map(toMessage);
    }
    // With a limit: the newest `limit` messages, still oldest first, as a chat window shows them.
    const rows = await this.db.all<MessageRow>(
      `SELECT direction, type, content, create_time, via FROM messages
       WHERE appid = ? AND openid = ? ORDER BY create_time DESC, id DESC LIMIT ?`,
      [appid, openid, Math.max(0, Math.trunc(limit))],
    );
    return rows.reverse().map(toMessage);
  }

  async inbox(appid: string, limit: number): Promise<InboxEntry[]> {
    const rows = await this.db.all<{
      openid: string;
      unionid: string | null;
      last_type: string;
      last_content: string;
      last_create_time: number;
      last_direction: MessageDirection;
      last_inbound_time: number | null;
    }>(
      `SELECT c.openid, f.unionid, c.last_type, c.last_content, c.last_create_time, c.last_direction,
              c.last_inbound_time
       FROM conversations c
       LEFT JOIN followers f ON f.appid = c.appid AND f.openid = c.openid
       WHERE c.appid = ?
       ORDER BY c.last_create_time DESC, c.last_message_id DESC
       LIMIT ?`,
      [appid, Math.max(0, Math.trunc(limit))],
    );
    return rows.map((row) => ({
      openid: row.openid,
      unionid: row.unionid,
      lastType: row.last_type,
      lastContent: row.last_content,
      lastCreateTime: Number(row.last_create_time),
      lastDirection: row.last_direction,
      lastInboundTime: row.last_inbound_time === null ? null : Number(row.last_inbound_time),
      unanswered: row.last_direction === 'in',
    }));
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
