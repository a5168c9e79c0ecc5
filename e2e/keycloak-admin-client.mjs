// Keycloak's official admin client (@keycloak/keycloak-admin-client), used as its documentation shows,
// against Tessera: an administrator's first steps. Prints one JSON object of what it saw; run by
// crates/tessera-server/tests/api/keycloak_libs.rs.
//   node keycloak-admin-client.mjs BASE_URL ADMIN_PASSWORD CI_SECRET
import KcAdminClient from '@keycloak/keycloak-admin-client';

const [baseUrl, adminPassword, ciSecret] = process.argv.slice(2);
const out = {};
try {
  const kc = new KcAdminClient({ baseUrl, realmName: 'master' });
  await kc.auth({ username: 'admin', password: adminPassword, grantType: 'password', clientId: 'admin-cli' });
  out.realms = (await kc.realms.find()).map((r) => r.realm).sort();
  await kc.realms.create({ realm: 'day', enabled: true });
  kc.setConfig({ realmName: 'day' });
  const { id } = await kc.clients.create({ clientId: 'svc', serviceAccountsEnabled: true, directAccessGrantsEnabled: true, defaultClientScopes: ['roles'] });
  out.client_found = (await kc.clients.find({ clientId: 'svc' })).map((c) => c.id).includes(id);
  const secret = await kc.clients.generateNewClientSecret({ id });
  const token = await fetch(`${baseUrl}/realms/day/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'svc', client_secret: secret.value }),
  });
  out.token_with_new_secret = token.status;
  await kc.roles.create({ name: 'auditor' });
  const role = await kc.roles.findOneByName({ name: 'auditor' });
  const group = await kc.groups.create({ name: 'staff' });
  const user = await kc.users.create({ username: 'dora', email: 'dora@day.example', enabled: true });
  await kc.users.resetPassword({ id: user.id, credential: { type: 'password', value: 'Dora-Password-1', temporary: false } });
  await kc.users.addToGroup({ id: user.id, groupId: group.id });
  await kc.users.addRealmRoleMappings({ id: user.id, roles: [{ id: role.id, name: role.name }] });
  out.user_roles = (await kc.users.listRealmRoleMappings({ id: user.id })).map((r) => r.name).sort();
  out.user_groups = (await kc.users.listGroups({ id: user.id })).map((g) => g.path);
  out.users_found = (await kc.users.find({ search: 'dora' })).map((u) => u.username);
  out.users_count = await kc.users.count();
  await kc.clients.del({ id });
  // findOne answers null for a 404 (the admin client's catchNotFound).
  out.deleted_client = (await kc.clients.findOne({ id })) === null ? 'gone' : 'still there';
  // A realm's own service account with realm-management roles (CI, with client credentials).
  const ci = new KcAdminClient({ baseUrl, realmName: 'northwind' });
  await ci.auth({ grantType: 'client_credentials', clientId: 'ci-admin', clientSecret: ciSecret });
  out.ci_users = (await ci.users.find({ username: 'grace', exact: true })).map((u) => u.username);
  try {
    ci.setConfig({ realmName: 'day' });
    await ci.users.find();
    out.ci_other_realm = 'allowed';
  } catch (e) {
    out.ci_other_realm = e.response?.status ?? String(e);
  }
} catch (e) {
  out.error = String(e && (e.stack || e.message || e));
}
console.log(JSON.stringify(out));
