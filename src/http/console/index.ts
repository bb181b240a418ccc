import type { Simulator } from '../../simulator/index.js';
import type { ConsoleHost, ConsoleRoutes } from './console-deps.js';
import { consoleMiddleware } from './console-router.js';
import { mintLoginToken } from './login-link.js';
import { SimulatorLog } from './simulator-log.js';

/**
 * The operator console (issue 6; INTERFACE.md §2, §5, §7): server-rendered pages under /admin for followers,
 * conversations, campaigns, the menu and, in sandbox mode, the simulator. Signed in with the admin token or a
 * one-time link; the session is a signed HttpOnly cookie any instance accepts.
 */

/** Options of {@link mountConsole}. */
export interface MountConsoleOptions {
  /**
   * Sandbox mode: the in-process simulator and its panel (`sandboxConsole` of ./sandbox.js, which the sandbox
   * composition imports); null with a real WeChat account.
   */
  sandbox: SandboxConsole | null;
}

/** The sandbox's part of the console: the simulator, and the routes of its panel. */
export interface SandboxConsole {
  simulator: Simulator;
  routes: ConsoleRoutes;
}

/** Adds the /admin routes to `wxoa.app`. Call it from `createWxoa({ extend })`, before the server listens. */
export function mountConsole(wxoa: ConsoleHost, opts: MountConsoleOptions): void {
  // The server's root leads to the console (which sends a visitor without a session to its login form).
  wxoa.app.use(async (ctx, next) => {
    if (ctx.path !== '/' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    ctx.redirect('/admin');
  });
  wxoa.app.use(
    consoleMiddleware({
      // The console's reads go where the server's operator side reads (Store.admin: off the push thread).
      wxoa: wxoa.operator ? { ...wxoa, ...wxoa.operator } : wxoa,
      simulator: opts.sandbox?.simulator ?? null,
      simulatorRoutes: opts.sandbox?.routes ?? null,
      clock: wxoa.clock,
      cookies: { secret: wxoa.sessionSecret, secure: new URL(wxoa.config.publicUrl).protocol === 'https:' },
      log: wxoa.logger.child({ module: 'console' }),
      simulatorLog: new SimulatorLog(),
    }),
  );
}

/**
 * A one-time login link, `${publicUrl}/admin/login/<token>`: it works once, within 15 minutes, on any
 * instance sharing the database (the nonce is stored there, hashed).
 */
export async function createLoginLink(wxoa: Pick<ConsoleHost, 'store'>, publicUrl: string): Promise<string> {
  const token = await mintLoginToken(wxoa.store.oauth, Date.now());
  return `${publicUrl.replace(/\/+$/, '')}/admin/login/${token}`;
}
