/**
 * Errors of the wire protocol. `code` mirrors the official WXBizMsgCrypt sample's error enum
 * (WECHAT-PROTOCOL.md §2.7) where one exists; http/ maps `kind` to a status (401 / 400 / 413).
 */
export type WireErrorKind =
  | 'signature' // bad signature or msg_signature → 401
  | 'timestamp' // stale or missing timestamp → 401
  | 'appid' // decrypted AppID is not the account's → 401
  | 'crypto' // bad key, base64, padding or length → 400
  | 'xml' // not well-formed WeChat XML → 400
  | 'too_large' // body over the limit → 413
  | 'reply'; // a reply the developer built breaks WeChat's rules (e.g. too many news articles)

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly kind: WireErrorKind,
    message: string,
    /** Official sample code (-40001 … -40011) when there is one. */
    readonly code?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
