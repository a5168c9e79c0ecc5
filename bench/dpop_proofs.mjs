// Pre-signed DPoP proofs (RFC 9449 §4) for bench/run.sh's DPoP row: each proof's `jti` is single use, so
// wrk (which cannot sign) sends one line of this file per request in the `DPoP` header.
//   node bench/dpop_proofs.mjs DIR HTU COUNT
// writes DIR/proofs.txt (COUNT ES256 proofs for POST HTU, `iat` now: use them within a minute). The key is
// kept in DIR/dpop.jwk, so every batch proves the same key. Signing uses panva's `jose` from e2e/.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { SignJWT, exportJWK, generateKeyPair, importJWK } = await import(pathToFileURL(require.resolve('jose')).href);

const [dir, htu, count] = process.argv.slice(2);
if (!existsSync(`${dir}/dpop.jwk`)) {
  const pair = await generateKeyPair('ES256', { extractable: true });
  writeFileSync(`${dir}/dpop.jwk`, JSON.stringify(await exportJWK(pair.privateKey)));
}
const privateJwk = JSON.parse(readFileSync(`${dir}/dpop.jwk`, 'utf8'));
const key = await importJWK(privateJwk, 'ES256');
const { d, ...jwk } = privateJwk;
const lines = [];
for (let i = 0; i < Number(count); i++) {
  lines.push(await new SignJWT({ htm: 'POST', htu })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
    .setIssuedAt().setJti(randomUUID())
    .sign(key));
}
writeFileSync(`${dir}/proofs.txt`, lines.join('\n') + '\n');
