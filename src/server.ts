import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { koaBody } from 'koa-body';
import { Bot } from './bot/bot.js';
import type { Composer } from './bot/composer.js';
import type { Context } from './bot/context.js';
import { pushEffects } from './bot/push-effects.js';
import { ConfigError, type AccountConfig, type Config } from './config.js';
import { captureFollowers } from './followers/capture.js';
import { EnrichmentWorker, type EnrichmentWorkerOptions } from './followers/enrichment.js';
import { createPeriodicSync, type PeriodicSync } from './followers/sync.js';
import { requireAdminToken } from './http/admin-auth.js';
import { conversationsApiRouter } from './http/admin-conversations.js';
import { followersApiRouter } from './http/admin-followers.js';
import { qrcodesApiRouter } from './http/admin-qrcodes.js';
import { ApiError, apiErrors } from './http/api-error.js';
import { oauthRouter } from './http/oauth-routes.js';
import { wechatWebhook, type WechatWebhookMiddleware } from './http/webhook-middleware.js';
import { ConversationService } from './kf/conversation-service.js';
import { silentLogger, type Logger } from './logger.js';
import { replyRulesHandler } from './replies/rules-handler.js';
import { validateReplyRules, type ReplyRules } from './replies/reply-rules.js';
import { openStore, type Store } from './store/index.js';
import { WechatApi } from './wechat-api/index.js';

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
   * shorten them so a follower deferred by an API failure is retried in milliseconds, not seconds.
   */
  enrichment?: Pick<
    EnrichmentWorkerOptions,
    'debounceMs' | 'leaseMs' | 'retryBaseMs' | 'retryMaxMs' | 'pollMs'
  >;
  /** Mounts extra routes (e.g. the console) on the app before it starts. */
  extend?: (wxoa: Wxoa) => void | Promise<void>;
}

/** A built server, not yet listening. */
export interface Wxoa {
  readonly config: Config;
  readonly app: Koa;
  readonly store: Store;
  readonly bot: Bot;
  readonly logger: Logger;
  readonly accounts: readonly AccountConfig[];
  readonly rules: ReplyRules;
  readonly conversations: ConversationService;
  readonly enrichment: EnrichmentWorker;
  readonly webhook: WechatWebhookMiddleware;
  /**
   * Signs console sessions: derived from the admin token and the AppSecret, so every instance agrees and a
   * new admin token signs every operator out.
   */
  readonly sessionSecret: string;
  /** Signs OAuth visitor sessions: derived from the AppSecret alone, so they outlive an admin-token change. */
  readonly visitorSecret: string;
  apiFor(appid: string): WechatApi | undefined;
  /** Starts listening (port 0 picks a free one) and the background work; resolves with the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops taking requests, answers the pushes in flight, stops background work, closes the store. */
  close(): Promise<void>;
}

/** Builds the server from a validated configuration. */
export async function createWxoa(options: WxoaOptions): Promise<Wxoa> {
  const { config } = options;
  const logger = options.logger ?? silentLogger;
  if (!config.account) throw new ConfigError(['no WeChat account configured (sandbox mode provides one)']);
  const accounts = [config.account, ...config.extraAccounts];
  const primary = config.account;

  const checked = validateReplyRules(config.repliesInput);
  if ('problems' in checked) {
    throw new ConfigError(
      checked.problems.map((p) => `${config.configFile ?? 'config'}: ${p.path}: ${p.message}`),
    );
  }
  const rules = checked.rules;

  const ownStore = !options.store;
  const store = options.store ?? (await openStore(config.databaseUrl, { logger }));

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
      }),
    );
  }
  const apiFor = (appid: string) => apis.get(appid);

  const enrichment = new EnrichmentWorker({
    ...options.enrichment,
    followers: store.followers,
    apiFor,
    logger: logger.child({ module: 'enrichment' }),
  });
  const conversations = new ConversationService({ messages: store.messages, apiFor, logger });

  const bot = new Bot();
  // The push's effects: stored before any handler runs, and a push whose effects fail is not acknowledged.
  bot.use(
    pushEffects(captureFollowers({ followers: store.followers, enrichment }), conversations.recordInbound),
  );
  if (options.handlers) bot.use(options.handlers);
  bot.use(replyRulesHandler(rules));

  const webhook = wechatWebhook({
    accounts: accounts.map((a) => ({
      appid: a.appid,
      token: a.token,
      encodingAesKey: a.encodingAesKey ?? undefined,
    })),
    bot,
    replyStore: store.replies,
    replyBudgetMs: config.replyBudgetMs,
    timestampToleranceSeconds: config.timestampToleranceSeconds,
    lateReplySink: conversations.lateReplySink,
    onPassiveReply: conversations.recordPassiveReply,
    logger: logger.child({ module: 'webhook' }),
  });

  const sessionSecret = createHmac('sha256', config.adminToken)
    .update(`wxoa-console:${primary.appsecret}`)
    .digest('base64url');
  const visitorSecret = createHmac('sha256', primary.appsecret).update('wxoa-visitor').digest('base64url');
  const appids = accounts.map((a) => a.appid);

  const app = new Koa({ proxy: true });
  app.silent = true; // errors are logged by the middlewares that know what they mean
  const router = new Router();
  // The webhook reads its own raw body: it is mounted before any body parser.
  router.all('/wechat', webhook);
  router.all('/wechat/:appid', webhook);
  router.get('/healthz', async (ctx) => {
    try {
      await store.ping();
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    }
  });

  const api = new Router({ prefix: '/api' });
  api.use(apiErrors(logger.child({ module: 'admin-api' })));
  api.use(requireAdminToken(config.adminToken));
  api.use(koaBody({ jsonLimit: '64kb', text: false, urlencoded: false }));
  for (const r of [
    followersApiRouter({ store, appid: primary.appid, appids, prefix: '' }),
    conversationsApiRouter({ conversations, appid: primary.appid, appids, prefix: '' }),
    qrcodesApiRouter({ apiFor, appid: primary.appid, appids, prefix: '' }),
  ]) {
    api.use(r.routes(), r.allowedMethods());
  }
  // Any other /api path: a JSON 404 behind the same auth (path-to-regexp v8 syntax; '/(.*)' no longer parses).
  api.all('{/*rest}', (ctx) => {
    throw new ApiError(404, 'not_found', `no route ${ctx.method} ${ctx.path}`);
  });

  const oauth = oauthRouter({
    appid: primary.appid,
    api: apis.get(primary.appid)!,
    store,
    openBase: config.openBase,
    publicUrl: config.publicUrl,
    secret: visitorSecret,
    logger: logger.child({ module: 'oauth' }),
  });

  app.use(router.routes());
  app.use(api.routes());
  app.use(oauth.routes());

  let server: Server | null = null;
  let periodic: PeriodicSync | null = null;

  const wxoa: Wxoa = {
    config,
    app,
    store,
    bot,
    logger,
    accounts,
    rules,
    conversations,
    enrichment,
    webhook,
    sessionSecret,
    visitorSecret,
    apiFor,
    async listen(port = config.port, host = config.host) {
      const s = app.listen(port, host);
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once('listening', resolve);
        s.once('error', reject);
      });
      enrichment.start();
      if (config.syncIntervalSeconds > 0) {
        periodic = createPeriodicSync(config.syncIntervalSeconds, {
          store,
          accounts: accounts.map((a) => ({ appid: a.appid, api: apis.get(a.appid)! })),
          logger: logger.child({ module: 'sync' }),
        });
        periodic.start();
      }
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
      await periodic?.stop();
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
