// A framework-free callback endpoint: verifies each SmartSelfie™ result that Likeness POSTs to your callback URL.
//
//   npm run build
//   LIKENESS_PARTNER_ID=... LIKENESS_API_KEY=... PORT=8080 node examples/callback-server.mjs
//
// Likeness delivers at least once (it retries until it gets a 2xx), so answer quickly and make handling idempotent:
// the same SmileJobID may arrive more than once.
import http from 'node:http';
import { LikenessSignatureError, LikenessValidationError, verifyCallback } from 'likeness/client';

const partnerId = process.env.LIKENESS_PARTNER_ID;
const apiKey = process.env.LIKENESS_API_KEY;
const MAX_BODY_BYTES = 2 * 1024 * 1024; // callbacks stay well below this
const seen = new Set(); // use your database in production

const server = http.createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      req.destroy();
    } else chunks.push(chunk);
  });
  req.on('end', () => {
    let callback;
    try {
      // Verify the raw body: signature (HMAC of timestamp + partner ID with your API key) and age.
      callback = verifyCallback(Buffer.concat(chunks), { partnerId, apiKey, headers: req.headers, maxAgeMs: 24 * 3600_000 });
    } catch (err) {
      const status = err instanceof LikenessSignatureError ? 401 : err instanceof LikenessValidationError ? 400 : 500;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (seen.has(callback.smileJobId)) return;
    seen.add(callback.smileJobId);
    // outcome: 'approved' | 'rejected' | 'under_review'
    console.info(`${callback.jobId} (user ${callback.userId}): ${callback.outcome} — ${callback.resultCode} ${callback.resultText}`);
  });
});

server.listen(Number(process.env.PORT ?? 8080), () => console.info(`callback endpoint on http://localhost:${server.address().port}/`));
