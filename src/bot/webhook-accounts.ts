import { MessageCrypto } from '../wire/crypto.js';
import { WebhookError } from './webhook-errors.js';

/** An Official Account the webhook serves, as set in its console (INTERFACE.md §2). */
export interface WebhookAccount {
  appid: string;
  /** The Token of the console's server settings. */
  token: string;
  /** The 43-character EncodingAESKey; without it only plaintext (and compatible-mode) pushes work. */
  encodingAesKey?: string | undefined;
  /**
   * The id that ends each decrypted plaintext, when not the AppID: a third-party platform's pushes end in
   * the component_appid (WECHAT-PROTOCOL.md §2.2, §8).
   */
  receiveId?: string | undefined;
}

/**
 * Accounts known only at run time (a third-party platform's authorizers): the account of an AppID not in
 * the list, or undefined (→ 404).
 */
export type AccountResolver = (appid: string) => ResolvedAccount | undefined;

/** An account ready for the hot path: the AES key is decoded once. */
export interface ResolvedAccount {
  readonly appid: string;
  readonly token: string;
  readonly crypto: MessageCrypto | undefined;
}

/** The accounts of one webhook: the first is the default, the rest are picked by AppID. */
export class AccountTable {
  readonly default: ResolvedAccount;
  readonly #byAppid: ReadonlyMap<string, ResolvedAccount>;
  readonly #resolve: AccountResolver | undefined;

  constructor(accounts: WebhookAccount | readonly WebhookAccount[], resolve?: AccountResolver) {
    this.#resolve = resolve;
    const list = Array.isArray(accounts)
      ? (accounts as readonly WebhookAccount[])
      : [accounts as WebhookAccount];
    const problems: string[] = [];
    const byAppid = new Map<string, ResolvedAccount>();
    list.forEach((account, i) => {
      const where = `accounts[${i}]`;
      if (typeof account.appid !== 'string' || account.appid === '')
        problems.push(`${where}.appid is required`);
      if (typeof account.token !== 'string' || account.token === '') {
        problems.push(`${where}.token is required (the Token of the WeChat console's server settings)`);
      }
      if (byAppid.has(account.appid)) problems.push(`${where}.appid ${account.appid} is listed twice`);
      let crypto: MessageCrypto | undefined;
      if (account.encodingAesKey !== undefined && account.encodingAesKey !== '') {
        try {
          crypto = new MessageCrypto(account.encodingAesKey, account.receiveId ?? account.appid);
        } catch (err) {
          problems.push(`${where}.encodingAesKey: ${(err as Error).message}`);
        }
      }
      byAppid.set(account.appid, {
        appid: account.appid,
        token: account.token,
        crypto,
      });
    });
    if (list.length === 0) problems.push('at least one account is required');
    if (problems.length > 0) throw new TypeError(`invalid webhook accounts: ${problems.join('; ')}`);
    this.#byAppid = byAppid;
    this.default = byAppid.values().next().value as ResolvedAccount;
  }

  /** The AppIDs served, default first. */
  get appids(): string[] {
    return [...this.#byAppid.keys()];
  }

  /** The account for `appid`, or the default one when no AppID is given; unknown → WebhookError. */
  get(appid: string | undefined): ResolvedAccount {
    if (appid === undefined) return this.default;
    const account = this.#byAppid.get(appid) ?? this.#resolve?.(appid);
    if (account === undefined) throw new WebhookError('unknown_account', `no account with AppID ${appid}`);
    return account;
  }
}
