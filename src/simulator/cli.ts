import type { Logger } from 'pino';
import { startSimulator, type Simulator } from './index.js';
import type { MessageMode } from './types.js';

/**
 * Options of `wxoa simulator`. Every value may arrive as the string commander parsed; numbers are
 * parsed here. Names follow the command's flags (`--webhook`, `--aes-key` → `aesKey`, `--secret`);
 * the long forms (`webhookUrl`, `encodingAesKey`, `appsecret`) are accepted too.
 */
export interface SimulatorCommandOptions {
  port?: number | string | undefined;
  host?: string | undefined;
  webhook?: string | undefined;
  webhookUrl?: string | undefined;
  mode?: string | undefined;
  appid?: string | undefined;
  secret?: string | undefined;
  appsecret?: string | undefined;
  token?: string | undefined;
  aesKey?: string | undefined;
  encodingAesKey?: string | undefined;
  /** How many followers to seed (no pushes), so `wxoa sync` has something to page. */
  followers?: number | string | undefined;
  /** A state file that keeps the simulated platform across restarts (`--state FILE`). */
  state?: string | undefined;
  /** Where the start-up text goes; default stdout. */
  print?: ((text: string) => void) | undefined;
  logger?: Logger | undefined;
  /** Close the simulator on SIGINT/SIGTERM; default true. */
  handleSignals?: boolean | undefined;
}

/** The flags for `--help`, for the commander wiring: `[flags, description, default]`. */
export const SIMULATOR_COMMAND_FLAGS: ReadonlyArray<readonly [string, string, string | undefined]> = [
  ['--port <n>', 'listen port (0 picks a free one)', '3100'],
  [
    '--host <host>',
    'listen address; the control API has no authentication, keep it on loopback',
    '127.0.0.1',
  ],
  [
    '--webhook <url>',
    "the webhook the simulated followers push to (your server's /wechat)",
    'http://127.0.0.1:3000/wechat',
  ],
  ['--mode <mode>', 'message mode of the account: plain | compat | safe', 'safe'],
  ['--appid <appid>', 'AppID of the simulated account (random when not given)', undefined],
  ['--secret <secret>', 'AppSecret of the simulated account (random when not given)', undefined],
  ['--token <token>', 'Token of the simulated account (random when not given)', undefined],
  ['--aes-key <key>', 'EncodingAESKey, 43 characters (random when not given)', undefined],
  ['--followers <n>', 'followers to seed without pushes, for `wxoa sync`', '0'],
  [
    '--state <file>',
    'keep the simulated platform (people, followers, menu, QR codes, tokens) in this file across restarts',
    undefined,
  ],
];

/**
 * `wxoa simulator`: starts the simulator standalone with one account and one (not yet following) person,
 * prints the URL, the account's credentials as WECHAT_* settings, and ready-to-paste commands to push
 * events. Resolves once listening; the process then runs until SIGINT/SIGTERM.
 */
export async function runSimulatorCommand(opts: SimulatorCommandOptions = {}): Promise<Simulator> {
  const port = toNumber(opts.port ?? 3100, 'port');
  const followers = toNumber(opts.followers ?? 0, 'followers');
  const mode = (opts.mode ?? 'safe') as MessageMode;
  if (!['plain', 'compat', 'safe'].includes(mode))
    throw new Error(`--mode must be plain, compat or safe (got ${mode})`);
  const simulator = await startSimulator({
    port,
    host: opts.host ?? '127.0.0.1',
    logger: opts.logger,
    stateFile: opts.state,
  });
  const webhookUrl = opts.webhook ?? opts.webhookUrl ?? 'http://127.0.0.1:3000/wechat';
  // With a state file from an earlier run, its account (the one named by --appid, else the first) goes on.
  const kept = opts.appid ? simulator.accounts.find((a) => a.appid === opts.appid) : simulator.accounts[0];
  let account;
  try {
    if (kept) {
      const given: Array<[string, string | undefined, string]> = [
        ['--secret', opts.secret ?? opts.appsecret, kept.appsecret],
        ['--token', opts.token, kept.token],
        ['--aes-key', opts.aesKey ?? opts.encodingAesKey, kept.encodingAesKey],
      ];
      const differ = given.filter(([, value, saved]) => value !== undefined && value !== saved);
      if (differ.length > 0) {
        throw new Error(
          `${differ.map(([flag]) => flag).join(', ')} differ from account ${kept.appid} in ${opts.state}: ` +
            'leave them out to keep the saved account, or use another --state file',
        );
      }
      account = kept;
      account.webhookUrl = webhookUrl;
      account.mode = mode;
    } else {
      account = simulator.createAccount({
        appid: opts.appid,
        appsecret: opts.secret ?? opts.appsecret,
        token: opts.token,
        encodingAesKey: opts.aesKey ?? opts.encodingAesKey,
        webhookUrl,
        mode,
      });
      if (followers > 0) account.seedFollowers(followers);
    }
  } catch (e) {
    await simulator.close();
    throw e;
  }
  const person = account.follower();
  const url = simulator.url;
  const base = `${url}/sim/accounts/${account.appid}`;
  const curl = (path: string, body: string): string =>
    `  curl -X POST ${base}${path} -H 'content-type: application/json' -d '${body}'`;
  const print = opts.print ?? ((text: string) => process.stdout.write(text));
  print(
    [
      `WeChat platform simulator listening on ${url}`,
      '',
      'Point the server at it: paste these into the shell that runs `wxoa serve` (and any other wxoa command):',
      `  export WECHAT_API_BASE=${url}`,
      `  export WECHAT_OPEN_BASE=${url}`,
      `  export WECHAT_APPID=${account.appid}`,
      `  export WECHAT_APPSECRET=${account.appsecret}`,
      `  export WECHAT_TOKEN=${account.token}`,
      `  export WECHAT_ENCODING_AES_KEY=${account.encodingAesKey}`,
      '',
      `Account ${account.ghId}: ${account.mode} mode, pushes to ${account.webhookUrl ?? '(no webhook)'}` +
        (!kept && followers > 0 ? `, ${followers} seeded followers` : '') +
        (kept ? `, ${account.followers().length} following (kept in ${opts.state})` : ''),
      `  (the server must listen there: start it with PORT to match, or restart this simulator with --webhook URL)`,
      '',
      `Push events as the simulated person ${person.openid} (each answer shows the webhook's reply):`,
      curl(`/followers/${person.openid}/follow`, '{"scene":"spring"}'),
      curl(`/followers/${person.openid}/text`, '{"content":"hello"}'),
      curl(`/followers/${person.openid}/click`, '{"key":"MENU_HELP"}'),
      curl(`/followers/${person.openid}/unfollow`, '{}'),
      `New people: POST ${base}/followers {}; state: GET ${base}; calls received: GET ${url}/sim/calls`,
      '',
    ].join('\n'),
  );
  if (opts.handleSignals ?? true) {
    const stop = (): void => {
      void simulator.close().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return simulator;
}

function toNumber(value: number | string, name: string): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number (got ${value})`);
  return n;
}
