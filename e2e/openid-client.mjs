// openid-client (panva's certified OpenID Connect relying party library), used as its documentation shows,
// against Tessera: a pushed authorization request (RFC 9126) with `buildAuthorizationUrlWithPAR`, the code
// redeemed with `authorizationCodeGrant`, and a JWT introspection response (RFC 9701) requested through
// the client metadata `introspection_signed_response_alg` and its signature checked with
// `enableNonRepudiationChecks`. Run by crates/tessera-server/tests/api/openid_client.rs in two steps
// (the Rust test signs the user in between); each prints one JSON object.
//   node openid-client.mjs par ISSUER CLIENT_ID REDIRECT_URI RESOURCE
//   node openid-client.mjs redeem ISSUER CLIENT_ID CALLBACK_URL VERIFIER STATE INTROSPECTOR SECRET
import * as client from 'openid-client';

const [step, issuer, clientId, ...rest] = process.argv.slice(2);
const insecure = { execute: [client.allowInsecureRequests] };

async function par([redirectUri, resource]) {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), insecure);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    resource,
  });
  return { url: url.href, verifier, state };
}

async function redeem([callback, verifier, state, introspector, secret]) {
  const config = await client.discovery(new URL(issuer), clientId, undefined, client.None(), insecure);
  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  const rs = await client.discovery(
    new URL(issuer),
    introspector,
    { introspection_signed_response_alg: 'RS256' },
    client.ClientSecretBasic(secret),
    insecure,
  );
  client.enableNonRepudiationChecks(rs);
  const introspection = await client.tokenIntrospection(rs, tokens.access_token);
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
  return { id_token_sub: tokens.claims()?.sub, aud: claims.aud, introspection };
}

try {
  const out = step === 'par' ? await par(rest) : await redeem(rest);
  console.log(JSON.stringify(out));
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code, cause: String(e.cause ?? '') }));
}
