/**
 * The permission sets (func_info, 权限集) an authorizer grants a third-party platform, and which API needs
 * which. A call outside the granted sets fails here, naming the set, instead of WeChat's bare 48001 "api
 * unauthorized" (WECHAT-PROTOCOL.md §8). Ids after WeChat's permission-set table for Official Accounts.
 */
export const PERMISSION_SETS: Readonly<Record<number, string>> = {
  1: 'message management (消息管理权限)',
  2: 'user management (用户管理权限)',
  3: 'account services (帐号服务权限)',
  4: 'web page services (网页服务权限)',
  6: 'customer service (多客服权限)',
  7: 'mass send and notifications (群发与通知权限)',
  11: 'material management (素材管理权限)',
  15: 'custom menu (自定义菜单权限)',
};

/** The set each API path belongs to; paths not listed need none of these. */
const BY_PREFIX: ReadonlyArray<readonly [string, number]> = [
  ['/cgi-bin/message/custom/', 1],
  ['/cgi-bin/user/', 2],
  ['/cgi-bin/tags/', 2],
  ['/cgi-bin/qrcode/', 3],
  ['/sns/', 4],
  ['/cgi-bin/menu/', 15],
];

/** The permission set `endpoint` needs, or null. */
export function permissionSetFor(endpoint: string): number | null {
  for (const [prefix, id] of BY_PREFIX) if (endpoint.startsWith(prefix)) return id;
  return null;
}

/** The name of a permission set, with its id. */
export function permissionSetName(id: number): string {
  return `${PERMISSION_SETS[id] ?? 'permission set'} (id ${id})`;
}

/** A call an authorizer did not grant the permission set for; WeChat would answer 48001. */
export class MissingPermissionError extends Error {
  override readonly name = 'MissingPermissionError';
  /** Mirrors WeChat's code, so code that maps WechatApiError codes treats it alike. */
  readonly errcode = 48001;
  constructor(
    readonly appid: string,
    readonly endpoint: string,
    readonly permissionSet: number,
  ) {
    super(
      `${endpoint} needs the ${permissionSetName(permissionSet)} that ${appid} did not grant this platform: ` +
        'ask its administrator to authorize again with that permission set ticked',
    );
  }
}

/** Throws MissingPermissionError when `endpoint` needs a set outside `granted`. */
export function checkPermission(appid: string, granted: readonly number[], endpoint: string): void {
  const needed = permissionSetFor(endpoint);
  if (needed !== null && !granted.includes(needed)) throw new MissingPermissionError(appid, endpoint, needed);
}
