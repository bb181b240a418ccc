import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { SimulatorError, type PushResult, type SimAccount, type SimFollower } from '../../simulator/index.js';
import { SignInError } from '../../identities/sign-in.js';
import { sendPage, viewOf, type ConsoleDeps } from './console-deps.js';
import {
  csrfInput,
  datalist,
  formString,
  inputField,
  selectField,
  textareaField,
  type FieldErrors,
} from './form-fields.js';
import { html, type Html } from './html.js';
import { consoleCsp } from './console-router.js';
import { consolePage, type Flash } from './layout.js';
import { liveRegion, sendLive } from './live-region.js';
import { loadMenuSource, menuEventKeys, menuViewLinks } from './menu-source.js';
import { notFoundPage } from './not-found.js';
import type { SimulatorLogEntry } from './simulator-log.js';
import { phoneView } from './simulator-views.js';
import { consoleHref, segment, type ViewContext } from './view-context.js';

/** The simulator's openid rule (simulator/account.ts): what a chosen openid may look like. */
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TEXT = 2000;
const MAX_KEY_BYTES = 128;
const MAX_SCENE = 64;

/** What the panel's forms held, to show again beside an error. */
interface PanelState {
  as: string;
  values: Record<string, string>;
  errors: FieldErrors;
  flash: Flash | null;
}

/**
 * The simulator panel (sandbox mode only): act as a simulated follower of the sandbox account through the
 * in-process simulator — follow via a scene, scan, send text, click a menu key, unfollow — and watch the
 * reply the webhook gave and the follower record the server made. Every action goes through the real
 * webhook (signed, encrypted in safe mode), exactly as WeChat would push it.
 */
export function simulatorRoutes(router: Router, deps: ConsoleDeps): void {
  const accountOf = (ctx: Context): SimAccount | null => {
    if (!deps.simulator) return null;
    try {
      return deps.simulator.account(viewOf(ctx).appid);
    } catch {
      return null;
    }
  };

  router.get('/admin/simulator', async (ctx) => {
    const account = accountOf(ctx);
    if (!account) return notFoundPage(ctx, viewOf(ctx), simulatorMissing(deps));
    const as = typeof ctx.query['as'] === 'string' ? ctx.query['as'] : '';
    const scene = typeof ctx.query['scene'] === 'string' ? ctx.query['scene'] : '';
    await renderPanel(ctx, deps, account, { as, values: { scene }, errors: {}, flash: null });
  });

  router.get('/admin/live/simulator/:openid', async (ctx) => {
    const account = accountOf(ctx);
    if (!account) return notFoundPage(ctx, viewOf(ctx));
    const openid = ctx.params['openid'] ?? '';
    sendLive(ctx, phone(deps, viewOf(ctx), account, openid));
  });

  /** Runs one follower action, logs it, and shows the follower's phone (or the error beside the field). */
  const act = async (
    ctx: Context,
    account: SimAccount,
    field: string,
    kind: SimulatorLogEntry['kind'],
    detail: string,
    run: (follower: SimFollower) => Promise<PushResult>,
    follower: SimFollower,
  ) => {
    const started = deps.clock();
    let result: PushResult;
    try {
      result = await run(follower);
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
      const values = Object.fromEntries(
        Object.entries((ctx.request.body ?? {}) as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        ),
      );
      return renderPanel(
        ctx,
        deps,
        account,
        { as: follower.openid, values, errors: { [field]: err.message }, flash: null },
        409,
      );
    }
    deps.simulatorLog.add({ at: started, openid: follower.openid, kind, detail, result });
    ctx.redirect(consoleHref(viewOf(ctx), '/admin/simulator', { as: follower.openid }));
  };

  router.post('/admin/simulator/follow', async (ctx) => {
    const account = accountOf(ctx);
    if (!account) return notFoundPage(ctx, viewOf(ctx));
    const openid = formString(ctx.request.body, 'openid').trim();
    const scene = formString(ctx.request.body, 'scene').trim();
    const errors: FieldErrors = {};
    if (openid && !OPENID.test(openid))
      errors['openid'] = 'An OpenID is 1 to 64 letters, digits, - or _. Leave it empty for a new person.';
    if (scene.length > MAX_SCENE) errors['scene'] = `A scene is at most ${MAX_SCENE} characters.`;
    if (Object.keys(errors).length) {
      return renderPanel(ctx, deps, account, { as: '', values: { openid, scene }, errors, flash: null }, 400);
    }
    const follower = account.follower(openid || undefined);
    const sceneArg = scene === '' ? undefined : /^\d+$/.test(scene) ? Number(scene) : scene;
    await act(
      ctx,
      account,
      openid ? 'openid' : 'scene',
      'follow',
      scene,
      (f) => f.follow({ scene: sceneArg }),
      follower,
    );
  });

  router.post('/admin/simulator/text', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    const text = formString(ctx.request.body, 'text');
    let error: string | undefined;
    if (text.trim() === '') error = 'Type a message first.';
    else if (text.length > MAX_TEXT) error = `Keep it under ${MAX_TEXT} characters.`;
    if (error)
      return renderPanel(
        ctx,
        deps,
        target.account,
        { as: target.follower.openid, values: { text }, errors: { text: error }, flash: null },
        400,
      );
    await act(ctx, target.account, 'text', 'text', text, (f) => f.sendText(text), target.follower);
  });

  router.post('/admin/simulator/click', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    const key = formString(ctx.request.body, 'key').trim();
    let error: string | undefined;
    if (key === '') error = 'Choose or type a menu key.';
    else if (Buffer.byteLength(key) > MAX_KEY_BYTES) error = `A menu key is at most ${MAX_KEY_BYTES} bytes.`;
    if (error)
      return renderPanel(
        ctx,
        deps,
        target.account,
        { as: target.follower.openid, values: { key }, errors: { key: error }, flash: null },
        400,
      );
    await act(ctx, target.account, 'key', 'click', key, (f) => f.click(key), target.follower);
  });

  router.post('/admin/simulator/scan', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    const scene = formString(ctx.request.body, 'scanScene').trim();
    let error: string | undefined;
    if (scene === '') error = 'Name the scene of the QR code to scan.';
    else if (scene.length > MAX_SCENE) error = `A scene is at most ${MAX_SCENE} characters.`;
    if (error)
      return renderPanel(
        ctx,
        deps,
        target.account,
        {
          as: target.follower.openid,
          values: { scanScene: scene },
          errors: { scanScene: error },
          flash: null,
        },
        400,
      );
    const sceneArg = /^\d+$/.test(scene) ? Number(scene) : scene;
    await act(ctx, target.account, 'scanScene', 'scan', scene, (f) => f.scan(sceneArg), target.follower);
  });

  /**
   * Taps a `view` button of the menu as the follower: WeChat pushes VIEW, and the link opens in the
   * follower's WeChat browser, where web authorization signs in whoever holds the phone (this follower).
   * Only the menu's own links are opened, so the route is no open redirect.
   */
  router.post('/admin/simulator/view', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    const url = formString(ctx.request.body, 'url');
    const source = await loadMenuSource(deps.wxoa.config);
    const links = source.kind === 'found' ? menuViewLinks(source.input, deps.wxoa.config.publicUrl) : [];
    if (!links.some((l) => l.url === url)) {
      const flash: Flash = { kind: 'error', text: 'That link is not a button of the menu.' };
      return renderPanel(
        ctx,
        deps,
        target.account,
        { as: target.follower.openid, values: {}, errors: {}, flash },
        400,
      );
    }
    const started = deps.clock();
    let result: PushResult;
    try {
      result = await target.follower.view(url);
    } catch (err) {
      if (!(err instanceof SimulatorError)) throw err;
      const flash: Flash = { kind: 'error', text: err.message };
      return renderPanel(
        ctx,
        deps,
        target.account,
        { as: target.follower.openid, values: {}, errors: {}, flash },
        409,
      );
    }
    deps.simulatorLog.add({ at: started, openid: target.follower.openid, kind: 'view', detail: url, result });
    target.account.phoneHolder = target.follower.openid;
    ctx.status = 303;
    ctx.redirect(url);
  });

  // A simulated person signs in to a Mini Program or mobile app of the sandbox Open Platform (issue 12): the
  // app's client gets a code from WeChat (the simulator), and the server exchanges it as POST /auth/… does.
  router.post('/admin/simulator/sign-in', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    const appid = formString(ctx.request.body, 'app');
    const simApp = deps.simulator?.apps.find((a) => a.appid === appid);
    const app = deps.wxoa.apps.find((a) => a.appid === appid);
    const flashOf = (flash: Flash) =>
      renderPanel(ctx, deps, target.account, { as: target.follower.openid, values: {}, errors: {}, flash });
    if (!simApp || !app) return flashOf({ kind: 'error', text: 'Choose an app of the sandbox.' });
    if (app.type === 'website') {
      // The browser goes through the website's QR sign-in itself; the simulator lists this person first.
      simApp.scanner = target.follower.unionid;
      const back = `/admin/people?q=${encodeURIComponent(target.follower.unionid)}`;
      ctx.redirect(`/oauth/login?target=${encodeURIComponent(back)}&appid=${encodeURIComponent(app.appid)}`);
      return;
    }
    const code = simApp.login({ unionid: target.follower.unionid });
    try {
      const signedIn =
        app.type === 'miniprogram'
          ? await deps.wxoa.appSignIn.miniProgram(app, code)
          : await deps.wxoa.appSignIn.mobile(app, code);
      return flashOf({
        kind: 'ok',
        text: html`Signed in to ${app.name ?? app.appid} as
          <span class="mono">${signedIn.openid}</span> (UnionID
          <span class="mono">${signedIn.unionid ?? 'none'}</span>). See
          <a href="${consoleHref(viewOf(ctx), `/admin/people`, { q: signedIn.openid })}">the person</a>.`,
      });
    } catch (err) {
      if (!(err instanceof SignInError)) throw err;
      return flashOf({ kind: 'error', text: `Sign-in refused: ${err.message}` });
    }
  });

  router.post('/admin/simulator/unfollow', async (ctx) => {
    const target = await known(ctx);
    if (!target) return;
    await act(ctx, target.account, 'unfollow', 'unfollow', '', (f) => f.unfollow(), target.follower);
  });

  /**
   * The follower a form acts as. The simulator itself refuses actions of someone not following (shown beside
   * the form), so only a malformed or missing OpenID is stopped here.
   */
  async function known(ctx: Context): Promise<{ account: SimAccount; follower: SimFollower } | null> {
    const account = accountOf(ctx);
    if (!account) {
      notFoundPage(ctx, viewOf(ctx));
      return null;
    }
    const openid = formString(ctx.request.body, 'openid');
    if (!OPENID.test(openid)) {
      const flash: Flash = { kind: 'error', text: 'Choose a simulated follower first.' };
      await renderPanel(ctx, deps, account, { as: '', values: {}, errors: {}, flash }, 400);
      return null;
    }
    return { account, follower: account.follower(openid) };
  }
}

function simulatorMissing(deps: ConsoleDeps): string {
  return deps.simulator
    ? 'The simulator has no account with this AppID.'
    : 'The simulator runs in sandbox mode only (no WECHAT_APPID set).';
}

function phone(deps: ConsoleDeps, view: ViewContext, account: SimAccount, openid: string): Html {
  const subscribed = account.followers().includes(openid);
  return phoneView(view, openid, deps.simulatorLog.entries(openid), account.sentMessages, subscribed);
}

async function renderPanel(
  ctx: Context,
  deps: ConsoleDeps,
  account: SimAccount,
  state: PanelState,
  status = 200,
): Promise<void> {
  const view = viewOf(ctx);
  const following = account.followers();
  // People the panel acted as first (newest first), then everyone else following.
  const people = [...new Set([...deps.simulatorLog.openids(), ...[...following].reverse()])].slice(0, 30);
  const as = state.as && OPENID.test(state.as) ? state.as : '';
  const isFollowing = as !== '' && following.includes(as);
  const [stats, source] = await Promise.all([
    deps.wxoa.store.followers.sceneStats(view.appid),
    loadMenuSource(deps.wxoa.config),
  ]);
  const scenes = [...new Set(stats.map((s) => s.scene))];
  const keys = source.kind === 'found' ? menuEventKeys(source.input) : [];
  const links = source.kind === 'found' ? menuViewLinks(source.input, deps.wxoa.config.publicUrl) : [];
  const v = (name: string) => state.values[name] ?? '';
  const e = (name: string) => state.errors[name];

  const followForm = html`<form
    method="post"
    class="stack"
    action="${consoleHref(view, '/admin/simulator/follow')}"
    data-action="follow"
  >
    ${csrfInput(view.session)}
    ${inputField({ name: 'scene', label: 'Through QR scene', value: v('scene'), error: e('scene'), list: 'sim-scenes', maxlength: MAX_SCENE, hint: 'Empty: an ordinary follow (from search). A scene: as if they scanned that campaign’s QR code.' })}
    ${datalist('sim-scenes', scenes)}
    ${inputField({ name: 'openid', label: 'As OpenID', value: v('openid') || (as && !isFollowing ? as : ''), error: e('openid'), hint: 'Empty: a new person. Or the OpenID of someone who unfollowed, to follow again.' })}
    <div><button type="submit">Follow the account</button></div>
  </form>`;

  const actions = isFollowing
    ? html`<div class="actions">
        <form
          method="post"
          class="stack"
          action="${consoleHref(view, '/admin/simulator/text')}"
          data-action="text"
        >
          ${csrfInput(view.session)}<input type="hidden" name="openid" value="${as}" />
          ${textareaField({ name: 'text', label: 'Send a text message', value: v('text'), error: e('text'), rows: 2, placeholder: 'Hello!' })}
          <div><button type="submit">Send</button></div>
        </form>
        <form
          method="post"
          class="inline"
          action="${consoleHref(view, '/admin/simulator/click')}"
          data-action="click"
        >
          ${csrfInput(view.session)}<input type="hidden" name="openid" value="${as}" />
          ${
            keys.length
              ? selectField({
                  name: 'key',
                  label: 'Tap a menu button',
                  value: v('key'),
                  error: e('key'),
                  choices: keys.map((k) => ({ value: k, label: k })),
                })
              : inputField({
                  name: 'key',
                  label: 'Tap a menu button (key)',
                  value: v('key'),
                  error: e('key'),
                  hint: 'The menu file has no click buttons; type any key.',
                })
          }
          <div><button type="submit" class="secondary">Tap</button></div>
        </form>
        <form
          method="post"
          class="inline"
          action="${consoleHref(view, '/admin/simulator/scan')}"
          data-action="scan"
        >
          ${csrfInput(view.session)}<input type="hidden" name="openid" value="${as}" />
          ${inputField({ name: 'scanScene', label: 'Scan a QR code (scene)', value: v('scanScene'), error: e('scanScene'), list: 'sim-scenes', maxlength: MAX_SCENE })}
          <div><button type="submit" class="secondary">Scan</button></div>
        </form>
        ${
          links.length
            ? html`<form
                method="post"
                class="inline"
                target="_blank"
                action="${consoleHref(view, '/admin/simulator/view')}"
                data-action="view"
              >
                ${csrfInput(view.session)}<input type="hidden" name="openid" value="${as}" />
                <span class="small muted">Open a menu link (in a new tab, signed in as this follower):</span>
                ${links.map(
                  (l) =>
                    html`<button type="submit" name="url" value="${l.url}" class="secondary" title="${l.url}">
                      ${l.name}
                    </button> `,
                )}
              </form>`
            : ''
        }
        <form
          method="post"
          action="${consoleHref(view, '/admin/simulator/unfollow')}"
          data-action="unfollow"
          data-confirm="Unfollow the account as this follower?"
        >
          ${csrfInput(view.session)}<input type="hidden" name="openid" value="${as}" />
          ${e('unfollow') ? html`<p class="error">${e('unfollow')}</p>` : ''}
          <button type="submit" class="danger">Unfollow</button>
        </form>
      </div>`
    : '';

  const picker = people.length
    ? html`<p class="small">
        Act as:
        ${people.map(
          (p) =>
            html`<a
              class="mono${p === as ? ' tag green' : ''}"
              href="${consoleHref(view, '/admin/simulator', { as: p })}"
              >${p.slice(0, 12)}…</a
            > `,
        )}
      </p>`
    : '';

  const apps = deps.simulator?.apps.filter((a) => deps.wxoa.apps.some((x) => x.appid === a.appid)) ?? [];
  const signIns =
    as && apps.length
      ? html`<section class="card" data-panel="sign-in">
          <h2>Sign in to the Open Platform’s apps</h2>
          <p class="muted small">
            The same person (one UnionID) signs in to the sandbox’s other apps; their identities appear
            together under People and on the follower page.
          </p>
          <div class="inline">
            ${apps.map(
              (a) =>
                html`<form
                  method="post"
                  action="${consoleHref(view, '/admin/simulator/sign-in')}"
                  data-sign-in="${a.type}"
                >
                  ${csrfInput(view.session)}
                  <input type="hidden" name="openid" value="${as}" />
                  <input type="hidden" name="app" value="${a.appid}" />
                  <button type="submit">${a.name}${a.type === 'website' ? ' (QR sign-in)' : ''}</button>
                </form>`,
            )}
          </div>
        </section>`
      : '';

  const body = html`<p class="muted">
      A simulated WeChat user of the sandbox account <code>${account.appid}</code>. Every action is pushed to
      this server’s webhook, signed and encrypted (safe mode), exactly as WeChat would.
    </p>
    ${platformCard(deps)}
    <div class="grid side">
      <div>
        ${
          as
            ? html`<section class="card">
                  <h2>Act as <span class="mono">${as}</span></h2>
                  ${isFollowing ? actions : html`<p class="muted">Not following now: follow again below.</p>`}
                </section>
                ${signIns}`
            : ''
        }
        <section class="card">
          <h2>${as ? 'Follow as someone' : 'Follow the account'}</h2>
          ${picker}${followForm}
        </section>
      </div>
      <section class="card">
        <h2>The follower’s phone</h2>
        ${as ? liveRegion(consoleHref(view, `/admin/live/simulator/${segment(as)}`), phone(deps, view, account, as), 1500) : html`<p class="muted">Follow the account to see what a follower sees: the replies, and messages your team sends from the inbox.</p>`}
      </section>
    </div>`;
  // The action forms show only while following: a refusal of one of them is shown at the top instead.
  const hidden = isFollowing
    ? []
    : ['text', 'key', 'scanScene', 'unfollow'].map(e).filter((m): m is string => !!m);
  const flash: Flash | null = state.flash ?? (hidden[0] ? { kind: 'error', text: hidden[0] } : null);
  if (links.length > 0 || apps.some((a) => a.type === 'website')) {
    // A menu link opens through this server's authorize route and the simulator's authorize page; a website
    // sign-in through /oauth/login and the simulator's QR page.
    const origins = [deps.wxoa.config.publicUrl, deps.simulator?.url ?? '', ...links.map((l) => l.url)];
    const targets = new Set(origins.filter((u) => URL.canParse(u)).map((u) => new URL(u).origin));
    ctx.set('Content-Security-Policy', consoleCsp([...targets]));
  }
  sendPage(ctx, consolePage(view, { title: 'Simulator', section: 'simulator', flash, body }), status);
}

/**
 * Component mode in the sandbox (issue 13): connect the second sandbox account through the simulated
 * third-party platform, then act as its followers (their pushes reach /wechat/component/:appid).
 */
function platformCard(deps: ConsoleDeps): Html | '' {
  const platform = deps.wxoa.component;
  if (!platform) return '';
  const connected = platform.appids().filter((appid) => platform.cached(appid)?.authorized);
  return html`<p class="muted">
    Third-party platform <code>${platform.appid}</code>:
    ${
      connected.length === 0
        ? html`no account has authorized it yet.
            <a class="button secondary" href="/component/authorize?authType=1">Connect an Official Account</a>
            (the simulated authorization page offers the second sandbox account).`
        : html`connected
            ${connected.map((appid) => html`<a href="${`/admin/simulator?appid=${encodeURIComponent(appid)}`}" class="mono">${appid}</a> `)}—
            act as its followers there; their pushes arrive encrypted with the platform’s key.
            <a href="/admin/component">Accounts</a>`
    }
  </p>`;
}
