import type { ApiFailure } from '../../wechat-api/api-failure.js';
import type { ConsoleSession } from './console-session.js';

/** The console's pages, as the navigation names them. */
export type Section =
  'followers' | 'conversations' | 'campaigns' | 'menu' | 'simulator' | 'people' | 'component' | 'tags';

/** What every signed-in page knows about the request: who, which account, sandbox or not. */
export interface ViewContext {
  readonly session: ConsoleSession;
  readonly sandbox: boolean;
  /** The account the page shows (`?appid=`, default the primary one). */
  readonly appid: string;
  /** WECHAT_APPID (or the sandbox account): links to it carry no `?appid=`. */
  readonly primaryAppid: string;
  /** Every configured account, primary first. */
  readonly accounts: readonly string[];
  /** Unix ms of the request. */
  readonly now: number;
  /** The account's last WeChat API failure not yet cleared by a success (the status strip). */
  readonly apiFailure?: ApiFailure | null;
  /** A third-party platform is configured: the console offers to connect Official Accounts (issue 13). */
  readonly component?: boolean;
}

/**
 * A console URL for the page's account: `path` with the query `params` (empty values dropped, so a filter
 * form's blanks do not clutter links) and `appid` when it is not the primary account.
 */
export function consoleHref(
  view: Pick<ViewContext, 'appid' | 'primaryAppid'>,
  path: string,
  params: Record<string, string | number | null | undefined> = {},
): string {
  const query = new URLSearchParams();
  if (view.appid !== view.primaryAppid) query.set('appid', view.appid);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

/** A path segment from data (an openid): encoded, so it can never change the path's shape. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
