// Pre-signed private_key_jwt assertions (RFC 7523 §2.2) for bench/run.sh's private_key_jwt row: each
// `jti` is single use, so wrk (which cannot sign) sends one line of this file per request.
//   node bench/client_assertions.mjs DIR CLIENT_ID AUDIENCE COUNT
// writes DIR/jwks.json (the public key to register, once) and DIR/assertions.txt (COUNT lines, ES256,
// valid 290 s). The key is kept in DIR/key.jwk so that later batches are signed by the same key.
// Signing uses panva's `jose` from e2e/ (`npm ci` there first).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { SignJWT, exportJWK, generateKeyPair, importJWK } = await import(pathToFileURL(require.resolve('jose')).href);

const [dir, clientId, audience, count] = process.argv.slice(2);
let key;
if (existsSync(`${dir}/key.jwk`)) {
  key = await importJWK(JSON.parse(readFileSync(`${dir}/key.jwk`, 'utf8')), 'ES256');
} else {
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  writeFileSync(`${dir}/key.jwk`, JSON.stringify(await exportJWK(pair.privateKey)));
  const pub = await exportJWK(pair.publicKey);
  writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [{ ...pub, kid: 'bench', use: 'sig', alg: 'ES256' }] }));
}
const lines = [];
for (let i = 0; i < Number(count); i++) {
  lines.push(await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setIssuer(clientId).setSubject(clientId).setAudience(audience)
    .setIssuedAt().setExpirationTime('290s').setJti(randomUUID())
    .sign(key));
}
writeFileSync(`${dir}/assertions.txt`, lines.join('\n') + '\n');
