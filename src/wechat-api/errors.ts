/**
 * Errors of the WeChat API client, built only by the transport (one place per source, ARCHITECTURE.md §5).
 * Messages and `endpoint` carry the path alone: the query string holds the access_token, the AppSecret or an
 * OAuth code, and these errors end up in logs and in operators' terminals.
 */

/** WeChat answered, with a non-zero `errcode` (WECHAT-PROTOCOL.md §6: errors come back as HTTP 200). */
export class WechatApiError extends Error {
  override readonly name = 'WechatApiError';
  /** WeChat's error code (WECHAT-PROTOCOL.md §7). */
  readonly errcode: number;
  /** WeChat's message, kept whole: its `rid: …` is what WeChat support asks for. */
  readonly errmsg: string;
  /** The API path, e.g. `/cgi-bin/user/info` — never the query. */
  readonly endpoint: string;
  /** What an operator can do about it, for well-known codes. */
  readonly hint?: string;

  constructor(
    init: { errcode: number; errmsg: string; endpoint: string; hint?: string | undefined },
    options?: { cause?: unknown },
  ) {
    const hint = init.hint === undefined ? '' : ` (${init.hint})`;
    super(`WeChat API ${init.endpoint} failed: ${init.errcode} ${init.errmsg}${hint}`, options);
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.endpoint = init.endpoint;
    if (init.hint !== undefined) this.hint = init.hint;
  }
}

/** How a request failed below WeChat's JSON: no connection, no answer in time, or a non-2xx / non-JSON answer. */
export type WechatHttpErrorKind = 'network' | 'timeout' | 'status';

/** The WeChat API could not be reached or did not answer with JSON. */
export class WechatHttpError extends Error {
  override readonly name = 'WechatHttpError';
  /** The API path, never the query. */
  readonly endpoint: string;
  readonly kind: WechatHttpErrorKind;
  /** The HTTP status, for `kind: 'status'`. */
  readonly status?: number;

  constructor(
    init: { endpoint: string; kind: WechatHttpErrorKind; status?: number | undefined; detail: string },
    options?: { cause?: unknown },
  ) {
    super(`WeChat API ${init.endpoint} ${init.detail}`, options);
    this.endpoint = init.endpoint;
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
  }
}
