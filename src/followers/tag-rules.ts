/**
 * WeChat's limits on tags, remarks and the blacklist (WECHAT-PROTOCOL.md §6.4, §6.4b), checked before a call
 * where they can be, and WeChat's answers as plain messages where they cannot.
 */

/** Tags an account may have, WeChat's own included (45056 past it). */
export const MAX_TAGS = 100;
/** Characters of a tag name (45158 past it). */
export const TAG_NAME_MAX_CHARS = 30;
/** WeChat's own tags (0 and 1 hidden, 2 = 星标组): not renamed or deleted (45058). */
export const RESERVED_TAG_IDS: readonly number[] = [0, 1, 2];
/** Tags one follower may carry (45059 past it). */
export const TAGS_PER_FOLLOWER = 20;
/** Bytes of UTF-8 of a remark: WeChat documents 30 characters but fails past about 30 bytes. */
export const REMARK_MAX_BYTES = 30;
/** OpenIDs per batchtagging / batchuntagging call. */
export const TAGGING_BATCH = 50;
/** OpenIDs per batchblacklist / batchunblacklist call (40032 past it). */
export const BLACKLIST_BATCH = 20;

/** Why a request about tags, remarks or the blacklist cannot be done: the admin API's 4xx. */
export class FollowerAdminError extends Error {
  override readonly name = 'FollowerAdminError';
  constructor(
    readonly kind: 'invalid' | 'not_found',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The problem with a tag name, or null when WeChat would take it. */
export function tagNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'name must be a non-empty string';
  const chars = [...name].length;
  if (chars > TAG_NAME_MAX_CHARS) {
    return `name is ${chars} characters long; WeChat allows at most ${TAG_NAME_MAX_CHARS}`;
  }
  return null;
}

/** The problem with a remark, or null when WeChat would take it. */
export function remarkProblem(remark: unknown): string | null {
  if (typeof remark !== 'string') return 'remark must be a string';
  const bytes = Buffer.byteLength(remark, 'utf8');
  if (bytes > REMARK_MAX_BYTES) {
    return `remark is ${bytes} bytes of UTF-8; WeChat allows at most ${REMARK_MAX_BYTES} (10 Chinese characters)`;
  }
  return null;
}

/** Whether a tag id is one of WeChat's own. */
export function isReservedTag(id: number): boolean {
  return RESERVED_TAG_IDS.includes(id);
}

/** Plain messages for WeChat's tag, remark and blacklist codes (§6.4b). */
const MESSAGES: Record<number, string> = {
  45056: `the account has ${MAX_TAGS} tags, WeChat's limit: delete one first`,
  45157: 'a tag with this name exists already',
  45158: `the tag name is longer than ${TAG_NAME_MAX_CHARS} characters`,
  45058: 'tags 0, 1 and 2 are WeChat\u2019s own: they cannot be renamed or deleted',
  45057: 'the tag has more than 100 000 followers: WeChat refuses to delete it (untag some first)',
  45059: `the follower has ${TAGS_PER_FOLLOWER} tags already, WeChat's limit`,
  45159: 'WeChat has no tag with this id',
  40003: 'not a follower of this account (unknown OpenID, or no longer following)',
  40032: 'too many OpenIDs in one call',
  40035: 'WeChat refused the value',
  40092: 'WeChat refused the remark',
};

/** Whether a code is one of the refusals above: about the request, not about the account or WeChat. */
export function isRequestRefusal(errcode: number): boolean {
  return errcode in MESSAGES;
}

/** WeChat's code as a plain message (its own errmsg for codes without one). */
export function plainMessage(errcode: number, errmsg: string): string {
  return MESSAGES[errcode] ?? `WeChat answered ${errcode}: ${errmsg}`;
}

/** Codes a batch call answers when one of its OpenIDs is at fault: the batch is split to find which. */
export const PER_FOLLOWER_CODES: ReadonlySet<number> = new Set([40003, 45059]);

/** Codes that mean "not now": the job waits and tries the same batch again. */
export const BUSY_CODES: ReadonlySet<number> = new Set([-1, 45009, 45011]);
