// SmartSelfie™ Authentication with the Smile ID Node SDK snippet, pointed at a Likeness server.
// Compared with Smile ID's published snippet, two things changed: the import (likeness/client instead of
// smile-identity-core) and sid_server (your Likeness server's URL instead of 0 or 1).
//
//   npm run build
//   LIKENESS_URL=https://127.0.0.1:8443/v1 LIKENESS_PARTNER_ID=... LIKENESS_API_KEY=... LIKENESS_USER_ID=... \
//   NODE_EXTRA_CA_CERTS=/path/to/likeness-cert.pem node examples/smart-selfie-authentication.mjs selfie.jpg [liveness.jpg…]
import { randomUUID } from 'node:crypto';
import { WebApi } from 'likeness/client';

// Initialize
const partner_id = process.env.LIKENESS_PARTNER_ID; // printed by `likeness partner create`
const default_callback = process.env.LIKENESS_CALLBACK_URL ?? null; // optional when polling with return_job_status
const api_key = process.env.LIKENESS_API_KEY; // the key of the environment sid_server points at
const sid_server = process.env.LIKENESS_URL; // e.g. https://likeness.example:8443/v1 (sandbox: …/sandbox/v1)

const connection = new WebApi(partner_id, default_callback, api_key, sid_server);

// Required tracking parameters
const partner_params = {
  user_id: process.env.LIKENESS_USER_ID, // a previously enrolled user
  job_id: process.env.LIKENESS_JOB_ID ?? randomUUID(), // unique per job
  job_type: 2,
};

// 0 = selfie file, 2 = selfie base64, 4 = liveness file, 6 = liveness base64
const [selfie, ...liveness] = process.argv.slice(2);
const image_details = [
  { image_type_id: 0, image: selfie },
  ...liveness.map((image) => ({ image_type_id: 4, image })),
];

const options = {
  return_job_status: true, // wait for the result here as well as sending it to the callback
  return_history: true, // include this user's earlier jobs
  return_image_links: true, // signed links to the uploaded selfie and liveness images
  signature: true,
};

(async () => {
  try {
    const result = await connection.submit_job(partner_params, image_details, {}, options);
    console.info(JSON.stringify(result, null, 2));
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
})();
