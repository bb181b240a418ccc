import { existsSync, readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig, type Config, type ConfigUse } from './config.js';

/**
 * `wxoa …` (INTERFACE.md §1). Every command reads the same configuration; each subcommand imports its
 * module on demand so `wxoa --help` stays instant.
 */

/** The configuration, asking only for the settings of `uses` (INTERFACE.md §2). */
function config(uses: ConfigUse = 'serve'): Config {
  try {
    return loadConfig(process.env, process.cwd(), { uses });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Runs an async command body, printing a clean message (no stack, no secret) and exiting 1 on failure. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>) {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    }
  };
}

/** This package's version: package.json is two folders up from dist/src/cli.js, one from src/cli.ts. */
function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    const path = new URL(rel, import.meta.url);
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'wxoa' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

/** A command that calls the WeChat API: the running sandbox stands in for a missing WECHAT_APPID. */
async function apiConfig(uses: ConfigUse = 'api'): Promise<Config> {
  const { commandConfig } = await import('./main.js');
  return commandConfig(config(uses));
}

export function buildProgram(): Command {
  const program = new Command('wxoa')
    .description('Self-hosted WeChat Official Account server')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nConfiguration comes from the environment (PORT, DATABASE_URL, WECHAT_APPID, WECHAT_APPSECRET,\n' +
        'WECHAT_TOKEN, WECHAT_ENCODING_AES_KEY, ADMIN_TOKEN, PUBLIC_URL, …) and the optional JSON file\n' +
        'WXOA_CONFIG (default ./wxoa.config.json). Without WECHAT_APPID, `serve` runs in sandbox mode.',
    );

  program
    .command('serve')
    .description(
      'start the server (sandbox mode with a built-in WeChat simulator when WECHAT_APPID is unset)',
    )
    .action(
      action(async () => {
        const { runServeCommand } = await import('./main.js');
        await runServeCommand(config());
      }),
    );

  program
    .command('simulator')
    .description('run the local WeChat platform simulator on its own port')
    .option('--port <n>', 'listen port', '3100')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--webhook <url>', 'webhook URL the simulated followers push to', 'http://127.0.0.1:3000/wechat')
    .addOption(
      new Option('--mode <mode>', 'message mode of the simulated account')
        .choices(['plain', 'compat', 'safe'])
        .default('safe'),
    )
    .option('--appid <appid>', 'AppID of the simulated account (random when not given)')
    .option('--token <token>', 'Token of the simulated account')
    .option('--aes-key <key>', 'EncodingAESKey of the simulated account')
    .option('--secret <secret>', 'AppSecret of the simulated account')
    .option('--followers <n>', 'followers to seed without pushes, for `wxoa sync`', '0')
    .option('--state <file>', 'keep the simulated platform in this file across restarts')
    .addHelpText(
      'after',
      '\nPush an event as a simulated follower (the simulator prints the exact commands at start):\n' +
        '  curl -X POST http://127.0.0.1:3100/sim/accounts/APPID/followers/OPENID/follow -H "content-type: application/json" -d \'{"scene":"spring"}\'\n' +
        '  curl -X POST http://127.0.0.1:3100/sim/accounts/APPID/followers/OPENID/text -H "content-type: application/json" -d \'{"content":"hello"}\'\n' +
        'The reply the webhook gave is printed in the JSON answer (decrypted in safe mode).',
    )
    .action(
      action(async (opts: Record<string, string | undefined>) => {
        const { runSimulatorCommand } = await import('./simulator/cli.js');
        await runSimulatorCommand(opts);
      }),
    );

  program
    .command('sync')
    .description('full follower sync: pages user/get, enriches everyone with user/info/batchget; resumable')
    .option('--appid <appid>', 'account to sync (default: the WECHAT_APPID account)')
    .action(
      action(async (opts: { appid?: string }) => {
        const { runSyncCommand } = await import('./main.js');
        return runSyncCommand(await apiConfig(), opts);
      }),
    );

  const menu = program.command('menu').description('custom menus');
  menu
    .command('validate <file>')
    .description("check a menu file against WeChat's rules; lists every problem, exit code 1 if any")
    .action(
      action(async (file: string) => {
        const { runMenuValidate } = await import('./main.js');
        return runMenuValidate(file);
      }),
    );
  menu
    .command('push <file>')
    .description('validate, expand OAuth links against PUBLIC_URL, and call menu/create')
    .action(
      action(async (file: string) => {
        const { runMenuPush } = await import('./main.js');
        return runMenuPush(await apiConfig(), file);
      }),
    );
  menu
    .command('show')
    .description('print the live menu (menu/get)')
    .option('--json', 'print the raw JSON')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { runMenuShow } = await import('./main.js');
        return runMenuShow(await apiConfig(), opts);
      }),
    );

  const qrcode = program.command('qrcode').description('parametric QR codes');
  qrcode
    .command('create')
    .description('create a parametric QR code; prints ticket, content URL and image URL')
    .requiredOption('--scene <scene>', 'scene: a number (scene_id) or a string (scene_str, 1–64 characters)')
    .option('--permanent', 'a permanent code (at most 100 000 per account)')
    .option('--expire <seconds>', 'lifetime of a temporary code, up to 2592000 (30 days)', '2592000')
    .option('--json', 'print JSON')
    .option(
      '--label <label>',
      'a name for the code in `wxoa qrcode list` and the console (up to 100 characters)',
    )
    .action(
      action(
        async (opts: {
          scene: string;
          permanent?: boolean;
          expire: string;
          json?: boolean;
          label?: string;
        }) => {
          const { runQrcodeCreate } = await import('./main.js');
          return runQrcodeCreate(await apiConfig(), opts);
        },
      ),
    );
  qrcode
    .command('list')
    .description('list every QR code created through wxoa (console, API, CLI), newest first')
    .option('--limit <n>', 'show only the newest n')
    .option('--appid <appid>', 'account (default: the WECHAT_APPID account)')
    .option('--json', 'print one JSON object per line, as GET /api/qrcodes does')
    .action(
      action(async (opts: { json?: boolean; limit?: string; appid?: string }) => {
        const { runQrcodeList } = await import('./main.js');
        return runQrcodeList(await apiConfig(), opts);
      }),
    );

  const tags = program.command('tags').description('follower tags (WeChat allows 100, 20 per follower)');
  tags
    .command('list')
    .description("WeChat's tags with their follower counts")
    .option('--appid <appid>', 'account (default: the WECHAT_APPID account)')
    .option('--json', 'print JSON')
    .action(
      action(async (opts: { appid?: string; json?: boolean }) => {
        const { runTagsList } = await import('./tags-cli.js');
        return runTagsList(await apiConfig(), opts);
      }),
    );
  tags
    .command('create <name>')
    .description('create a tag (at most 30 characters)')
    .option('--appid <appid>', 'account (default: the WECHAT_APPID account)')
    .action(
      action(async (name: string, opts: { appid?: string }) => {
        const { runTagsCreate } = await import('./tags-cli.js');
        return runTagsCreate(await apiConfig(), name, opts);
      }),
    );
  tags
    .command('delete <tag>')
    .description('delete a tag (an id or a name), from every follower too')
    .option('--appid <appid>', 'account (default: the WECHAT_APPID account)')
    .action(
      action(async (tag: string, opts: { appid?: string }) => {
        const { runTagsDelete } = await import('./tags-cli.js');
        return runTagsDelete(await apiConfig(), tag, opts);
      }),
    );
  for (const [name, kind, verb] of [
    ['add', 'tag', 'tag'],
    ['remove', 'untag', 'untag'],
  ] as const) {
    tags
      .command(`${name} <tag>`)
      .description(
        `${verb} every following follower of a scene (or tag) as a job, in batches of 50, with progress`,
      )
      .option('--scene <scene>', 'followers who came through this QR scene')
      .option('--with-tag <id>', 'followers carrying this tag')
      .option('--all', 'every follower')
      .option('--appid <appid>', 'account (default: the WECHAT_APPID account)')
      .action(
        action(
          async (tag: string, opts: { scene?: string; withTag?: string; all?: boolean; appid?: string }) => {
            const { runTagsJob } = await import('./tags-cli.js');
            return runTagsJob(await apiConfig(), kind, tag, {
              ...(opts.scene !== undefined ? { scene: opts.scene } : {}),
              ...(opts.withTag !== undefined ? { tag: opts.withTag } : {}),
              ...(opts.all ? { all: true } : {}),
              ...(opts.appid !== undefined ? { appid: opts.appid } : {}),
            });
          },
        ),
      );
  }

  const followers = program.command('followers').description('followers');
  followers
    .command('export')
    .description('write followers to stdout (all of them, or those the filters take)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .option('--appid <appid>', 'only this account')
    .option('--subscribed', 'only people who follow now')
    .option('--scene <scene>', 'only followers who came through this QR scene')
    .option(
      '--since <iso-date>',
      'only followers whose (latest) follow is at or after this ISO 8601 date (2026-03-01, UTC) or date-time with offset',
    )
    .action(
      action(
        async (opts: {
          format: 'csv' | 'jsonl';
          appid?: string;
          subscribed?: boolean;
          scene?: string;
          since?: string;
        }) => {
          const { runFollowersExport } = await import('./main.js');
          return runFollowersExport(config('database'), opts);
        },
      ),
    );

  program
    .command('doctor')
    .description(
      'check against the WeChat API that the credentials work, the IP is whitelisted, the webhook answers ' +
        'at PUBLIC_URL and PUBLIC_URL is https; exit code 1 if anything fails',
    )
    .action(
      action(async () => {
        const { runDoctorCommand } = await import('./main.js');
        return runDoctorCommand(await apiConfig('serve'));
      }),
    );

  const component = program.command('component').description('the third-party platform (WECHAT_COMPONENT_*)');
  component
    .command('recover')
    .description(
      'put back lost refresh tokens of the accounts that authorized the platform (api_get_authorizer_list)',
    )
    .action(
      action(async () => {
        const { runComponentRecover } = await import('./component-cli.js');
        return runComponentRecover(config('api'));
      }),
    );

  const sandbox = program
    .command('sandbox')
    .description('the running sandbox (`npm start` without WECHAT_APPID)');
  sandbox
    .command('env')
    .description('print `export` lines that point a shell at the running sandbox’s simulated WeChat')
    .action(
      action(async () => {
        const { runSandboxEnv } = await import('./main.js');
        return runSandboxEnv(config('database'));
      }),
    );

  return program;
}

await buildProgram().parseAsync(process.argv);
