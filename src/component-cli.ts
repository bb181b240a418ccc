import type { Config } from './config.js';
import { silentLogger, type Logger } from './logger.js';

/**
 * `wxoa component recover` (issue 13): puts back the refresh tokens of every account that authorized the
 * platform, from `api_get_authorizer_list` (WECHAT-PROTOCOL.md §8), after they were lost (a restored backup,
 * a wiped table): without them every account would have to authorize again. Exit code 1 without a platform
 * or when WeChat refuses.
 */
export async function runComponentRecover(
  config: Config,
  io: { out: (s: string) => void; err: (s: string) => void } = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  },
  logger: Logger = silentLogger,
): Promise<number> {
  if (!config.component) {
    io.err(
      'no third-party platform is configured: set WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_APPSECRET, ' +
        'WECHAT_COMPONENT_TOKEN and WECHAT_COMPONENT_ENCODING_AES_KEY\n',
    );
    return 1;
  }
  const { openStore } = await import('./store/index.js');
  const { ComponentPlatform } = await import('./component/platform.js');
  const store = await openStore(config.databaseUrl, { logger });
  try {
    const platform = new ComponentPlatform({
      component: config.component,
      apiBase: config.apiBase,
      stores: store,
      logger,
    });
    await platform.recover();
    const list = await platform.authorizers();
    const restored = list.filter((a) => a.authorized && a.hasRefreshToken);
    io.out(`recovered the refresh tokens of ${restored.length} account(s):\n`);
    for (const a of restored)
      io.out(`  ${a.appid}${a.name ? ` ${a.name}` : ''}${a.userName ? ` (${a.userName})` : ''}\n`);
    return 0;
  } catch (err) {
    io.err(`could not recover the refresh tokens: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
