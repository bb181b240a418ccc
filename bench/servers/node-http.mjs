/**
 * Baseline: bare node:http reading the body and sending a constant, pre-built reply — the ceiling of any
 * webhook on this machine (../shared/bench/servers/node-http.js).
 */
import { Buffer } from 'node:buffer';
import http from 'node:http';
import { encryptedReplyXml, textReplyXml } from '../lib/protocol.mjs';

const PLAIN = textReplyXml('oBench0000000000000000000000');
const AES = encryptedReplyXml(PLAIN);
const headers = (body) => ({ 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
const PLAIN_HEADERS = headers(PLAIN);
const AES_HEADERS = headers(AES);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    Buffer.concat(chunks).toString('utf8'); // materialise the body like any real handler must
    const aes = req.url.includes('encrypt_type=aes');
    res.writeHead(200, aes ? AES_HEADERS : PLAIN_HEADERS);
    res.end(aes ? AES : PLAIN);
  });
});
server.listen(Number(process.env.PORT) || 0, '127.0.0.1', () =>
  console.log(`LISTENING ${server.address().port}`),
);
process.on('SIGTERM', () => process.exit(0));
