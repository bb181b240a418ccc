import type { Context } from 'koa';
import { labelledMac, verifyLabelledMac } from '../../oauth/hmac.js';
import { randomBase62 } from '../../oauth/random-token.js';
import { decodeSession, encodeSession } from '../../oauth/session-token.js';
import type { ConsoleSessionRepo } from '../../access/console-session-repo.js';

/** The operator's session cookie: HttpOnly, SameSite=Lax, scoped to /admin, Secure under an https PUBLIC_URL. */
export const CONSOLE_COOKIE = 'wxoa_console';

/** A session lasts a working day; it is renewed while in use, so only an idle console signs out. */
export const SESSION_TTL_MS = 12 * 3_600_000;

const CSRF_LABEL = 'wxoa/console-csrf/v1';

/** A signed-in operator. */
export interface ConsoleSession {
  /** Random id of this sign-in: the CSRF token is derived from it, so it changes with every sign-in. */
  readonly sid: string;
  /** Unix ms. */
  readonly expiresAt: number;
  /** The token every form of this session must post back as `_csrf`. */
  readonly csrf: string;
}

/** Where the cookie is set and how. */
export interface CookieSettings {
  /** Signs the session and the CSRF tokens (`wxoa.sessionSecret`: every instance agrees on it). */
  readonly secret: string;
  /** True when PUBLIC_URL is https. */
  readonly secure: boolean;
}

/**
 * Starts a session: a stateless token (oauth/session-token.ts, audience `console`, so a visitor's OAuth
 * session can never open the console) in an HttpOnly cookie. Any instance that knows the secret accepts it.
 */
export function startSession(ctx: Context, settings: CookieSettings, now: number): ConsoleSession {
  const sid = randomBase62(24);
  const expiresAt = now + SESSION_TTL_MS;
  setCookie(ctx, settings, encodeSession({ sid }, settings.secret, expiresAt, 'console'), SESSION_TTL_MS);
  return { sid, expiresAt, csrf: csrfToken(sid, settings.secret) };
}

/** The request's session, or null when there is none or it is forged, expired or not a console session. */
export function readSession(ctx: Context, secret: string, now: number): ConsoleSession | null {
  const token = ctx.cookies.get(CONSOLE_COOKIE);
  if (!token) return null;
  const decoded = decodeSession(token, secret, now, 'console');
  const sid = decoded?.payload['sid'];
  if (!decoded || typeof sid !== 'string' || sid === '') return null;
  return { sid, expiresAt: decoded.expiresAt, csrf: csrfToken(sid, secret) };
}

/**
 * The request's session, or null as {@link readSession} says or when it was ended by a logout on any
 * instance (the revocations live in the database).
 */
export async function readLiveSession(
  ctx: Context,
  secret: string,
  revocations: Pick<ConsoleSessionRepo, 'isRevoked'>,
  now: number,
): Promise<ConsoleSession | null> {
  const session = readSession(ctx, secret, now);
  if (!session || (await revocations.isRevoked(session.sid))) return null;
  return session;
}

/**
 * Extends a session past half its life, keeping its id (so forms already on screen stay valid). Returns the
 * session as it now is.
 */
export function renewSession(
  ctx: Context,
  session: ConsoleSession,
  settings: CookieSettings,
  now: number,
): ConsoleSession {
  if (session.expiresAt - now > SESSION_TTL_MS / 2) return session;
  const expiresAt = now + SESSION_TTL_MS;
  setCookie(
    ctx,
    settings,
    encodeSession({ sid: session.sid }, settings.secret, expiresAt, 'console'),
    SESSION_TTL_MS,
  );
  return { ...session, expiresAt };
}

/**
 * Signs the operator out: the session id is revoked for every instance (a copy of the cookie, renewed or
 * not, is refused from now on), and this browser's cookie is cleared.
 */
export async function endSession(
  ctx: Context,
  session: ConsoleSession,
  settings: CookieSettings,
  revocations: Pick<ConsoleSessionRepo, 'revoke'>,
  now: number,
): Promise<void> {
  // Any cookie of this sign-in expires by now + TTL at the latest (each renewal keeps the id).
  await revocations.revoke(session.sid, Math.max(session.expiresAt, now + SESSION_TTL_MS));
  setCookie(ctx, settings, '', 0);
}

/** True when `given` is the CSRF token of `session` (constant-time comparison). */
export function validCsrf(session: ConsoleSession, given: unknown, secret: string): boolean {
  return (
    typeof given === 'string' && given !== '' && verifyLabelledMac(secret, CSRF_LABEL, session.sid, given)
  );
}

/**
 * The CSRF token of a session: an HMAC of its id, so it needs no storage, is tied to one sign-in, and cannot
 * be made without the secret (the synchronizer-token pattern without server state).
 */
function csrfToken(sid: string, secret: string): string {
  return labelledMac(secret, CSRF_LABEL, sid);
}

function setCookie(ctx: Context, settings: CookieSettings, value: string, maxAge: number): void {
  // Behind a TLS-terminating proxy the request is plain HTTP and Koa refuses Secure cookies unless told;
  // PUBLIC_URL being https is what says the browser sees HTTPS (as in http/oauth-routes.ts).
  if (settings.secure) ctx.cookies.secure = true;
  ctx.cookies.set(CONSOLE_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secure,
    path: '/admin',
    maxAge,
    overwrite: true,
  });
}
