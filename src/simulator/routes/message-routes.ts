import type { Router } from '@koa/router';
import { OK, wxError } from '../api-errors.js';
import type { Account } from '../account.js';
import type { Follower } from '../follower.js';
import type { World } from '../world.js';
import { api, authed, isText, jsonBody } from './api-kit.js';
import { customMessageProblem } from './custom-message-rules.js';

/** The recipient: 40003 for an openid this account never issued, 43004 for one not following (§7). */
function recipient(account: Account, touser: unknown): Follower {
  if (!isText(touser)) throw wxError(40003, 'touser missing');
  const f = account.find(touser);
  if (!f) throw wxError(40003);
  if (!f.subscribed) throw wxError(43004);
  return f;
}

/** message/custom/send and message/custom/typing (§6.7). */
export function messageRoutes(router: Router, world: World): void {
  api(router, 'POST', '/cgi-bin/message/custom/send', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    const f = recipient(account, body['touser']);
    const problem = customMessageProblem(body);
    if (problem) throw problem;
    const now = world.clock.now();
    f.window.consume(now);
    account.sentMessages.push({ touser: f.openid, msgtype: String(body['msgtype']), body, time: now });
    return OK;
  });

  api(router, 'POST', '/cgi-bin/message/custom/typing', (ctx) => {
    const account = authed(ctx, world);
    const body = jsonBody(ctx);
    recipient(account, body['touser']).window.typing(world.clock.now(), body['command']);
    return OK;
  });
}
