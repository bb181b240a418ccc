import { labelledMac, verifyLabelledMac } from './hmac.js';

const LABEL = 'wxoa/session/v1';

/**
 * Who a session is for. A visitor's session (after OAuth) must never open the operator console, so the
 * audience is signed into every token and checked on decoding.
 */
export type SessionAudience = 'visitor' | 'console';

/** A decoded session: the payload given to {@link encodeSession} and its expiry (ms since the epoch). */
export interface DecodedSession {
  readonly payload: Record<string, unknown>;
  readonly expiresAt: number;
}

interface Envelope {
  aud: SessionAudience;
  exp: number;
  data: Record<string, unknown>;
}

/**
 * A stateless session token, `<base64url JSON>.<HMAC-SHA256>`: any instance that knows `secret` can check it,
 * so instances share nothing else. The payload is signed, not encrypted — keep secrets out of it.
 * `expiresAt` is in milliseconds since the epoch.
 */
export function encodeSession(
  payload: object,
  secret: string,
  expiresAt: number,
  audience: SessionAudience,
): string {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('a session payload must be a plain object');
  }
  if (!Number.isSafeInteger(expiresAt)) {
    throw new RangeError(`expiresAt must be an integer number of milliseconds (got ${expiresAt})`);
  }
  const envelope: Envelope = { aud: audience, exp: expiresAt, data: payload as Record<string, unknown> };
  const body = Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
  return `${body}.${labelledMac(secret, LABEL, body)}`;
}

/**
 * The session in `token`, or `null` when it is malformed, not signed with `secret`, for another audience, or
 * expired at `now` (ms since the epoch; a session is valid while `now < expiresAt`).
 */
export function decodeSession(
  token: string,
  secret: string,
  now: number,
  audience: SessionAudience,
): DecodedSession | null {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [body, mac] = parts as [string, string];
  // The signature is checked before the body is parsed: unauthenticated input never reaches JSON.parse.
  if (!verifyLabelledMac(secret, LABEL, body, mac)) return null;
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!isEnvelope(envelope) || envelope.aud !== audience || !(now < envelope.exp)) return null;
  return { payload: envelope.data, expiresAt: envelope.exp };
}

function isEnvelope(value: unknown): value is Envelope {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.aud === 'string' &&
    typeof v.exp === 'number' &&
    v.data !== null &&
    typeof v.data === 'object' &&
    !Array.isArray(v.data)
  );
}
