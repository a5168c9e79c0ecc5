// node-oidc-provider configured for the people path of bench/run.sh: authorization code + PKCE for a public
// client, refresh tokens rotated on every use (single use, as Tessera's), and userinfo. ES256 signs the ID
// tokens, as Tessera's people realm signs its tokens with ES256. bench/run.sh copies this file next to the
// peer's npm install (../shared/peers/node-oidc, installed by its run.sh) and runs it from there:
//   PORT=18522 node node_oidc_people.mjs
// The login and consent interactions are answered by this file's /interaction/:uid handler (the account
// `bench-user`, every requested scope granted), so the driver only follows redirects: the first sign-in
// leaves a session whose grant then covers every later authorization without interaction (an SSO session).
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 3001);
const HOST = '127.0.0.1';
const ISSUER = `http://${HOST}:${PORT}`;
const SCOPES = 'openid profile email offline_access';

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...pair.privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench-es256' };

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: 'bench-app',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['https://app.bench.test/callback'],
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [signingKey] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  scopes: SCOPES.split(' '),
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  features: { devInteractions: { enabled: false } },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: 'Bench User', email: 'bench-user@bench.test', email_verified: true }),
  }),
  // Every refresh token is single use, whatever the client type (Tessera rotates every refresh token).
  rotateRefreshToken: () => true,
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 86400, Session: 86400, Grant: 86400, Interaction: 600 },
});
provider.proxy = false;

// The interactions: sign `bench-user` in, then grant what the client asked for.
provider.use(async (ctx, next) => {
  if (!ctx.path.startsWith('/interaction/')) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: 'bench-user' } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
  ctx.respond = false;
});

const server = provider.listen(PORT, HOST, () => console.log(`node-oidc-provider (people path) on ${ISSUER}`));
function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
