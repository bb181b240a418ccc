import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqlValue } from './db.js';
import { bindValue } from './db.js';

/**
 * A read-only connection to an SQLite file in a worker thread (issue 11). better-sqlite3 is synchronous: a
 * read of a second on the main connection is a second in which no push is answered. In WAL mode a second
 * connection reads a committed snapshot while the main one writes, so the operator's reads (admin API,
 * console) run here, beside the thread that answers WeChat.
 *
 * The worker is plain JavaScript in a string (`eval`), so the same code runs from the build and under tsx.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const open = () => new Database(workerData.path, { readonly: true, fileMustExist: true, timeout: workerData.busyTimeoutMs });
let conn = open();
const statements = new Map();
const gate = workerData.gate;
parentPort.on('message', (msg) => {
  try {
    if (msg.reopen) {
      // A connection reads the planner's statistics when it opens; the main one refreshed them.
      statements.clear();
      conn.close();
      conn = open();
      return parentPort.postMessage({ id: msg.id, result: null });
    }
    let statement = statements.get(msg.sql);
    if (!statement) {
      statement = conn.prepare(msg.sql);
      if (statements.size >= 500) statements.delete(statements.keys().next().value);
      statements.set(msg.sql, statement);
    }
    // A statement that writes belongs to the main connection: it is sent back unrun.
    if (!statement.readonly || !statement.reader) return parentPort.postMessage({ id: msg.id, writes: true });
    if (gate) {
      // Test seam: count the read as started, then wait until the test opens the gate.
      Atomics.add(gate, 1, 1);
      Atomics.notify(gate, 1);
      Atomics.wait(gate, 0, 0);
    }
    const result = msg.get ? statement.get(...msg.params) : statement.all(...msg.params);
    parentPort.postMessage({ id: msg.id, result });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

/** Returned for a statement that writes: the caller runs it on the main connection. */
export const WRITES = Symbol('writes');

/** Options of {@link SqliteReadWorker}. */
export interface SqliteReadWorkerOptions {
  /** How long a read waits for a lock (a checkpoint, another process) before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /**
   * Test seam: an Int32Array over a SharedArrayBuffer of 2 slots. Before each read the worker adds 1 to
   * slot 1 (reads started) and waits while slot 0 is 0: a test holds a read "in progress" for as long as it
   * likes, without timing.
   */
  gate?: Int32Array;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The main thread's side of the read worker: one request at a time in the worker, in order. */
export class SqliteReadWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor(path: string, options: SqliteReadWorkerOptions = {}) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        busyTimeoutMs: options.busyTimeoutMs ?? 5000,
        gate: options.gate,
      },
    });
    // Idle, it does not keep the process alive; a read in flight does (see send()).
    this.worker.unref();
    this.worker.on(
      'message',
      (msg: { id: number; result?: unknown; writes?: true; error?: SqliteErrorShape }) => {
        const entry = this.pending.get(msg.id);
        if (!entry) return;
        this.pending.delete(msg.id);
        if (this.pending.size === 0) this.worker.unref();
        if (msg.error) entry.reject(toError(msg.error));
        else entry.resolve(msg.writes ? WRITES : msg.result);
      },
    );
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the SQLite read worker exited (${code})`)));
  }

  /** False once the worker died (it could not open the file, or crashed): reads then stay on the main thread. */
  get alive(): boolean {
    return this.failure === null;
  }

  all<T>(sql: string, params: readonly SqlValue[]): Promise<T[] | typeof WRITES> {
    return this.send(sql, params, false) as Promise<T[] | typeof WRITES>;
  }

  get<T>(sql: string, params: readonly SqlValue[]): Promise<T | undefined | typeof WRITES> {
    return this.send(sql, params, true) as Promise<T | undefined | typeof WRITES>;
  }

  /** Opens the connection again, so that it plans with the statistics the main connection just refreshed. */
  async reopen(): Promise<void> {
    if (this.failure) return;
    await this.request({ reopen: true });
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the SQLite read worker is closed');
    await this.worker.terminate();
  }

  private send(sql: string, params: readonly SqlValue[], get: boolean): Promise<unknown> {
    return this.request({ sql, params: params.map(bindValue), get });
  }

  private request(message: object): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }
}

interface SqliteErrorShape {
  message: string;
  code?: string;
}

/** better-sqlite3's errors carry an SQLite code (SQLITE_BUSY, …); the copy keeps it. */
function toError(shape: SqliteErrorShape): Error {
  const error = new Error(shape.message) as Error & { code?: string };
  if (shape.code !== undefined) error.code = shape.code;
  return error;
}
