import { childPath, isJsonObject, nearestName } from './replies/problem.js';

/**
 * The `apps` of the config file (INTERFACE.md §8): the Mini Programs, website apps and mobile apps bound to
 * the same Open Platform account as the Official Accounts, whose sign-ins wxoa records and links by
 * UnionID. Checked at start with the rest of the configuration, every problem named by its JSON path.
 */

/** The kinds of app of `apps[i].type`. */
export const APP_TYPES = ['miniprogram', 'website', 'mobile'] as const;

/** An Open Platform app besides the Official Accounts. */
export type AppType = (typeof APP_TYPES)[number];

/** One entry of `apps`. */
export interface AppConfig {
  type: AppType;
  appid: string;
  appsecret: string;
  /** What the console calls it; null: its AppID. */
  name: string | null;
}

/** The keys of an `apps[i]` entry. */
export const APP_KEYS = ['type', 'appid', 'appsecret', 'name'] as const;

const APPID = /^wx[0-9A-Za-z]{16}$/;
const NAME_MAX = 64;

/**
 * The checked `apps` section, adding every problem to `problems` (prefixed with `where`, the config file's
 * path). `taken` holds the AppIDs of the Official Accounts: an app cannot share one.
 */
export function checkApps(
  input: unknown,
  taken: readonly string[],
  problems: string[],
  where: string,
): AppConfig[] {
  if (input === undefined) return [];
  const problem = (path: string, message: string) => problems.push(`${where}: ${path}: ${message}`);
  if (!Array.isArray(input)) {
    problem('apps', 'must be an array of {"type", "appid", "appsecret", "name"?}');
    return [];
  }
  const apps: AppConfig[] = [];
  const seen = new Set(taken);
  input.forEach((entry: unknown, i) => {
    const at = childPath('apps', i);
    if (!isJsonObject(entry)) {
      problem(at, 'must be an object {"type", "appid", "appsecret", "name"?}');
      return;
    }
    let ok = true;
    for (const key of Object.keys(entry)) {
      if ((APP_KEYS as readonly string[]).includes(key)) continue;
      const near = nearestName(key, APP_KEYS);
      problem(
        childPath(at, key),
        near === undefined
          ? `unknown key (known keys: ${APP_KEYS.join(', ')})`
          : `unknown key (did you mean "${near}"?)`,
      );
      ok = false;
    }
    const { type, appid, appsecret, name } = entry;
    if (typeof type !== 'string' || !(APP_TYPES as readonly string[]).includes(type)) {
      problem(`${at}.type`, `must be one of ${APP_TYPES.join(', ')} (got ${JSON.stringify(type ?? null)})`);
      ok = false;
    }
    if (typeof appid !== 'string' || !APPID.test(appid)) {
      problem(
        `${at}.appid`,
        `must look like wx followed by 16 letters or digits (got ${JSON.stringify(appid ?? null)})`,
      );
      ok = false;
    } else if (seen.has(appid)) {
      problem(`${at}.appid`, `${appid} is configured twice`);
      ok = false;
    }
    if (typeof appsecret !== 'string' || appsecret.trim() === '') {
      problem(
        `${at}.appsecret`,
        'is required (the AppSecret of the app, from the Open Platform or Mini Program console)',
      );
      ok = false;
    }
    if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > NAME_MAX)) {
      problem(`${at}.name`, `must be a non-empty string of at most ${NAME_MAX} characters`);
      ok = false;
    }
    if (!ok) return;
    seen.add(appid as string);
    apps.push({
      type: type as AppType,
      appid: appid as string,
      appsecret: (appsecret as string).trim(),
      name: typeof name === 'string' ? name.trim() : null,
    });
  });
  return apps;
}
