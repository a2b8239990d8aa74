// The typed API: enroll a user, then authenticate them, with progress and a bounded wait.
//
//   npm run build
//   LIKENESS_URL=https://127.0.0.1:8443/sandbox/v1 LIKENESS_PARTNER_ID=... LIKENESS_API_KEY=... \
//   node examples/typed-client.mjs enroll-selfie.jpg auth-selfie.jpg [liveness.jpg…]
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LikenessApiError, LikenessClient, LikenessJobTimeoutError } from 'likeness/client';

const client = new LikenessClient({
  url: process.env.LIKENESS_URL,
  partnerId: process.env.LIKENESS_PARTNER_ID,
  apiKey: process.env.LIKENESS_API_KEY,
  ca: process.env.LIKENESS_CA_FILE ? readFileSync(process.env.LIKENESS_CA_FILE) : undefined,
});
const [enrollSelfie, authSelfie, ...liveness] = process.argv.slice(2);
const userId = `user-${randomUUID()}`;

try {
  const enrolled = await client.enroll({ userId, selfie: enrollSelfie, liveness });
  const enrollment = await client.waitForResult(enrolled, { timeoutMs: 60_000 });
  console.info(`enroll: ${enrollment.outcome} (${enrollment.resultCode} ${enrollment.resultText})`);

  const job = await client.authenticate({ userId, selfie: authSelfie, liveness });
  const result = await client.waitForResult(job, { timeoutMs: 60_000, imageLinks: true });
  console.info(`authenticate: ${result.outcome}, confidence ${result.confidence}`);
  console.info(`selfie link: ${result.imageLinks?.selfie_image}`);
} catch (err) {
  if (err instanceof LikenessApiError) console.error(`refused: ${err.code} ${err.serverMessage}`);
  else if (err instanceof LikenessJobTimeoutError) console.error('no result in time; ask again later with client.jobStatus()');
  else console.error(err);
  process.exitCode = 1;
} finally {
  client.close();
}
