import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Context } from 'koa';
import type { AuthFailurePolicy, AuthFailureRepo } from '../access/auth-failure-repo.js';

/**
 * The brake on guessing the admin token (issue 9, defect 6), shared by the API (access-gate.ts) and the
 * console's login form. Wrong tokens are counted per client in the database, so every instance sees them.
 *
 * Who the client is. Koa's `ctx.ip` (proxy: true) is the leftmost X-Forwarded-For entry, which any client
 * writes itself: rotating it would escape a brake keyed on it. So:
 * - a TCP peer that is not on a loopback or private network is the client itself: X-Forwarded-For is
 *   ignored;
 * - a peer on a loopback or private network is taken for a reverse proxy: the client is the rightmost
 *   X-Forwarded-For entry, the one that proxy appended (entries a client sent sit to its left). Since the
 *   peer might also be an attacker on that network writing the header itself, the peer is braked as well,
 *   with a larger allowance shared by everyone behind it.
 * IPv6 clients are counted per /64 (one subscriber's usual allocation), IPv4-mapped IPv6 as IPv4.
 *
 * While a client is braked every attempt gets 429, the right token included (otherwise a 200 among the 429s
 * would still tell a guess apart). The right token works again from the same client once the delay is over,
 * and from other clients throughout; a success clears the client's failures. Requests without any token are
 * not counted: they guess nothing.
 */

/** Options of {@link AuthBrake}. */
export interface AuthBrakeOptions {
  /** Unix ms. */
  clock: () => number;
  /** True when a TCP peer is a reverse proxy whose X-Forwarded-For entry can be believed. */
  trustProxy: (peer: string) => boolean;
  /** Per client: 5 free failures, then 1 s doubling up to 5 min; forgotten after 15 quiet minutes. */
  client: AuthFailurePolicy;
  /** Per proxy, for everyone behind it together. */
  proxy: AuthFailurePolicy;
}

export const DEFAULT_CLIENT_POLICY: AuthFailurePolicy = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  forgetAfterMs: 15 * 60_000,
};

export const DEFAULT_PROXY_POLICY: AuthFailurePolicy = { ...DEFAULT_CLIENT_POLICY, freeFailures: 100 };

const PRIVATE_NETWORKS = (() => {
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addSubnet('10.0.0.0', 8, 'ipv4');
  list.addSubnet('172.16.0.0', 12, 'ipv4');
  list.addSubnet('192.168.0.0', 16, 'ipv4');
  list.addSubnet('100.64.0.0', 10, 'ipv4');
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addAddress('::1', 'ipv6');
  list.addSubnet('fc00::', 7, 'ipv6');
  list.addSubnet('fe80::', 10, 'ipv6');
  return list;
})();

/** Loopback, private, carrier-grade NAT and link-local addresses: where a reverse proxy usually sits. */
export function isPrivateAddress(address: string): boolean {
  const ip = unmapped(address);
  if (isIPv4(ip)) return PRIVATE_NETWORKS.check(ip, 'ipv4');
  return isIPv6(ip) && PRIVATE_NETWORKS.check(ip, 'ipv6');
}

/** An attempt's verdict: go on (0) or answer 429 for this many milliseconds. */
export type BrakeVerdict = number;

/** The brake: call {@link failed} for a wrong token and {@link succeeded} for the right one, before answering. */
export class AuthBrake {
  private readonly options: AuthBrakeOptions;

  constructor(
    private readonly repo: AuthFailureRepo,
    options: Partial<AuthBrakeOptions> = {},
  ) {
    this.options = {
      clock: options.clock ?? Date.now,
      trustProxy: options.trustProxy ?? isPrivateAddress,
      client: options.client ?? DEFAULT_CLIENT_POLICY,
      proxy: options.proxy ?? DEFAULT_PROXY_POLICY,
    };
  }

  /** Counts a wrong token. Returns 0 when it gets its normal refusal (401), else the 429's wait in ms. */
  async failed(ctx: Context): Promise<BrakeVerdict> {
    const now = this.options.clock();
    for (const [key, policy] of this.keys(ctx)) {
      const wait = await this.repo.fail(key, policy, now);
      if (wait > 0) return wait;
    }
    return 0;
  }

  /** The right token: 0 when it may be used (the client's failures are then cleared), else the 429's wait. */
  async succeeded(ctx: Context): Promise<BrakeVerdict> {
    const now = this.options.clock();
    const keys = this.keys(ctx);
    const waits = await Promise.all(keys.map(([key]) => this.repo.blockedFor(key, now)));
    const wait = Math.max(0, ...waits.map((w) => w ?? 0));
    if (wait > 0) return wait;
    const [client] = keys;
    if (client && waits[0] !== null) await this.repo.clear(client[0]);
    return 0;
  }

  /** The brake's keys of a request, the client's first (see the top of this file). */
  keys(ctx: Context): Array<[string, AuthFailurePolicy]> {
    const peer = unmapped(ctx.req.socket.remoteAddress ?? 'unknown');
    const forwarded = ctx.get('x-forwarded-for').split(',');
    const nearest = forwarded[forwarded.length - 1]?.trim() ?? '';
    if (!this.options.trustProxy(peer) || nearest === '')
      return [[`ip:${clientPart(peer)}`, this.options.client]];
    return [
      [`ip:${clientPart(nearest)}`, this.options.client],
      [`proxy:${peer}`, this.options.proxy],
    ];
  }
}

/** Seconds for a Retry-After header (at least 1). */
export function retryAfterSeconds(waitMs: number): string {
  return String(Math.max(1, Math.ceil(waitMs / 1000)));
}

function unmapped(address: string): string {
  const lower = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped?.[1] ?? lower;
}

/** The part of an address that names one client: IPv4 whole, IPv6 its /64. Anything else, as given (bounded). */
function clientPart(address: string): string {
  const ip = unmapped(address);
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.slice(0, 64);
  const [head = '', tail] = ip.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'),
          ...tailGroups,
        ];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
