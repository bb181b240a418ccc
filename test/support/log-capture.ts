/**
 * The real log output of a server under test: `createLogger` (redaction and all) writing its JSON lines to
 * memory instead of stdout, and a scan for keys repeated inside one object, which JSON.parse hides (the last
 * value silently wins).
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

/** A parsed log line with its raw text. */
export interface LogLine {
  level: number;
  msg?: string;
  raw: string;
  [key: string]: unknown;
}

/** pino's numeric levels. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/** A logger at `level` (default trace: every line the code writes) whose lines are kept in `lines`. */
export function captureLogs(level = 'trace'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const raw = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (raw.trim() !== '') lines.push({ ...(JSON.parse(raw) as LogLine), raw });
      }
      callback();
    },
  });
  // pino writes to a plain Writable synchronously enough for tests: each line is one write() call.
  return { logger: createLogger({ level, destination }), lines };
}

/**
 * Keys that occur more than once in one object of `json`, as `path.key` (the root's keys bare). A small
 * tokenizer over well-formed JSON: strings, numbers and literals are skipped, objects track their keys.
 */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < json.length && ' \t\r\n'.includes(json[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(json.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = json[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (json[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        if (seen.has(key)) duplicates.push(path === '' ? key : `${path}.${key}`);
        seen.add(key);
        ws();
        i++; // ':'
        value(path === '' ? key : `${path}.${key}`);
        ws();
        if (json[i++] === '}') return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (json[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (json[i++] === ']') return;
      }
    } else if (c === '"') {
      string();
    } else {
      while (i < json.length && !',}] \t\r\n'.includes(json[i] as string)) i++;
    }
  };
  value('');
  return duplicates;
}
