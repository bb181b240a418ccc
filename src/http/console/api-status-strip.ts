import type { ApiFailure } from '../../wechat-api/api-failure.js';
import { formatDuration, timeTag } from './format-time.js';
import { html, type Html } from './html.js';

/**
 * The strip under the console's header that says the WeChat API is failing for this account: when the last
 * call failed, where and why, and what to do (issue 10: a wrong AppSecret showed only "UnionID: waiting for
 * WeChat…"). Nothing while the last call succeeded.
 */
export function apiStatusStrip(failure: ApiFailure | null | undefined, now: number): Html | '' {
  if (!failure) return '';
  const code = failure.errcode === null ? '' : ` ${failure.errcode}`;
  return html`<div class="api-status" role="alert" data-api-status>
    <strong>WeChat API failing.</strong>
    The last call failed ${formatDuration(now - failure.at)} ago (${timeTag(Math.floor(failure.at / 1000))}):
    <span class="mono">${failure.endpoint}${code}</span> — ${failure.hint ?? failure.message}. Run
    <span class="mono">wxoa doctor</span> to check the credentials, the IP whitelist and the webhook. This
    clears after the next successful call.
  </div>`;
}
