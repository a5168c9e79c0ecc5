// Pre-signed DPoP proofs (RFC 9449 §4) for bench/run.sh's DPoP rows: each proof's `jti` is single use, so
// wrk (which cannot sign) sends one line of this file per request in the `DPoP` header.
//   node bench/dpop_proofs.mjs DIR HTU COUNT
// writes DIR/proofs.txt (COUNT ES256 proofs for POST HTU, `iat` now: use them within a minute). The key is
// kept in DIR/dpop.jwk, so every batch proves the same key.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { keptKey, signEs256 } from './es256_jws.mjs';

const [dir, htu, count] = process.argv.slice(2);
const { key, publicJwk } = keptKey(`${dir}/dpop.jwk`);
const iat = Math.floor(Date.now() / 1000);
const lines = [];
for (let i = 0; i < Number(count); i++) {
  lines.push(signEs256(key, { typ: 'dpop+jwt', jwk: publicJwk }, { htm: 'POST', htu, iat, jti: randomUUID() }));
}
writeFileSync(`${dir}/proofs.txt`, lines.join('\n') + '\n');
