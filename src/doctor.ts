import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import type { ApiFailure } from './wechat-api/api-failure.js';
import { WechatApi, WechatApiError, WechatHttpError } from './wechat-api/index.js';
import { wechatSignature } from './wire/signature.js';

/**
 * `wxoa doctor` (issue 10): checks against the live API what a wrong setting would otherwise hide for hours
 * behind a cached token: the credentials (a fresh token, never the cached one), the IP whitelist (40164),
 * the webhook's public URL (a signed GET verification, as WeChat sends when the URL is saved) and
 * PUBLIC_URL's scheme. Each check says what to do when it fails. No secret is printed.
 */

/** One check's outcome. */
export interface DoctorCheck {
  name: string;
  /** null: not checked, because an earlier check failed. */
  ok: boolean | null;
  detail: string;
  fix?: string;
}

/** Seams for tests; the real network otherwise. */
export interface DoctorOptions {
  fetch?: typeof fetch;
  /** Per request; default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Runs every check: PUBLIC_URL once, then credentials, IP whitelist and webhook for each configured account
 * (the config file's `accounts` too, at `/wechat/:appid`). `config` must have an account.
 */
export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const primary = config.account;
  if (!primary) throw new Error('doctor needs an account (WECHAT_APPID) or a running sandbox');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const accounts = [primary, ...config.extraAccounts];
  const checks: DoctorCheck[] = [publicUrlCheck(config)];

  for (const account of accounts) {
    // A client of its own with an empty in-memory token store: the token is fetched now, whatever is cached.
    const api = new WechatApi({
      appid: account.appid,
      appsecret: account.appsecret,
      apiBase: config.apiBase,
      fetch: fetchFn,
      timeoutMs,
      retries: 0,
    });
    let tokenError: unknown = null;
    try {
      await api.getAccessToken();
    } catch (err) {
      tokenError = err;
    }
    const path = account === primary ? '/wechat' : `/wechat/${account.appid}`;
    const accountChecks = [
      credentialsCheck(config, tokenError),
      await whitelistCheck(api, tokenError),
      await webhookCheck(config, path, account.token, fetchFn, timeoutMs),
    ];
    // With several accounts, each check says whose it is.
    for (const c of accountChecks)
      checks.push(accounts.length > 1 ? { ...c, name: `${c.name} (${account.appid})` } : c);
  }
  return checks;
}

/** Prints the checks with ✓/✗ and fixes; returns the exit code (1 when any failed). */
export function formatDoctor(
  config: Config,
  checks: readonly DoctorCheck[],
  recorded: ApiFailure | null = null,
  now = Date.now(),
): { text: string; code: number } {
  const appids = [config.account, ...config.extraAccounts].flatMap((a) => (a ? [a.appid] : []));
  const lines = [`wxoa doctor: account ${appids.join(', ') || '?'}, API ${config.apiBase}`, ''];
  for (const c of checks) {
    const mark = c.ok === null ? '-' : c.ok ? '✓' : '✗';
    lines.push(`${mark} ${c.name}: ${c.detail}`);
    if (c.fix && c.ok !== true) lines.push(`    fix: ${c.fix}`);
  }
  if (recorded) {
    // What the running server last saw: it clears on the server's next successful call, not on this run.
    const minutes = Math.max(0, Math.round((now - recorded.at) / 60_000));
    lines.push(
      '',
      `note: the server recorded a failed call ${minutes} min ago: ${recorded.endpoint}` +
        `${recorded.errcode === null ? '' : ` ${recorded.errcode}`} — ${recorded.hint ?? recorded.message}`,
    );
  }
  const failed = checks.filter((c) => c.ok === false).length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`);
  return { text: `${lines.join('\n')}\n`, code: failed === 0 ? 0 : 1 };
}

function publicUrlCheck(config: Config): DoctorCheck {
  const name = 'PUBLIC_URL';
  if (config.sandbox)
    return { name, ok: true, detail: `${config.publicUrl} (sandbox: http is fine on this machine)` };
  if (!config.publicUrlSet) {
    return {
      name,
      ok: false,
      detail: `not set; OAuth redirect URIs and menu links would use ${config.publicUrl}`,
      fix: "set PUBLIC_URL to this server's public https address, e.g. PUBLIC_URL=https://wx.example.com",
    };
  }
  if (new URL(config.publicUrl).protocol !== 'https:') {
    return {
      name,
      ok: false,
      detail: `${config.publicUrl} is not https: session cookies are not Secure and WeChat shows a warning on http pages`,
      fix: 'serve wxoa behind TLS (a reverse proxy with a certificate) and set PUBLIC_URL=https://…',
    };
  }
  return { name, ok: true, detail: `${config.publicUrl} is https` };
}

function credentialsCheck(config: Config, err: unknown): DoctorCheck {
  const name = 'credentials';
  if (err === null)
    return { name, ok: true, detail: 'WeChat issued a fresh access_token for this AppID and AppSecret' };
  if (err instanceof WechatApiError) {
    if (err.errcode === 40164) {
      return {
        name,
        ok: null,
        detail: 'not checked: WeChat refused this IP before looking at the AppSecret',
      };
    }
    const fix =
      err.errcode === 40013
        ? "check WECHAT_APPID (it starts with wx; copy it from the console's Basic configuration)"
        : err.errcode === 40243
          ? 'the AppSecret is frozen: unfreeze it in the console'
          : 'copy WECHAT_APPSECRET again from the console (Settings and Development > Basic configuration); if it was reset, use the new one';
    return { name, ok: false, detail: `WeChat refused the token request: ${err.errcode} ${err.errmsg}`, fix };
  }
  return unreachable(name, config, err);
}

async function whitelistCheck(api: WechatApi, tokenError: unknown): Promise<DoctorCheck> {
  const name = 'IP whitelist';
  const refused = (err: WechatApiError): DoctorCheck => ({
    name,
    ok: false,
    detail: `WeChat refused this server's IP (40164): ${err.errmsg}`,
    fix: "add the server's egress IP (shown above) to the IP whitelist in the console (Settings and Development > Basic configuration)",
  });
  if (tokenError instanceof WechatApiError && tokenError.errcode === 40164) return refused(tokenError);
  if (tokenError !== null) return { name, ok: null, detail: 'not checked: no access_token' };
  // One call with the token: the whitelist applies to every API call, not only to the token endpoint.
  try {
    await api.getMenu();
  } catch (err) {
    if (err instanceof WechatApiError && err.errcode === 40164) return refused(err);
  }
  return { name, ok: true, detail: 'the API answered calls from this IP' };
}

async function webhookCheck(
  config: Config,
  path: string,
  token: string,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const name = 'webhook';
  const url = `${config.publicUrl}${path}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  const echostr = randomBytes(12).toString('hex');
  const signature = wechatSignature(token, timestamp, nonce);
  const query = new URLSearchParams({ signature, timestamp, nonce, echostr });
  let status: number;
  let body: string;
  try {
    const res = await fetchFn(`${url}?${query}`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return {
      name,
      ok: false,
      detail: `nothing answered at ${url} (${cause})`,
      fix: 'start `wxoa serve`, and make PUBLIC_URL reach it (DNS, firewall, reverse proxy to this port)',
    };
  }
  if (status === 200 && body === echostr) {
    return { name, ok: true, detail: `${url} answered WeChat's signed GET verification` };
  }
  if (status === 401) {
    return {
      name,
      ok: false,
      detail: `${url} refused the signature (401)`,
      fix: 'the server there runs with another WECHAT_TOKEN: use the same Token in the server, here and in the WeChat console',
    };
  }
  return {
    name,
    ok: false,
    detail: `${url} answered HTTP ${status}${status === 200 ? ' without the echostr' : ''}`,
    fix: 'PUBLIC_URL must reach wxoa itself: check that the reverse proxy passes /wechat with its query string to wxoa',
  };
}

function unreachable(name: string, config: Config, err: unknown): DoctorCheck {
  const detail =
    err instanceof WechatHttpError ? err.message : `the token request failed: ${(err as Error).message}`;
  return {
    name,
    ok: false,
    detail,
    fix: `check that this machine reaches ${config.apiBase} (WECHAT_API_BASE), and any outbound proxy or firewall`,
  };
}
