import type { Simulator } from '../../simulator/index.js';
import type { SandboxConsole } from './index.js';
import { simulatorRoutes } from './simulator-routes.js';

/**
 * The console's sandbox part: the simulator panel over the in-process simulator. Only the sandbox
 * composition (main.ts) imports this module, so a production server never loads src/simulator/.
 */
export function sandboxConsole(simulator: Simulator): SandboxConsole {
  return { simulator, routes: simulatorRoutes };
}
