import type { IdentityRepo } from '../../identities/identity-repo.js';
import type { OpenApp } from '../../identities/identity.js';
import type { AppSignIn } from '../../identities/sign-in.js';
import type { Router } from '@koa/router';
import type Koa from 'koa';
import type { Context } from 'koa';
import type { QrCodeRepo } from '../../campaigns/qrcode-repo.js';
import type { AccountConfig, Config } from '../../config.js';
import type { FollowerRepo } from '../../followers/follower-repo.js';
import type { SyncRunRepo } from '../../followers/sync-run-repo.js';
import type { ConversationService } from '../../kf/conversation-service.js';
import type { MessageRepo } from '../../kf/message-repo.js';
import type { Logger } from '../../logger.js';
import type { OAuthRepo } from '../../oauth/oauth-repo.js';
import type { ApiFailureStore } from '../../wechat-api/api-failure.js';
import type { WechatApi } from '../../wechat-api/client.js';
import type { Simulator } from '../../simulator/index.js';
import type { AuthBrake } from '../auth-brake.js';
import type { ConsoleSessionRepo } from '../../access/console-session-repo.js';
import type { CookieSettings } from './console-session.js';
import type { SimulatorLog } from './simulator-log.js';
import type { ViewContext } from './view-context.js';
import type { ComponentPlatform } from '../../component/platform.js';
import type { FollowerAdmin } from '../../followers/follower-admin.js';

/**
 * What the console needs of the built server: server.ts's `Wxoa` has all of it. Named here because an
 * adapter does not import the composition root that mounts it (ARCHITECTURE.md).
 */
export interface ConsoleHost {
  readonly config: Config;
  readonly app: Koa;
  readonly store: {
    followers: FollowerRepo;
    messages: MessageRepo;
    oauth: OAuthRepo;
    consoleSessions: ConsoleSessionRepo;
    apiStatus: ApiFailureStore;
    qrcodes: QrCodeRepo;
    syncRuns: SyncRunRepo;
    identities: IdentityRepo;
  };
  readonly logger: Logger;
  readonly accounts: readonly AccountConfig[];
  /** The Open Platform's other apps (the config file's `apps`): the People page names them. */
  readonly apps: readonly OpenApp[];
  /** Mini Program and mobile sign-in (the simulator panel signs a simulated person in through it). */
  readonly appSignIn: AppSignIn;
  readonly conversations: ConversationService;
  /** The store and conversations as the console reads them (off the push thread); default: the two above. */
  readonly operator?: { readonly store: ConsoleHost['store']; readonly conversations: ConversationService };
  /** Tags, remarks and the blacklist (issue 14). */
  readonly followerAdmin: FollowerAdmin;
  /** Signs console sessions and CSRF tokens; every instance agrees on it. */
  readonly sessionSecret: string;
  /** Slows repeated wrong admin tokens on the login form as on the API. */
  readonly authBrake: AuthBrake;
  /** Unix ms: the server's clock (tests move it together with the simulator's). */
  readonly clock: () => number;
  apiFor(appid: string): WechatApi | undefined;
  /** The third-party platform (issue 13), or null / absent. */
  readonly component?: ComponentPlatform | null;
  /** Every AppID served, the primary first: configured accounts, then a platform's authorizers. */
  servedAppids?(): readonly string[];
}

/** What the console's routes work with: the server's services, and the simulator in sandbox mode. */
export interface ConsoleDeps {
  readonly wxoa: ConsoleHost;
  /** The in-process simulator in sandbox mode; null with a real WeChat account. */
  readonly simulator: Simulator | null;
  /** Unix ms. */
  readonly clock: () => number;
  readonly cookies: CookieSettings;
  readonly log: Logger;
  /** What the simulator panel did, per simulated follower (sandbox mode only). */
  readonly simulatorLog: SimulatorLog;
  /**
   * The simulator panel's routes, given by the sandbox composition (sandbox.ts); null with a real account,
   * so that a production server never loads the simulator's modules.
   */
  readonly simulatorRoutes: ConsoleRoutes | null;
}

/** Routes that add pages to the signed-in console. */
export type ConsoleRoutes = (router: Router, deps: ConsoleDeps) => void;

/** The signed-in request's view (set by the session middleware before any private route runs). */
export function viewOf(ctx: Context): ViewContext {
  const view = ctx.state['consoleView'] as ViewContext | undefined;
  if (!view) throw new Error('console route reached without a session: mount it behind requireSession');
  return view;
}

/** Sends a whole HTML page. */
export function sendPage(ctx: Context, page: string, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = page;
}
