/**
 * One thing wrong in an operator's JSON (config file, menu file), with where it is: `path` is a JSONPath-like
 * location such as `replies.keywords[2].pattern` or `button[1].sub_button[0].key`; '' is the document itself.
 * Validators list every problem at once, so an operator fixes a file in one pass (architecture pattern 8).
 */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The path of `key` inside `parent`: `a[0]` for an index, `a.b` for an identifier-like key and `a["x-y"]`
 * for any other key (scene names and button keys are free-form).
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Names the JSON type of `value` for messages like "must be a string (got number)". */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Length of `value` in UTF-8 bytes, the unit of WeChat's limits (a CJK character is 3 bytes). */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/**
 * A problem for each key of `object` not in `allowed`, with a hint when the key differs from an allowed one
 * only by case or underscores (`media_id` for `mediaId`, the WeChat API's spelling), so typos do not silently
 * drop a setting.
 */
export function unknownFieldProblems(
  object: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  what: string,
): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(object)) {
    if (allowed.includes(key)) continue;
    const near = nearestName(key, allowed);
    const hint = near === undefined ? `allowed: ${allowed.join(', ')}` : `did you mean "${near}"?`;
    problems.push({ path: childPath(path, key), message: `unknown field in ${what} (${hint})` });
  }
  return problems;
}

/**
 * The allowed name `key` most likely misspells: one that differs only by case or underscores (`media_id`
 * for `mediaId`), else the closest by edit distance when close enough to be a typo (`reples` → `replies`);
 * undefined when nothing is near.
 */
export function nearestName(key: string, allowed: readonly string[]): string | undefined {
  const loose = looseName(key);
  const same = allowed.find((name) => looseName(name) === loose);
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of allowed) {
    const d = editDistance(loose, looseName(name));
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  // Two edits, and fewer than half the word: "reples" → "replies", but not "foo" → "menu".
  return bestDistance <= Math.min(2, Math.floor(loose.length / 2)) ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function looseName(name: string): string {
  return name.replace(/[_-]/g, '').toLowerCase();
}

/**
 * Checks that `object[key]` is a non-empty string (when `required`, or when present) and returns it; reports
 * a problem at `path.key` otherwise.
 */
export function readString(
  object: Record<string, unknown>,
  key: string,
  path: string,
  problems: Problem[],
  required: boolean,
): string | undefined {
  const value = object[key];
  const at = childPath(path, key);
  if (value === undefined) {
    if (required) problems.push({ path: at, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.push({ path: at, message: `must be a string (got ${describeJson(value)})` });
    return undefined;
  }
  if (value.trim() === '') {
    problems.push({ path: at, message: 'must not be empty' });
    return undefined;
  }
  return value;
}

/** True when `value` is an absolute http: or https: URL, the only links WeChat opens from replies and menus. */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
