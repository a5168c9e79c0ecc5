// A DPoP proof (RFC 9449 §4.2) made by panva's `jose`, a third-party JOSE library, for
// crates/tessera-server/tests/api/dpop_nonce.rs.
//
//   node dpop-proof.mjs ALG HTM HTU [NONCE]
//
// Generates a key pair for ALG and prints one JSON line: {"proof": "...", "jwk": {public JWK}}.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const [alg, htm, htu, nonce] = process.argv.slice(2);
const { privateKey, publicKey } = await generateKeyPair(alg, { modulusLength: 2048 });
const jwk = await exportJWK(publicKey);
const claims = nonce ? { htm, htu, nonce } : { htm, htu };
const proof = await new SignJWT(claims)
  .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
  .setIssuedAt()
  .setJti(randomUUID())
  .sign(privateKey);
console.log(JSON.stringify({ proof, jwk }));
