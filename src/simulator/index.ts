import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createSimulatorApp } from './app.js';
import { OffsetClock } from './clock.js';
import { readWorldState, WorldStateFile } from './state-file.js';
import type {
  CreateAccountOptions,
  CreateAppOptions,
  MisbehaveRule,
  RecordedCall,
  SimAccount,
  SimClock,
  SimOpenApp,
  Simulator,
  SimPerson,
  StartSimulatorOptions,
} from './types.js';
import { World } from './world.js';

export { ManualClock, OffsetClock } from './clock.js';
export { SimulatorError } from './simulator-error.js';
export type * from './types.js';

/** §4.1: WeChat gives a webhook 5 seconds, then delivers the same push again (3 retries: 4 deliveries). */
export const WECHAT_PUSH_TIMEOUT_MS = 5000;
export const WECHAT_PUSH_DELIVERIES = 4;

/**
 * Starts the WeChat platform simulator on real HTTP: the API (`/cgi-bin/*`, `/sns/*`), the OAuth
 * authorize page (`/connect/oauth2/authorize`) and the `/sim/*` control API (routes/control-routes.ts).
 * Point WECHAT_API_BASE and WECHAT_OPEN_BASE at `simulator.url`.
 */
export async function startSimulator(opts: StartSimulatorOptions = {}): Promise<Simulator> {
  const clock = opts.clock ?? new OffsetClock();
  const logger = opts.logger ?? pino({ level: 'silent' });
  const saved = opts.stateFile !== undefined ? readWorldState(opts.stateFile) : null;
  // A kept world derives its ids from a seed; a throwaway one (tests) draws them at random.
  const seed =
    saved?.seed ?? opts.seed ?? (opts.stateFile !== undefined ? randomBytes(16).toString('hex') : undefined);
  const world = new World(
    clock,
    logger,
    {
      clock,
      logger,
      timeoutMs: opts.pushTimeoutMs ?? WECHAT_PUSH_TIMEOUT_MS,
      maxDeliveries: opts.maxDeliveries ?? WECHAT_PUSH_DELIVERIES,
    },
    seed,
  );
  let stateFile: WorldStateFile | null = null;
  if (opts.stateFile !== undefined) {
    if (saved) world.restore(saved);
    stateFile = new WorldStateFile(opts.stateFile, world, logger);
    const file = stateFile;
    world.onChange = () => file.schedule();
    if (saved) {
      logger.info(
        { path: opts.stateFile, persons: saved.persons.length, accounts: saved.accounts.length },
        'simulator state loaded',
      );
    } else file.schedule();
  }
  const app = createSimulatorApp(world);
  const server = createServer(app.callback());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  world.baseUrl = `http://${urlHost(host)}:${port}`;
  logger.info({ url: world.baseUrl }, 'WeChat simulator listening');
  return new RunningSimulator(world, server, stateFile);
}

/** A wildcard listen address is reached through loopback; IPv6 literals need brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

class RunningSimulator implements Simulator {
  constructor(
    private readonly world: World,
    private readonly server: Server,
    private readonly stateFile: WorldStateFile | null,
  ) {}

  get url(): string {
    return this.world.baseUrl;
  }

  get clock(): SimClock {
    return this.world.clock;
  }

  get calls(): RecordedCall[] {
    return this.world.calls;
  }

  get accounts(): readonly SimAccount[] {
    return [...this.world.accounts.values()];
  }

  createAccount(opts?: CreateAccountOptions): SimAccount {
    return this.world.createAccount(opts);
  }

  account(appid: string): SimAccount {
    return this.world.account(appid);
  }

  createPerson(opts?: { unionid?: string | undefined; nickname?: string | undefined }): SimPerson {
    return this.world.createPerson(opts);
  }

  get apps(): readonly SimOpenApp[] {
    return [...this.world.apps.values()];
  }

  createApp(opts: CreateAppOptions): SimOpenApp {
    return this.world.createApp(opts);
  }

  app(appid: string): SimOpenApp {
    return this.world.app(appid);
  }

  clearCalls(): void {
    this.world.calls.length = 0;
  }

  misbehave(rule: MisbehaveRule): void {
    this.world.misbehaviour.add(rule);
  }

  /**
   * Faults injected by {@link misbehave} not yet applied: 0 once each has met its call (a `slow` call is then
   * being held), which lets a test stage what happens while it is.
   */
  get pendingMisbehaviour(): number {
    return this.world.misbehaviour.pending;
  }

  invalidateTokens(appid: string): void {
    this.world.tokens.invalidate(this.world.account(appid).appid);
  }

  saveState(): Promise<void> {
    return this.stateFile?.flush() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
    await this.stateFile?.close();
  }
}
