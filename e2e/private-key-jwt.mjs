// A private_key_jwt client assertion (RFC 7523 §2.2, OIDC Core §9) made by panva's `jose`, a third-party
// JOSE library, for crates/tessera-server/tests/api/client_assertion/third_party.rs.
//
//   node private-key-jwt.mjs CLIENT_ID AUDIENCE ALG
//
// Generates a key pair for ALG and prints one JSON line: {"assertion": "...", "jwk": {public JWK, kid}}.
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const [clientId, audience, alg] = process.argv.slice(2);
const { privateKey, publicKey } = await generateKeyPair(alg, { modulusLength: 2048 });
const publicJwk = await exportJWK(publicKey);
publicJwk.kid = `jose-${alg}`;
publicJwk.use = 'sig';
const assertion = await new SignJWT({})
  .setProtectedHeader({ alg, kid: publicJwk.kid })
  .setIssuer(clientId)
  .setSubject(clientId)
  .setAudience(audience)
  .setIssuedAt()
  .setExpirationTime('60s')
  .setJti(randomUUID())
  .sign(privateKey);
console.log(JSON.stringify({ assertion, jwk: publicJwk }));
