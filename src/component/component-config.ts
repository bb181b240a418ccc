/**
 * The third-party platform (component) settings of INTERFACE.md §9: the four WECHAT_COMPONENT_* variables,
 * all or none. Read from the environment config.ts passes in (config.ts stays the only reader of
 * process.env); every problem goes to the same list as the rest of the configuration.
 */

/** A WeChat third-party platform wxoa runs as. */
export interface ComponentConfig {
  /** component_appid: also the receiveId ending every decrypted push (WECHAT-PROTOCOL.md §8). */
  appid: string;
  appsecret: string;
  /** The message verification Token of the platform's settings. */
  token: string;
  /** The platform's 43-character message encryption key (pushes are always encrypted). */
  encodingAesKey: string;
}

const NAMES = [
  'WECHAT_COMPONENT_APPID',
  'WECHAT_COMPONENT_APPSECRET',
  'WECHAT_COMPONENT_TOKEN',
  'WECHAT_COMPONENT_ENCODING_AES_KEY',
] as const;

const APPID = /^wx[0-9a-zA-Z]{16}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/;
const AES_KEY = /^[A-Za-z0-9]{43}$/;

/**
 * The component of `env`, or null when none of the four is set; a partial or malformed set adds its
 * problems (each naming the variable to fix) and returns null.
 */
export function readComponentConfig(
  env: Record<string, string | undefined>,
  problems: string[],
): ComponentConfig | null {
  const values = NAMES.map((name) => (env[name] ?? '').trim());
  const set = NAMES.filter((_, i) => values[i] !== '');
  if (set.length === 0) return null;
  if (set.length < NAMES.length) {
    const missing = NAMES.filter((_, i) => values[i] === '');
    problems.push(
      `the third-party platform needs all four WECHAT_COMPONENT_* settings: ${missing.join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing (${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set)`,
    );
    return null;
  }
  const [appid, appsecret, token, encodingAesKey] = values as [string, string, string, string];
  const before = problems.length;
  if (!APPID.test(appid))
    problems.push(
      `WECHAT_COMPONENT_APPID must look like wx followed by 16 letters or digits (got "${appid}")`,
    );
  if (!TOKEN.test(token)) {
    problems.push(
      `WECHAT_COMPONENT_TOKEN must be the 3–32 letters or digits of the platform's message verification Token (got ${token.length} characters)`,
    );
  }
  if (!AES_KEY.test(encodingAesKey)) {
    problems.push(
      `WECHAT_COMPONENT_ENCODING_AES_KEY must be 43 letters or digits (got ${encodingAesKey.length})` +
        (encodingAesKey.length === 44 && encodingAesKey.endsWith('=')
          ? "; copy it from the platform's settings without a trailing '='"
          : ''),
    );
  }
  return problems.length === before ? { appid, appsecret, token, encodingAesKey } : null;
}
