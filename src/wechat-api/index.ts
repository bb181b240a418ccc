/** The typed WeChat API client (WECHAT-PROTOCOL.md §6–7). */
export { WechatApi, DEFAULT_API_BASE, BATCHGET_MAX_OPENIDS, type WechatApiOptions } from './client.js';
export type { TokenEndpoint } from './access-token.js';
export { WechatApiError, WechatHttpError, type WechatHttpErrorKind } from './errors.js';
export { ACCESS_TOKEN_ERROR_CODES, hintFor } from './error-hints.js';
export {
  buildOAuthAuthorizeUrl,
  DEFAULT_OPEN_BASE,
  type OAuthAuthorizeUrlOptions,
  type OAuthScope,
} from './oauth-authorize-url.js';
export {
  buildQrCodeBody,
  qrCodeImageUrl,
  QrCodeRequestError,
  DEFAULT_QR_EXPIRE_SECONDS,
  MAX_QR_EXPIRE_SECONDS,
  MAX_PERMANENT_SCENE_ID,
  MAX_TEMPORARY_SCENE_ID,
  MAX_SCENE_STR_LENGTH,
  type QrCodeRequest,
  type QrCodeCreateBody,
} from './qrcode-request.js';
export {
  customMessageBody,
  type CustomMessage,
  type CustomMessageBody,
  type CustomMessageType,
} from './custom-message.js';
export { MemoryTokenStore, type MemoryTokenStoreOptions } from './memory-token-store.js';
export type { StoredToken, TokenStore } from './token-store.js';
export {
  apiFailureRecorder,
  describeFailure,
  type ApiFailure,
  type ApiFailureRecorderOptions,
  type ApiFailureStore,
  type ApiOutcome,
  type ApiOutcomeListener,
} from './api-failure.js';
export type {
  FollowerPage,
  OAuthToken,
  OAuthUserInfo,
  QrCode,
  Tag,
  UserInfo,
  UserInfoLang,
} from './types.js';
