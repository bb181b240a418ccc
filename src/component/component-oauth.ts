import type { OAuthApi } from '../oauth/flow.js';
import type { OAuthToken } from '../wechat-api/types.js';
import { WechatHttpError } from '../wechat-api/errors.js';
import type { ComponentPlatform } from './platform.js';

/**
 * Web authorization on behalf of an authorizer (WECHAT-PROTOCOL.md §8): the code is exchanged at
 * `/sns/oauth2/component/access_token` with the component_access_token (the platform holds no AppSecret of
 * the account); `/sns/userinfo` is unchanged.
 */
export function componentOAuthApi(platform: ComponentPlatform, appid: string): OAuthApi {
  return {
    async oauthExchangeCode(code: string): Promise<OAuthToken> {
      const path = '/sns/oauth2/component/access_token';
      const json = await platform.api.oauthExchangeCode(appid, code);
      const accessToken = json['access_token'];
      const openid = json['openid'];
      if (typeof accessToken !== 'string' || typeof openid !== 'string') {
        throw new WechatHttpError({
          endpoint: path,
          kind: 'status',
          status: 200,
          detail: 'answered without a token',
        });
      }
      const unionid = json['unionid'];
      return {
        accessToken,
        expiresIn: typeof json['expires_in'] === 'number' ? json['expires_in'] : 7200,
        refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : '',
        openid,
        scope: typeof json['scope'] === 'string' ? json['scope'] : '',
        ...(typeof unionid === 'string' && unionid !== '' ? { unionid } : {}),
        isSnapshotUser: json['is_snapshotuser'] === 1,
      };
    },
    oauthUserInfo(accessToken, openid) {
      const api = platform.apiFor(appid);
      if (!api) throw new Error(`${appid} has not authorized this platform`);
      return api.oauthUserInfo(accessToken, openid);
    },
  };
}
