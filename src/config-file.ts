import { parseMenu } from './menu/validate-menu.js';
import { childPath, isJsonObject, nearestName, type Problem } from './replies/problem.js';
import { validateReplyRules } from './replies/reply-rules.js';

/**
 * The structure of the JSON config file (INTERFACE.md §2), checked at start with the rest of the
 * configuration: an unknown key at any level is a problem named by its JSON path with the nearest known key
 * as a hint, so a typo (`reples`) never silently leaves a server without its rules.
 */

/** The keys the config file may hold. */
export const CONFIG_FILE_KEYS = ['replies', 'menu', 'accounts', 'apps'] as const;

/** The keys of an `accounts[i]` entry. */
export const ACCOUNT_KEYS = ['appid', 'appsecret', 'token', 'encodingAesKey'] as const;

/**
 * Every problem of the parsed file's shape: unknown top-level and `accounts[i]` keys, and the `replies` and
 * inline `menu` sections run through their own validators (which flag unknown keys in keyword rules, reply
 * objects and menu buttons). The accounts' values are checked by config.ts.
 */
export function configFileProblems(
  file: Record<string, unknown>,
  options: { publicUrl?: string } = {},
): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(file)) {
    if ((CONFIG_FILE_KEYS as readonly string[]).includes(key)) continue;
    problems.push({ path: childPath('', key), message: unknownKeyMessage(key, CONFIG_FILE_KEYS) });
  }
  const accounts = file['accounts'];
  if (Array.isArray(accounts)) {
    accounts.forEach((entry: unknown, i) => {
      const at = childPath('accounts', i);
      if (!isJsonObject(entry)) {
        problems.push({
          path: at,
          message: 'must be an object {"appid", "appsecret", "token", "encodingAesKey"?}',
        });
        return;
      }
      for (const key of Object.keys(entry)) {
        if ((ACCOUNT_KEYS as readonly string[]).includes(key)) continue;
        problems.push({ path: childPath(at, key), message: unknownKeyMessage(key, ACCOUNT_KEYS) });
      }
    });
  }
  if (file['replies'] !== undefined) {
    const checked = validateReplyRules(file['replies']);
    if ('problems' in checked) problems.push(...checked.problems);
  }
  // A string names a menu file (read by the console); an object is the menu itself.
  const menu = file['menu'];
  if (menu !== undefined && menu !== null && typeof menu !== 'string') {
    const parsed = parseMenu(menu, options.publicUrl ? { publicUrl: options.publicUrl } : {});
    if ('problems' in parsed) {
      problems.push(
        ...parsed.problems.map((p) => ({
          path: p.path === '' ? 'menu' : `menu.${p.path}`,
          message: p.message,
        })),
      );
    }
  }
  return problems;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = nearestName(key, known);
  return near === undefined
    ? `unknown key (known keys: ${known.join(', ')})`
    : `unknown key (did you mean "${near}"?)`;
}
