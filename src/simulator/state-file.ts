import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { WORLD_STATE_FORMAT, WORLD_STATE_VERSION, type World, type WorldState } from './world.js';

/** Saves wait this long after a change, so a burst of changes (a follow and its API calls) is one write. */
export const STATE_SAVE_DEBOUNCE_MS = 200;

/**
 * Reads a saved world; null when the file does not exist yet. A file that is there but unreadable is an
 * error, not a fresh start: starting empty is exactly the forgetting the file exists to prevent.
 */
export function readWorldState(path: string): WorldState | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the simulator state file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const fix = `; move it away to start the simulated WeChat from scratch`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`the simulator state file ${path} is not valid JSON (${(e as Error).message})${fix}`, {
      cause: e,
    });
  }
  const state = parsed as Partial<WorldState> | null;
  if (state?.format !== WORLD_STATE_FORMAT || typeof state.seed !== 'string') {
    throw new Error(`${path} is not a simulator state file${fix}`);
  }
  if (state.version !== WORLD_STATE_VERSION) {
    throw new Error(
      `the simulator state file ${path} has version ${String(state.version)}, this wxoa reads ${WORLD_STATE_VERSION}${fix}`,
    );
  }
  return state as WorldState;
}

/**
 * Keeps a world in a JSON file: saved shortly after each change and on close. Each save writes a temporary
 * file (mode 0600: it holds the accounts' secrets and tokens) and renames it over the old one, so a crash
 * mid-save leaves the previous state whole, never half a file.
 */
export class WorldStateFile {
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> | null = null;
  private dirty = false;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly world: World,
    private readonly logger: Logger,
    private readonly debounceMs: number = STATE_SAVE_DEBOUNCE_MS,
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Something changed: save soon. */
  schedule(): void {
    this.dirty = true;
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.debounceMs);
    // A pending save must not keep a process alive; close() writes what is left.
    this.timer.unref();
  }

  /** Writes now if anything changed since the last save (waiting for a save in progress first). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.saving) await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    this.saving = this.write().catch((err: unknown) => {
      // Kept dirty: the next change or the close tries again.
      this.dirty = true;
      this.logger.error({ err, path: this.path }, 'could not save the simulator state');
    });
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }

  /** Final save; later changes are not saved. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async write(): Promise<void> {
    const text = JSON.stringify(this.world.snapshot());
    const tmp = `${this.path}.${process.pid}.tmp`;
    // The mode applies only when open() creates the file: a stale temporary file goes first.
    await rm(tmp, { force: true });
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(text, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }
}
