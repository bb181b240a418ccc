import type { SimPerson } from './types.js';

/** A WeChat user: one unionid across all accounts (every simulated account is bound to one Open Platform). */
export class Person implements SimPerson {
  constructor(
    readonly unionid: string,
    readonly nickname: string,
    private readonly baseUrl: () => string,
  ) {}

  /** Served by the simulator; the trailing size segment is WeChat's (`/132`, §6.8). */
  get headimgurl(): string {
    return `${this.baseUrl()}/sim/avatar/${encodeURIComponent(this.unionid)}/132`;
  }
}
