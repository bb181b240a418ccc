/**
 * Baseline: bare Koa, one middleware reading the body and sending a constant, pre-built reply
 * (../shared/bench/servers/koa-bare.js): the gap to node-http is Koa's own per-request cost.
 */
import { Buffer } from 'node:buffer';
import Koa from 'koa';
import { encryptedReplyXml, textReplyXml } from '../lib/protocol.mjs';

const PLAIN = textReplyXml('oBench0000000000000000000000');
const AES = encryptedReplyXml(PLAIN);

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const app = new Koa();
app.use(async (ctx) => {
  await readBody(ctx.req);
  ctx.type = 'application/xml';
  ctx.body = ctx.query.encrypt_type === 'aes' ? AES : PLAIN;
});
const server = app.listen(Number(process.env.PORT) || 0, '127.0.0.1', () =>
  console.log(`LISTENING ${server.address().port}`),
);
process.on('SIGTERM', () => process.exit(0));
