// Pre-signed private_key_jwt assertions (RFC 7523 §2.2) for bench/run.sh's private_key_jwt row: each
// `jti` is single use, so wrk (which cannot sign) sends one line of this file per request.
//   node bench/client_assertions.mjs DIR CLIENT_ID AUDIENCE COUNT
// writes DIR/jwks.json (the public key to register) and DIR/assertions.txt (COUNT lines, ES256, valid
// 290 s). The key is kept in DIR/key.jwk so that later batches are signed by the same key.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { keptKey, signEs256 } from './es256_jws.mjs';

const [dir, clientId, audience, count] = process.argv.slice(2);
const { key, publicJwk } = keptKey(`${dir}/key.jwk`);
writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [{ ...publicJwk, kid: 'bench', use: 'sig', alg: 'ES256' }] }));
const iat = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < Number(count); i++) {
  const claims = { iss: clientId, sub: clientId, aud: audience, iat, exp: iat + 290, jti: randomUUID() };
  lines.push(signEs256(key, { kid: 'bench' }, claims));
}
writeFileSync(`${dir}/assertions.txt`, lines.join('\n') + '\n');
