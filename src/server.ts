import { LRUCache } from 'lru-cache';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { Bot } from './bot/bot.js';
import type { Composer } from './bot/composer.js';
import type { Context } from './bot/context.js';
import { pushEffects } from './bot/push-effects.js';
import { ConfigError, type AccountConfig, type AppConfig, type Config } from './config.js';
import { appTokenKey } from './identities/app-token.js';
import { AppSignIn } from './identities/sign-in.js';
import { authRouter } from './http/auth-routes.js';
import { identitiesApiRouter } from './http/admin-identities.js';
import { AuthorizerUnavailableError } from './component/component-repo.js';
import { MissingPermissionError } from './component/permissions.js';
import { componentOAuthApi } from './component/component-oauth.js';
import { ComponentPlatform } from './component/platform.js';
import { releaseCheckHandler, RELEASE_CHECK_APPID } from './component/release-check.js';
import { captureFollowers } from './followers/capture.js';
import { EnrichmentWorker, type EnrichmentWorkerOptions } from './followers/enrichment.js';
import { createPeriodicSync, type PeriodicSync, type PeriodicSyncOptions } from './followers/sync.js';
import { FollowerAdmin } from './followers/follower-admin.js';
import { FollowerJobRunner, type FollowerJobRunnerOptions } from './followers/follower-job-runner.js';
import { followerManagementApiRouter } from './http/admin-tags.js';
import { accessGate } from './http/access-gate.js';
import { requireAdminToken } from './http/admin-auth.js';
import { AuthBrake, type AuthBrakeOptions } from './http/auth-brake.js';
import { conversationsApiRouter } from './http/admin-conversations.js';
import { componentApiRouter, componentRouter } from './http/component-routes.js';
import { ServerMetrics } from './http/metrics.js';
import { followersApiRouter } from './http/admin-followers.js';
import { qrcodesApiRouter } from './http/admin-qrcodes.js';
import { ApiError, apiErrors } from './http/api-error.js';
import { readLiveSession } from './http/console/console-session.js';
import { oauthRouter } from './http/oauth-routes.js';
import { openApiDocument } from './http/openapi.js';
import { wechatWebhook, type WechatWebhookMiddleware } from './http/webhook-middleware.js';
import { ConversationService } from './kf/conversation-service.js';
import { silentLogger, type Logger } from './logger.js';
import { replyRulesHandler } from './replies/rules-handler.js';
import { validateReplyRules, type ReplyRules } from './replies/reply-rules.js';
import { openStore, type Store } from './store/index.js';
import {
  apiFailureRecorder,
  WechatApi,
  type ApiFailure,
  type ApiOutcomeListener,
} from './wechat-api/index.js';

/**
 * The composition root of the server (ARCHITECTURE.md): builds the store, the API clients, the bot with
 * follower capture, conversation recording, your handlers and the config-file reply rules, and the Koa app
 * with the webhook, the admin API, OAuth and the console.
 */
export interface WxoaOptions {
  config: Config;
  logger?: Logger;
  /** An already open store; default: `openStore(config.databaseUrl)` (closed by `close()`). */
  store?: Store;
  /**
   * Your handlers. They run after follower capture and conversation recording and before the reply rules
   * of the config file: a handler that replies (or does not call `next()`) wins over the rules.
   */
  handlers?: Composer<Context>;
  /**
   * Timings of the enrichment worker (debounce, retry backoff, queue poll); its defaults otherwise. Tests
   * shorten them so a follower deferred by an API failure is retried in milliseconds, not seconds, or give
   * it the clock of the `store` they pass.
   */
  enrichment?: Pick<
    EnrichmentWorkerOptions,
    'debounceMs' | 'leaseMs' | 'retryBaseMs' | 'retryMaxMs' | 'pollMs' | 'clock'
  >;
  /** The periodic follower sync's timer, clock and first delay; tests stage runs with a manual timer. */
  sync?: Pick<PeriodicSyncOptions, 'setTimer' | 'clock' | 'startDelayMs' | 'holder'>;
  /** The follower job runner's lease, poll and holder (tests stage takeovers with them). */
  followerJobs?: Pick<FollowerJobRunnerOptions, 'leaseMs' | 'pollMs' | 'busyDelayMs' | 'holder' | 'clock'>;
  /** The brake on wrong admin tokens (clock, proxy trust, policies); defaults in http/auth-brake.ts. */
  authBrake?: Partial<AuthBrakeOptions>;
  /** Mounts extra routes (e.g. the console) on the app before it starts. */
  extend?: (wxoa: Wxoa) => void | Promise<void>;
  /**
   * Unix ms for what is stamped on conversations and QR codes; default Date.now. End-to-end tests give the
   * simulator's clock, so WeChat's 48-hour and 1-minute windows pass for both sides at once.
   */
  clock?: () => number;
}

/** A built server, not yet listening. */
export interface Wxoa {
  readonly config: Config;
  readonly app: Koa;
  readonly store: Store;
  readonly bot: Bot;
  readonly logger: Logger;
  /** Unix ms (WxoaOptions.clock). */
  readonly clock: () => number;
  readonly accounts: readonly AccountConfig[];
  readonly rules: ReplyRules;
  readonly conversations: ConversationService;
  /**
   * The store and conversations as the operator's side (admin API, console) uses them: reads off the thread
   * that answers WeChat (Store.admin, issue 11).
   */
  readonly operator: { readonly store: Store; readonly conversations: ConversationService };
  /** Tags, remarks and the blacklist (issue 14). */
  readonly followerAdmin: FollowerAdmin;
  /** Runs tagging and blacklist jobs, started by listen(). */
  readonly followerJobs: FollowerJobRunner;
  readonly enrichment: EnrichmentWorker;
  /** The periodic follower sync (WXOA_SYNC_INTERVAL), started by listen() unless the interval is 0. */
  readonly periodicSync: PeriodicSync;
  readonly webhook: WechatWebhookMiddleware;
  /**
   * Signs console sessions: derived from the admin token and the AppSecret, so every instance agrees and a
   * new admin token signs every operator out.
   */
  readonly sessionSecret: string;
  /** Signs OAuth visitor sessions: derived from the AppSecret alone, so they outlive an admin-token change. */
  readonly visitorSecret: string;
  /** The Open Platform's Mini Programs, website apps and mobile apps (the config file's `apps`). */
  readonly apps: readonly AppConfig[];
  /**
   * The key an app's bearer tokens are signed with (derived from its AppSecret), undefined for an AppID
   * that is not one of `apps`: give it to `identityOf` / `requireIdentity` (http/identity.ts).
   */
  appTokenKey(appid: string): string | undefined;
  /** Mini Program and mobile app sign-in, as POST /auth/… does it (the console's simulator panel uses it). */
  readonly appSignIn: AppSignIn;
  /** Slows down repeated wrong admin tokens per client, on the API and the console's login form. */
  readonly authBrake: AuthBrake;
  /** The Prometheus series served on /metrics (INTERFACE.md §11); a registry of this server's own. */
  readonly metrics: ServerMetrics;
  /** The third-party platform (WECHAT_COMPONENT_*), or null. */
  readonly component: ComponentPlatform | null;
  apiFor(appid: string): WechatApi | undefined;
  /** Every AppID served, the primary first: configured accounts, then the platform's authorizers. */
  servedAppids(): readonly string[];
  /** Starts listening (port 0 picks a free one) and the background work; resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops taking requests, answers the pushes in flight, stops background work, closes the store. */
  close(): Promise<void>;
}

/** Builds the server from a validated configuration. */
export async function createWxoa(options: WxoaOptions): Promise<Wxoa> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  if (!config.account && !config.component) {
    throw new ConfigError(['no WeChat account configured (sandbox mode provides one)']);
  }
  // With only a third-party platform (INTERFACE.md §9) the accounts are those that authorized it.
  const accounts = config.account ? [config.account, ...config.extraAccounts] : [...config.extraAccounts];
  const primary: AccountConfig | null = accounts[0] ?? null;
  /** Whose secret signs sessions: the primary account's, else the platform's. */
  const signingSecret = primary?.appsecret ?? config.component?.appsecret ?? '';

  const checked = validateReplyRules(config.repliesInput);
  if ('problems' in checked) {
    throw new ConfigError(
      checked.problems.map((p) => `${config.configFile ?? 'config'}: ${p.path}: ${p.message}`),
    );
  }
  const rules = checked.rules;

  const ownStore = !options.store;
  const store = options.store ?? (await openStore(config.databaseUrl, { logger }));

  // A scrape answers with a count at most 15 s old, refreshed behind it: counting the queue walks its index
  // (about 200 ms for 100 000 waiting followers on PostgreSQL), and /metrics should cost a scrape nothing.
  // The first scrape waits for the count; a failed refresh drops it, so the next scrape says the database is out.
  const pendingCounts = new LRUCache<string, number>({
    max: 1_000,
    ttl: 15_000,
    allowStale: true,
    fetchMethod: (appid) => store.admin.followers.pendingEnrichment(appid),
  });
  const metrics = new ServerMetrics({
    appids: accounts.map((a) => a.appid),
    // A count over the enrichment queue (a million rows after a sync): read off the push thread.
    pendingEnrichment: async (appid) => (await pendingCounts.fetch(appid)) ?? 0,
    openJobs: () => store.admin.followerJobs.open(),
    logger,
  });
  /** What every API call of `appid` reports: counted in /metrics; its last failure kept in the database. */
  const apiOutcomes = (appid: string): ApiOutcomeListener => {
    const recordFailure = apiFailureRecorder({ appid, store: store.apiStatus, logger });
    const countCall = metrics.apiListener(appid);
    return (outcome) => {
      countCall(outcome);
      recordFailure(outcome);
    };
  };
  const apis = new Map<string, WechatApi>();
  for (const a of accounts) {
    apis.set(
      a.appid,
      new WechatApi({
        appid: a.appid,
        appsecret: a.appsecret,
        apiBase: config.apiBase,
        tokenStore: store.tokens,
        logger: logger.child({ module: 'wechat-api', appid: a.appid }),
        // The last failure goes to the database, where the console and /healthz of every instance see it.
        onOutcome: apiOutcomes(a.appid),
      }),
    );
  }
  // Every account ?appid= may name: the configured ones, then each authorizer of the platform as it is
  // learnt (the admin routes check this list when called, so it may grow).
  const appids = accounts.map((a) => a.appid);
  const component = config.component
    ? new ComponentPlatform({
        component: config.component,
        apiBase: config.apiBase,
        stores: store,
        ...(options.clock ? { clock: options.clock } : {}),
        logger,
        apiOptions: (appid) => ({ onOutcome: apiOutcomes(appid) }),
        onAuthorizer: (appid) => {
          if (!appids.includes(appid)) appids.push(appid);
          // Its pushes, API calls and queue under its own AppID in /metrics, not `unknown`.
          metrics.addAccount(appid);
        },
      })
    : null;
  await component?.load();
  const apiFor = (appid: string) => apis.get(appid) ?? component?.apiFor(appid);

  const enrichment = new EnrichmentWorker({
    ...options.enrichment,
    followers: store.followers,
    apiFor,
    logger: logger.child({ module: 'enrichment' }),
  });
  const clock = options.clock ?? Date.now;
  const conversations = new ConversationService({ messages: store.messages, apiFor, logger, clock });
  const operator = {
    store: store.admin,
    conversations:
      store.admin === store
        ? conversations
        : new ConversationService({ messages: store.admin.messages, apiFor, logger, clock }),
  };
  const followerJobs = new FollowerJobRunner({
    ...options.followerJobs,
    jobs: store.followerJobs,
    apiFor,
    logger: logger.child({ module: 'follower-jobs' }),
  });
  const followerAdmin = new FollowerAdmin({
    store: operator.store,
    apiFor,
    onJobQueued: () => followerJobs.kick(),
  });

  const bot = new Bot();
  // WeChat's release-check robot (INTERFACE.md §9) is answered before anything is captured or recorded.
  if (component) bot.use(releaseCheckHandler(component.api, logger.child({ module: 'component' })));
  // The push's effects: stored before any handler runs, and a push whose effects fail is not acknowledged.
  bot.use(
    pushEffects(captureFollowers({ followers: store.followers, enrichment }), conversations.recordInbound),
  );
  if (options.handlers) bot.use(options.handlers);
  bot.use(replyRulesHandler(rules));

  // What both webhooks (the direct accounts' and the platform's) share: one bot, one reply store, one budget.
  const webhookShared = {
    bot,
    replyStore: store.replies,
    replyBudgetMs: config.replyBudgetMs,
    timestampToleranceSeconds: config.timestampToleranceSeconds,
    lateReplySink: conversations.lateReplySink,
    onPassiveReply: conversations.recordPassiveReply,
    observer: metrics.webhookObserver,
  };
  const mainWebhook =
    accounts.length === 0
      ? null
      : wechatWebhook({
          accounts: accounts.map((a) => ({
            appid: a.appid,
            token: a.token,
            encodingAesKey: a.encodingAesKey ?? undefined,
          })),
          ...webhookShared,
          logger: logger.child({ module: 'webhook' }),
        });

  // The authorized accounts' pushes: the same bot and stores, the platform's token and key (§9).
  const componentWebhook = component
    ? wechatWebhook({
        accounts: [
          {
            appid: RELEASE_CHECK_APPID,
            token: component.config.token,
            encodingAesKey: component.config.encodingAesKey,
            receiveId: component.appid,
          },
        ],
        resolveAccount: (appid) =>
          component.cached(appid) !== undefined
            ? { appid, token: component.config.token, crypto: component.crypto }
            : undefined,
        ...webhookShared,
        logger: logger.child({ module: 'webhook', component: component.appid }),
      })
    : null;
  // The Wxoa's webhook: the direct accounts', or with only a platform the authorized accounts'.
  const webhook = (mainWebhook ?? componentWebhook) as WechatWebhookMiddleware;

  const sessionSecret = createHmac('sha256', config.adminToken)
    .update(`wxoa-console:${signingSecret}`)
    .digest('base64url');
  const visitorSecret = createHmac('sha256', signingSecret).update('wxoa-visitor').digest('base64url');
  /** The account admin routes show without `?appid=`: the primary one, else the first authorizer. */
  const defaultAppid = (): string => primary?.appid ?? appids[0] ?? config.component?.appid ?? '';
  // The Open Platform's other apps (INTERFACE.md §8): each signs in with its own credentials, and signs its
  // bearer tokens with a key derived from its own AppSecret.
  const apps = config.apps;
  const appApis = new Map(
    apps.map((a) => [
      a.appid,
      new WechatApi({
        appid: a.appid,
        appsecret: a.appsecret,
        apiBase: config.apiBase,
        logger: logger.child({ module: 'wechat-api', appid: a.appid }),
      }),
    ]),
  );
  const appTokenKeys = new Map(apps.map((a) => [a.appid, appTokenKey(a.appid, a.appsecret)]));
  const appTokenKeyOf = (appid: string) => appTokenKeys.get(appid);

  const app = new Koa({ proxy: true });
  app.silent = true; // errors are logged by the middlewares that know what they mean
  // First of all: the admin token for /api, a console session for /admin, whatever router serves them.
  const authBrake = new AuthBrake(store.authFailures, options.authBrake);
  app.use(
    accessGate({
      adminToken: config.adminToken,
      brake: authBrake,
      consoleSession: async (ctx) =>
        (await readLiveSession(ctx, sessionSecret, store.consoleSessions, Date.now())) !== null,
    }),
  );
  const router = new Router();
  // The webhook reads its own raw body: it is mounted before any body parser.
  if (mainWebhook) {
    router.all('/wechat', mainWebhook);
    router.all('/wechat/:appid', mainWebhook);
  }
  router.get('/healthz', async (ctx) => {
    try {
      await store.ping();
      // Still 200 (the server serves: pushes are answered); the field says why WeChat calls fail.
      const failures = (await Promise.all(accounts.map((a) => store.apiStatus.lastFailure(a.appid)))).filter(
        (f): f is ApiFailure => f !== null,
      );
      ctx.body =
        failures.length === 0
          ? { status: 'ok' }
          : {
              status: 'ok',
              wechatApi: {
                lastFailures: failures.map((f) => ({
                  appid: f.appid,
                  at: new Date(f.at).toISOString(),
                  endpoint: f.endpoint,
                  errcode: f.errcode,
                  hint: f.hint,
                })),
              },
            };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    }
  });

  // For a load balancer: live while the process runs; ready while it can serve (its database answers).
  router.get('/healthz/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/healthz/ready', async (ctx) => {
    try {
      await store.ping();
      ctx.body = { status: 'ok' };
    } catch (err) {
      logger.warn({ err }, 'not ready: the database is not reachable');
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    }
  });
  // Behind the admin token: the access gate protects /metrics like /api, whatever the path's spelling.
  router.get('/metrics', metrics.middleware());

  const api = new Router({ prefix: '/api' });
  api.use(apiErrors(logger.child({ module: 'admin-api' })));
  api.use(requireAdminToken(config.adminToken));
  if (component) {
    // A platform's refusals before WeChat's: a permission set not granted, an account that left.
    api.use(async (_ctx, next) => {
      try {
        await next();
      } catch (err) {
        if (err instanceof MissingPermissionError)
          throw new ApiError(403, 'permission_not_granted', err.message);
        if (err instanceof AuthorizerUnavailableError) throw new ApiError(409, 'not_authorized', err.message);
        throw err;
      }
    });
    // An authorizer another instance stored: known before the routes check ?appid=.
    api.use(async (ctx, next) => {
      const appid = ctx.query['appid'];
      if (typeof appid === 'string' && !appids.includes(appid)) await component.ensure(appid);
      await next();
    });
    const r = componentApiRouter(component);
    api.use(r.routes(), r.allowedMethods());
  }
  // No body parser here: the routes that take a JSON body parse it themselves (api-query.ts, one limit).
  for (const r of [
    followersApiRouter({ store: operator.store, appid: defaultAppid, appids, prefix: '' }),
    conversationsApiRouter({
      conversations: operator.conversations,
      appid: defaultAppid,
      appids,
      prefix: '',
    }),
    identitiesApiRouter({ identities: operator.store.identities, appids, prefix: '' }),
    followerManagementApiRouter({ admin: followerAdmin, appid: defaultAppid, appids, prefix: '' }),
    qrcodesApiRouter({
      apiFor,
      qrcodes: operator.store.qrcodes,
      clock,
      appid: defaultAppid,
      appids,
      prefix: '',
      logger: logger.child({ module: 'admin-api' }),
    }),
  ]) {
    api.use(r.routes(), r.allowedMethods());
  }
  // The reference of every route above (README, Admin API); a test fails for a route it does not describe.
  const openApi = openApiDocument(undefined, { component: component !== null });
  api.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });
  // Any other /api path: a JSON 404 behind the same auth (path-to-regexp v8 syntax; '/(.*)' no longer parses).
  api.all('{/*rest}', (ctx) => {
    throw new ApiError(404, 'not_found', `no route ${ctx.method} ${ctx.path}`);
  });

  // Web authorization for the primary account (none with only a platform) and the website apps' QR sign-in.
  const oauth = primary
    ? oauthRouter({
        appid: primary.appid,
        api: apis.get(primary.appid)!,
        store,
        openBase: config.openBase,
        publicUrl: config.publicUrl,
        secret: visitorSecret,
        logger: logger.child({ module: 'oauth' }),
        websites: apps
          .filter((a) => a.type === 'website')
          .map((a) => ({ appid: a.appid, api: appApis.get(a.appid)! })),
        recordWebsite: async (identity) => {
          const recorded = await store.identities.record({
            appid: identity.appid,
            appType: 'website',
            openid: identity.openid,
            unionid: identity.unionid,
            source: 'website',
            scope: identity.scope,
            nickname: identity.nickname,
          });
          if (recorded.conflictingUnionid !== null) {
            logger.warn(
              {
                appid: identity.appid,
                openid: identity.openid,
                keptUnionid: recorded.unionid,
                reportedUnionid: recorded.conflictingUnionid,
              },
              'WeChat reported another UnionID at sign-in; kept the first',
            );
          }
          return { unionid: recorded.unionid };
        },
      })
    : null;
  const appSignIn = new AppSignIn({
    identities: store.identities,
    apiFor: (appid) => appApis.get(appid),
    logger: logger.child({ module: 'auth' }),
  });
  const auth = authRouter({
    signIn: appSignIn,
    apps,
    apiFor: (appid) => appApis.get(appid),
    identities: store.identities,
    identity: { visitorSecret, appTokenKey: appTokenKeyOf, clock },
    logger: logger.child({ module: 'auth' }),
  });

  if (component && componentWebhook) {
    app.use(
      componentRouter({
        platform: component,
        webhook: componentWebhook,
        adminToken: config.adminToken,
        consoleSession: async (ctx) =>
          (await readLiveSession(ctx, sessionSecret, store.consoleSessions, Date.now())) !== null,
        publicUrl: config.publicUrl,
        mpBase: config.mpBase,
        timestampToleranceSeconds: config.timestampToleranceSeconds,
        logger: logger.child({ module: 'component' }),
        oauthRouterFor: (appid) =>
          oauthRouter({
            appid,
            api: componentOAuthApi(component, appid),
            store,
            openBase: config.openBase,
            publicUrl: config.publicUrl,
            secret: visitorSecret,
            logger: logger.child({ module: 'oauth', appid }),
            prefix: `/component/oauth/${appid}`,
            componentAppid: component.appid,
          }),
      }).routes(),
    );
  }
  app.use(router.routes());
  app.use(api.routes());
  if (oauth) app.use(oauth.routes());
  app.use(auth.routes());

  let server: Server | null = null;
  const periodicSync = createPeriodicSync(config.syncIntervalSeconds, {
    ...options.sync,
    store,
    // Read at each check: the platform's authorizers join as they authorize, and leave when they withdraw.
    accounts: () => [
      ...accounts.map((a) => ({ appid: a.appid, api: apis.get(a.appid)! })),
      ...(component?.appids() ?? []).flatMap((appid) => {
        const api = component?.apiFor(appid);
        return api && component?.cached(appid)?.authorized ? [{ appid, api }] : [];
      }),
    ],
    logger: logger.child({ module: 'sync' }),
  });

  const wxoa: Wxoa = {
    config,
    app,
    store,
    bot,
    logger,
    clock,
    accounts,
    rules,
    conversations,
    operator,
    followerAdmin,
    followerJobs,
    enrichment,
    periodicSync,
    webhook,
    sessionSecret,
    visitorSecret,
    apps,
    appTokenKey: appTokenKeyOf,
    appSignIn,
    authBrake,
    metrics,
    component,
    apiFor,
    servedAppids: () => appids,
    async listen(port = config.port, host = config.host) {
      // Node enforces requestTimeout only every connectionsCheckingInterval (30 s by default): check each
      // second, so a trickled request is cut off near its limit. The webhook cuts its bodies at 10 s itself.
      const s = createServer(
        { headersTimeout: 10_000, requestTimeout: 15_000, connectionsCheckingInterval: 1_000 },
        app.callback(),
      ).listen(port, host);
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('listening', resolve);
        s.once('error', reject);
      });
      enrichment.start();
      periodicSync.start();
      followerJobs.start();
      const { port: actual } = s.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      return `http://${shownHost}:${actual}`;
    },
    async close() {
      const s = server;
      server = null;
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections?.();
        });
      }
      await webhook.webhook.drain?.();
      await componentWebhook?.webhook.drain();
      await periodicSync.stop();
      await followerJobs.stop();
      await enrichment.stop();
      if (ownStore) await store.close();
    },
  };
  if (options.extend) {
    try {
      await options.extend(wxoa);
    } catch (err) {
      if (ownStore) await store.close().catch(() => undefined);
      throw err;
    }
  }
  return wxoa;
}
