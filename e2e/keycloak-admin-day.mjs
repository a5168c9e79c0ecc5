// Keycloak's official admin client (@keycloak/keycloak-admin-client) through an administrator's whole day
// against two Tessera nodes of one deployment (#16 "Tests"): it administers node A, and node B must agree.
// Prints one JSON object of what it saw; run by crates/tessera-server/tests/api/keycloak_libs.rs.
//   node keycloak-admin-day.mjs NODE_A_URL NODE_B_URL ADMIN_PASSWORD
import KcAdminClient from '@keycloak/keycloak-admin-client';

const [nodeA, nodeB, adminPassword] = process.argv.slice(2);
const out = {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

async function token(base, form) {
  const r = await fetch(`${base}/realms/day/protocol/openid-connect/token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: r.status, body: await r.json() };
}

async function active(base, clientSecret, accessToken) {
  const r = await fetch(`${base}/realms/day/protocol/openid-connect/token/introspect`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`web:${clientSecret}`).toString('base64') },
    body: new URLSearchParams({ token: accessToken }),
  });
  return (await r.json()).active;
}

try {
  // A master-realm administrator, with Keycloak's admin-cli password grant.
  const kc = new KcAdminClient({ baseUrl: nodeA, realmName: 'master' });
  await kc.auth({ username: 'admin', password: adminPassword, grantType: 'password', clientId: 'admin-cli' });

  // The realm, its brute-force settings changed afterwards.
  await kc.realms.create({ realm: 'day', enabled: true });
  await kc.realms.update({ realm: 'day' }, { displayName: 'An administrator\'s day', bruteForceProtected: true, failureFactor: 3 });
  const realm = await kc.realms.findOne({ realm: 'day' });
  out.realm = { displayName: realm.displayName, failureFactor: realm.failureFactor };
  kc.setConfig({ realmName: 'day' });

  // A client: read its secret, regenerate it, get a token with the new one.
  const { id: webId } = await kc.clients.create({
    clientId: 'web', directAccessGrantsEnabled: true, serviceAccountsEnabled: true, defaultClientScopes: ['roles'],
  });
  const secret = (await kc.clients.generateNewClientSecret({ id: webId })).value;
  out.secret_read_back = (await kc.clients.getClientSecret({ id: webId })).value ?? 'not readable';
  out.token_with_new_secret = (await token(nodeA, { grant_type: 'client_credentials', client_id: 'web', client_secret: secret })).status;

  // A client scope with a mapper, offered to the client as optional.
  const { id: scopeId } = await kc.clientScopes.create({ name: 'inventory', protocol: 'openid-connect' });
  await kc.clientScopes.addProtocolMapper({ id: scopeId }, {
    name: 'warehouse', protocol: 'openid-connect', protocolMapper: 'oidc-hardcoded-claim-mapper',
    config: { 'claim.name': 'warehouse', 'claim.value': 'north', 'jsonType.label': 'String', 'access.token.claim': 'true' },
  });
  await kc.clients.addOptionalClientScope({ id: webId, clientScopeId: scopeId });

  // Roles: a realm role through a group, a client role directly.
  await kc.roles.create({ name: 'auditor' });
  const auditor = await kc.roles.findOneByName({ name: 'auditor' });
  await kc.clients.createRole({ id: webId, name: 'editor' });
  const editor = await kc.clients.findRole({ id: webId, roleName: 'editor' });
  const group = await kc.groups.create({ name: 'staff' });
  await kc.groups.addRealmRoleMappings({ id: group.id, roles: [{ id: auditor.id, name: auditor.name }] });

  // A user: password, group, client role; the next token shows them all.
  const user = await kc.users.create({ username: 'dora', email: 'dora@day.example', enabled: true });
  await kc.users.resetPassword({ id: user.id, credential: { type: 'password', value: 'Dora-Password-1', temporary: false } });
  await kc.users.addToGroup({ id: user.id, groupId: group.id });
  await kc.users.addClientRoleMappings({ id: user.id, clientUniqueId: webId, roles: [{ id: editor.id, name: editor.name }] });
  const password = { grant_type: 'password', client_id: 'web', client_secret: secret, username: 'dora', password: 'Dora-Password-1', scope: 'inventory' };
  const first = await token(nodeA, password);
  const c = claims(first.body.access_token);
  out.token_roles = { realm: c.realm_access?.roles?.includes('auditor'), client: c.resource_access?.web?.roles ?? [], warehouse: c.warehouse };
  out.role_mappings = Object.keys((await kc.users.listRoleMappings({ id: user.id })).clientMappings ?? {});

  // Locked out by three wrong passwords (the realm's failureFactor), and cleared.
  for (let i = 0; i < 3; i++) await token(nodeA, { ...password, password: 'wrong' });
  out.locked = (await kc.attackDetection.findOne({ id: user.id })).disabled;
  out.locked_grant = (await token(nodeA, password)).status;
  await kc.attackDetection.del({ id: user.id });
  out.unlocked_grant = (await token(nodeA, password)).status;

  // Signed out everywhere: an earlier access token goes inactive on the other node within a second.
  const earlier = (await token(nodeA, password)).body.access_token;
  out.active_on_b_before = await active(nodeB, secret, earlier);
  await sleep(1100); // instants are whole seconds: a token of the logout's own second would outlive it
  await kc.users.logout({ id: user.id });
  const loggedOut = Date.now();
  let inactive = false;
  while (!inactive && Date.now() - loggedOut < 3000) {
    inactive = !(await active(nodeB, secret, earlier));
    if (!inactive) await sleep(20);
  }
  out.inactive_on_b_after_ms = inactive ? Date.now() - loggedOut : null;

  // A realm service account with realm-management rights (client credentials, as CI would).
  const management = (await kc.clients.find({ clientId: 'realm-management' }))[0];
  const realmAdmin = await kc.clients.findRole({ id: management.id, roleName: 'realm-admin' });
  const account = await kc.clients.getServiceAccountUser({ id: webId });
  await kc.users.addClientRoleMappings({ id: account.id, clientUniqueId: management.id, roles: [{ id: realmAdmin.id, name: realmAdmin.name }] });
  const ci = new KcAdminClient({ baseUrl: nodeB, realmName: 'day' });
  await ci.auth({ grantType: 'client_credentials', clientId: 'web', clientSecret: secret });
  out.ci_on_b_sees = (await ci.users.find({ username: 'dora', exact: true })).map((u) => u.username);

  // The events and the admin events.
  out.event_types = [...new Set((await kc.realms.findEvents({ realm: 'day' })).map((e) => e.type))].sort();
  const adminEvents = await kc.realms.findAdminEvents({ realm: 'day', max: 1000 });
  out.admin_event_kinds = [...new Set(adminEvents.map((e) => `${e.operationType} ${e.resourceType}`))].sort();
  out.secret_in_admin_events = JSON.stringify(adminEvents).includes(secret) || JSON.stringify(adminEvents).includes('Dora-Password-1');

  // Deleting what it made.
  await kc.users.del({ id: user.id });
  await kc.groups.del({ id: group.id });
  await kc.roles.delByName({ name: 'auditor' });
  await kc.clients.delOptionalClientScope({ id: webId, clientScopeId: scopeId });
  await kc.clientScopes.del({ id: scopeId });
  await kc.clients.del({ id: webId });
  out.left = {
    user: (await kc.users.findOne({ id: user.id })) === null,
    scope: (await kc.clientScopes.findOne({ id: scopeId })) === null,
    client: (await kc.clients.findOne({ id: webId })) === null,
  };
  kc.setConfig({ realmName: 'master' });
  await kc.realms.del({ realm: 'day' });
  out.realms_after = (await kc.realms.find()).map((r) => r.realm).sort();
} catch (e) {
  out.error = String(e && (e.stack || e.message || e));
  if (e.response) out.error += ` (HTTP ${e.response.status} ${e.response.url})`;
}
console.log(JSON.stringify(out));
