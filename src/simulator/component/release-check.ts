import type { SimComponent } from './sim-component.js';

/** One step of WeChat's automated release check (全网发布, WECHAT-PROTOCOL.md §8). */
export interface ReleaseCheckStep {
  name: string;
  ok: boolean;
  detail: string;
}

/** How long the robot waits for the customer-service message of QUERY_AUTH_CODE (WeChat: within 5 s). */
const CUSTOM_MESSAGE_WAIT_MS = 5000;

/**
 * Plays WeChat's release-check robot against the platform's message URL with the test account
 * wx570bc396a51b8ff8: a text that must be answered with `…_callback`, an event that must be answered with
 * `<Event>from_callback`, and `QUERY_AUTH_CODE:$code` answered empty and followed by a customer-service text
 * `$code_from_api` sent with the token `api_query_auth` gave for that code.
 */
export async function runReleaseCheck(
  c: SimComponent,
): Promise<{ passed: boolean; checks: ReleaseCheckStep[] }> {
  const account = c.routeReleaseCheck();
  const follower = account.follower();
  const checks: ReleaseCheckStep[] = [];
  // The robot follows the test account first (its answer is checked like any event's).
  const followed = await follower.follow();
  checks.push({
    name: 'subscribe',
    ok: followed.reply?.['Content'] === 'subscribefrom_callback',
    detail: followed.replyError ?? `replied ${JSON.stringify(followed.reply?.['Content'] ?? null)}`,
  });

  const text = await follower.sendText('TESTCOMPONENT_MSG_TYPE_TEXT');
  const got = text.reply?.['Content'];
  checks.push({
    name: 'text',
    ok: got === 'TESTCOMPONENT_MSG_TYPE_TEXT_callback',
    detail: text.replyError ?? `replied ${JSON.stringify(got ?? null)}`,
  });

  const event = await follower.click('RELEASE_CHECK');
  const eventReply = event.reply?.['Content'];
  checks.push({
    name: 'event',
    ok: eventReply === 'CLICKfrom_callback',
    detail: event.replyError ?? `replied ${JSON.stringify(eventReply ?? null)}`,
  });

  const { code } = c.grant(account.appid);
  const before = account.sentMessages.length;
  const query = await follower.sendText(`QUERY_AUTH_CODE:${code}`);
  const expected = `${code}_from_api`;
  const deadline = Date.now() + CUSTOM_MESSAGE_WAIT_MS;
  let sent = false;
  while (!sent && Date.now() < deadline) {
    sent = account.sentMessages
      .slice(before)
      .some((m) => m.touser === follower.openid && m.body?.text?.content === expected);
    if (!sent) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  checks.push({
    name: 'query_auth_code',
    ok: query.status === 200 && query.reply === null && sent,
    detail: sent
      ? 'customer-service message received'
      : `no "${expected}" within 5 s (answer ${query.status})`,
  });
  return { passed: checks.every((s) => s.ok), checks };
}
