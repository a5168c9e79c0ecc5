// openid-client (panva's certified relying party library) registers a client with Tessera as its
// documentation shows: `dynamicClientRegistration` discovers the realm, posts the client metadata to the
// advertised `registration_endpoint` with an initial access token (RFC 7591 §3), and returns a
// configuration holding the issued credentials, with which it then runs the client credentials grant.
// Run by crates/tessera-server/tests/api/openid_client_registration.rs; prints one JSON object.
//   node openid-client-registration.mjs ISSUER INITIAL_ACCESS_TOKEN
import * as client from 'openid-client';

const [issuer, initialAccessToken] = process.argv.slice(2);

try {
  const config = await client.dynamicClientRegistration(
    new URL(issuer),
    { client_name: 'openid-client', grant_types: ['client_credentials'], scope: 'api' },
    undefined,
    { initialAccessToken, execute: [client.allowInsecureRequests] },
  );
  const metadata = config.clientMetadata();
  const tokens = await client.clientCredentialsGrant(config, { scope: 'api' });
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
  console.log(JSON.stringify({
    client_id: metadata.client_id,
    has_secret: typeof metadata.client_secret === 'string',
    registration_client_uri: metadata.registration_client_uri,
    token_client_id: claims.client_id ?? claims.azp,
    scope: tokens.scope,
  }));
} catch (e) {
  console.log(JSON.stringify({ error: `${e.name}: ${e.message}`, code: e.code, cause: String(e.cause ?? '') }));
}
