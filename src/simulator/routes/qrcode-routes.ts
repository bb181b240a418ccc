import type { Router } from '@koa/router';
import { makeQrCode, qrCreateBody, sceneKey, sceneValue } from '../qrcode.js';
import { renderQrSvg } from '../qr-image.js';
import type { World } from '../world.js';
import { api, authed, jsonBody, param } from './api-kit.js';

/** POST /cgi-bin/qrcode/create and GET /cgi-bin/showqrcode (§6.5). */
export function qrcodeRoutes(router: Router, world: World): void {
  api(router, 'POST', '/cgi-bin/qrcode/create', (ctx) => {
    const account = authed(ctx, world);
    const now = world.clock.now();
    const made = makeQrCode(jsonBody(ctx), now);
    // A permanent scene keeps its ticket: asking again returns the same code.
    if (made.expiresAt === undefined) {
      const existing = [...account.qrcodes.values()].find(
        (qr) =>
          qr.expiresAt === undefined && qr.actionName === made.actionName && sceneKey(qr) === sceneKey(made),
      );
      if (existing) return qrCreateBody(existing, now);
    }
    account.qrcodes.set(made.ticket, made);
    return qrCreateBody(made, now);
  });

  // No access_token: the image URL is public (§6.5). Served as SVG, a placeholder for WeChat's JPEG.
  router.get('/cgi-bin/showqrcode', (ctx) => {
    const ticket = param(ctx, 'ticket');
    const now = world.clock.now();
    for (const account of world.accounts.values()) {
      const qr = ticket !== undefined ? account.qrcodes.get(ticket) : undefined;
      if (!qr) continue;
      ctx.state['appid'] = account.appid;
      if (qr.expiresAt !== undefined && now >= qr.expiresAt) break;
      ctx.type = 'image/svg+xml';
      ctx.body = renderQrSvg(qr.ticket, `${qr.actionName} ${sceneValue(qr)}`);
      return;
    }
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'invalid or expired ticket (is it URL-encoded? tickets contain + / =)';
  });
}
