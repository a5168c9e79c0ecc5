// ES256 compact JWS for the bench's pre-signed inputs (DPoP proofs, client assertions), made with node's own
// crypto (`crypto.sign`, OpenSSL, IEEE P1363 signatures as RFC 7518 §3.4 requires): about 2.5× faster than
// going through WebCrypto, which matters when a point needs 10^5 single-use JWTs signed ahead. Bench inputs
// only: the server verifies them with its JOSE library like any other.
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** The P-256 key kept in FILE (a private JWK), made on first use; returns { key, publicJwk }. */
export function keptKey(file) {
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(file, JSON.stringify(privateKey.export({ format: 'jwk' })));
  }
  const { d, ...publicJwk } = JSON.parse(readFileSync(file, 'utf8'));
  return { key: createPrivateKey({ key: { d, ...publicJwk }, format: 'jwk' }), publicJwk };
}

/** `header.payload.signature`, ES256. */
export function signEs256(key, header, payload) {
  const input = `${b64({ alg: 'ES256', ...header })}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}
