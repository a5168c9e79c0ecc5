// keycloak-connect (Keycloak's Express middleware), used exactly as its documentation shows, against
// Tessera: a bearer-only API protected by a realm role, a client role and a scope, online validation
// (introspection) and a direct grant. Prints one JSON object of what it saw; run by
// crates/tessera-server/tests/api/keycloak_libs.rs.
//   node keycloak-connect.mjs BASE_URL REALM CLIENT_ID SECRET USERNAME PASSWORD
import express from 'express';
import session from 'express-session';
import Keycloak from 'keycloak-connect';

const [baseUrl, realm, clientId, secret, username, password] = process.argv.slice(2);
const memoryStore = new session.MemoryStore();
const keycloak = new Keycloak({ store: memoryStore }, {
  realm,
  'auth-server-url': baseUrl,
  'ssl-required': 'none',
  resource: clientId,
  'bearer-only': true,
  credentials: { secret },
  'confidential-port': 0,
});

const app = express();
app.use(session({ secret: 'e2e', resave: false, saveUninitialized: true, store: memoryStore }));
app.use(keycloak.middleware());
const ok = (req, res) => res.json({ user: req.kauth.grant.access_token.content.preferred_username });
app.get('/realm-role', keycloak.protect('realm:manager'), ok);
app.get('/client-role', keycloak.protect('orders-api:auditor'), ok);
app.get('/scope', keycloak.protect((token) => (token.content.scope || '').split(' ').includes('orders')), ok);
app.get('/nobody', keycloak.protect('realm:no-such-role'), ok);

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const api = `http://127.0.0.1:${server.address().port}`;

const out = {};
try {
  // A direct grant (keycloak-connect's obtainDirectly: the password grant, with its own token checks).
  const grant = await keycloak.grantManager.obtainDirectly(username, password, undefined, 'openid orders');
  const token = grant.access_token.token;
  out.direct_grant = { manager: grant.access_token.hasRole('realm:manager'), username: grant.access_token.content.preferred_username };
  for (const path of ['/realm-role', '/client-role', '/scope', '/nobody']) {
    const r = await fetch(api + path, { headers: { Authorization: `Bearer ${token}` } });
    out[path] = r.status;
  }
  const none = await fetch(api + '/realm-role');
  out.without_token = none.status;
  const forged = await fetch(api + '/realm-role', { headers: { Authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
  out.forged = forged.status;
  // Online validation: keycloak-connect sends its credentials in Basic AND in the body.
  out.validate_online = (await keycloak.grantManager.validateAccessToken(token)) === token;
  out.userinfo_username = (await keycloak.grantManager.userInfo(token)).preferred_username;
  try {
    await keycloak.grantManager.obtainDirectly(username, 'wrong-password');
    out.wrong_password = 'accepted';
  } catch (e) {
    out.wrong_password = String(e.message || e);
  }
} catch (e) {
  out.error = String(e && (e.stack || e.message || e));
}
server.close();
console.log(JSON.stringify(out));
