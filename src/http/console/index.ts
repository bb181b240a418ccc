import type { Wxoa } from '../../server.js';
import type { Simulator } from '../../simulator/index.js';
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
  /** The in-process simulator in sandbox mode (enables the Simulator page); null otherwise. */
  simulator: Simulator | null;
}

/** Adds the /admin routes to `wxoa.app`. Call it from `createWxoa({ extend })`, before the server listens. */
export function mountConsole(wxoa: Wxoa, opts: MountConsoleOptions): void {
  wxoa.app.use(
    consoleMiddleware({
      wxoa,
      simulator: opts.simulator,
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
export async function createLoginLink(wxoa: Wxoa, publicUrl: string): Promise<string> {
  const token = await mintLoginToken(wxoa.store.oauth, Date.now());
  return `${publicUrl.replace(/\/+$/, '')}/admin/login/${token}`;
}
