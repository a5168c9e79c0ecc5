// The admin console end to end in a real browser: Debian's Chromium driven by playwright-core (never a
// downloaded browser). Usage:
//   node console.mjs <tessera base URL> <admin password> <delegated admin> <delegated password> <screenshot dir>
// An administrator signs in through Tessera's login page, creates a realm and a confidential client, copies
// the secret from the page and gets a token with it, creates a user with a temporary password; the user
// signs in and must choose a new one; the administrator signs the user out everywhere (the user's token is
// then inactive), finds both actions in the events table and rotates the realm's keys. Then the editors: a
// role includes another, the user joins a group and gets a role (both on the user's page), the client's
// tokens are revoked (its earlier token inactive), and the usage chart is drawn. A realm administrator of
// another realm then signs in and does not see this realm. Prints what it saw as JSON.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const [base, adminPassword, delegated, delegatedPassword, shots] = process.argv.slice(2);
const REALM = 'console-e2e';
const CLIENT = 'orders-api';
const b64url = (buf) => buf.toString('base64url');
const fail = (why) => { throw new Error(why); };

// The application the user signs in to (a loopback redirect URI, RFC 8252 §7.3).
const app = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Signed in</title><h1>Back in the application</h1>');
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${app.address().port}/callback`;

const tokenUrl = `${base}/realms/${REALM}/protocol/openid-connect/token`;
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
async function post(url, form, auth) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth) headers.authorization = auth;
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: await res.json() };
}

async function signIn(page, username, password) {
  await page.goto(`${base}/admin/console/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Realms', exact: true }).waitFor();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const seen = {};
try {
  const admin = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  const page = await admin.newPage();
  const status = [];
  page.on('response', (r) => { if (r.url().startsWith(`${base}/admin/console`)) status.push(r.status()); });

  // The administrator signs in (authorization code + PKCE through our own login page) and creates a realm.
  await signIn(page, 'admin', adminPassword);
  await page.getByLabel('Name', { exact: true }).fill(REALM);
  await page.getByLabel('Display name').fill('Console end-to-end');
  await page.getByLabel('Signing algorithm').selectOption('ES256');
  await page.getByRole('button', { name: 'Create realm' }).click();
  await page.getByRole('heading', { name: `Realm ${REALM}` }).waitFor();

  // A confidential client with a service account; the secret is on the page, once.
  await page.getByRole('link', { name: 'Clients', exact: true }).click();
  await page.getByRole('heading', { name: 'Clients', exact: true }).waitFor();
  await page.getByLabel('Client id', { exact: true }).fill(CLIENT);
  await page.getByLabel('Name', { exact: true }).fill('Orders API');
  await page.getByLabel('Confidential with a service account (client credentials)').check();
  await page.getByLabel('Redirect URIs (one per line)').fill(redirectUri);
  await page.getByRole('button', { name: 'Create client' }).click();
  await page.getByRole('heading', { name: `Client ${CLIENT}` }).waitFor();
  const secret = await page.getByLabel('Secret', { exact: true }).inputValue();
  const curl = await page.getByLabel('A token with it').inputValue();
  if (secret.length < 32 || !curl.includes(secret) || !curl.includes(tokenUrl)) fail(`no usable secret: ${curl}`);
  await page.screenshot({ path: `${shots}/client-secret.png`, fullPage: true });
  const service = await post(tokenUrl, { grant_type: 'client_credentials' }, basic(CLIENT, secret));
  if (service.status !== 200) fail(`the copied secret got no token: ${JSON.stringify(service)}`);
  seen.secret = secret;
  seen.serviceToken = service.body.access_token;

  // A user with a temporary password.
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByLabel('Username', { exact: true }).fill('pat');
  await page.getByLabel('Email', { exact: true }).fill('pat@example.test');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('heading', { name: 'User pat' }).waitFor();
  const userPath = new URL(page.url()).pathname;
  seen.userId = userPath.split('/').pop();
  await page.getByLabel('New password', { exact: true }).fill('Temporary-Pass-2026');
  await page.getByLabel('Temporary (the user must choose a new one at the next sign-in)').check();
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('status').filter({ hasText: 'must choose a new one' }).waitFor();

  // The user signs in to the client and must choose a new password first (in a browser of their own).
  const user = await browser.newContext({ viewport: { width: 900, height: 720 } });
  const userPage = await user.newPage();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const auth = new URL(`${base}/realms/${REALM}/protocol/openid-connect/auth`);
  for (const [k, v] of Object.entries({ client_id: CLIENT, redirect_uri: redirectUri, response_type: 'code',
    scope: 'openid', state: 'user-state', code_challenge: challenge, code_challenge_method: 'S256' })) {
    auth.searchParams.set(k, v);
  }
  await userPage.goto(auth.href);
  await userPage.getByLabel('Username or email').fill('pat');
  await userPage.getByLabel('Password', { exact: true }).fill('Temporary-Pass-2026');
  await userPage.getByRole('button', { name: 'Sign in' }).click();
  await userPage.getByLabel('New password', { exact: true }).waitFor();
  seen.askedForNewPassword = true;
  await userPage.getByLabel('New password', { exact: true }).fill('Chosen-By-Pat-2026');
  await userPage.getByLabel('Confirm the new password').fill('Chosen-By-Pat-2026');
  await Promise.all([
    userPage.waitForURL((url) => url.href.startsWith(redirectUri)),
    userPage.getByRole('button', { name: 'Save and continue' }).click(),
  ]);
  const code = new URL(userPage.url()).searchParams.get('code') ?? fail('no code');
  const userTokens = await post(tokenUrl, { grant_type: 'authorization_code', code, redirect_uri: redirectUri,
    code_verifier: verifier }, basic(CLIENT, secret));
  if (userTokens.status !== 200) fail(`the user's code was refused: ${JSON.stringify(userTokens)}`);
  seen.userToken = userTokens.body.access_token;
  const introspect = (token) => post(`${tokenUrl}/introspect`, { token }, basic(CLIENT, secret));
  seen.activeBefore = (await introspect(seen.userToken)).body.active;

  // A not-before has whole seconds (RFC 7519 NumericDate) and spares tokens issued in its own second: the
  // sign-out must come in a later second than the token, as it would for a person.
  const iat = JSON.parse(Buffer.from(seen.userToken.split('.')[1], 'base64url')).iat;
  while (Math.floor(Date.now() / 1000) <= iat) await new Promise((resolve) => setTimeout(resolve, 100));

  // The administrator signs the user out everywhere: the token the user holds is no longer active.
  await page.goto(page.url());
  await page.getByRole('heading', { name: 'User pat' }).waitFor();
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.getByRole('status').filter({ hasText: 'Signed out everywhere.' }).waitFor();
  seen.activeAfter = (await introspect(seen.userToken)).body.active;

  // Both actions are in the events table.
  await page.getByRole('link', { name: 'Events', exact: true }).click();
  await page.getByRole('heading', { name: 'Events', exact: true }).waitFor();
  const adminEvents = await page.locator('#admin-events-table tbody').innerText();
  seen.resetInEvents = adminEvents.includes(`users/${seen.userId}/reset-password`);
  seen.logoutInEvents = adminEvents.includes(`users/${seen.userId}/logout`);
  await page.getByLabel('Admin operation').selectOption('ACTION');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.locator('#admin-events-table tbody tr').first().waitFor();
  seen.filteredRows = await page.locator('#admin-events-table tbody tr').count();
  await page.screenshot({ path: `${shots}/events.png`, fullPage: true });

  // The realm's keys rotate (forced: the next key was published a moment ago).
  await page.getByRole('link', { name: 'Settings & keys' }).click();
  const activeBefore = await page.locator('tr.key-active code').first().innerText();
  await page.getByRole('button', { name: 'Rotate keys' }).click();
  const refused = await page.getByRole('status').innerText();
  seen.rotationWithoutForce = refused;
  await page.getByLabel('Rotate now even if verifiers may not have the next key yet').check();
  await page.getByRole('button', { name: 'Rotate keys' }).click();
  await page.getByRole('status').filter({ hasText: 'Keys rotated' }).waitFor();
  const activeAfter = await page.locator('tr.key-active code').first().innerText();
  seen.keysRotated = activeBefore !== activeAfter;
  await page.screenshot({ path: `${shots}/realm-settings-keys.png`, fullPage: true });

  // Roles, groups and client scopes: one of each is added.
  await page.getByRole('link', { name: 'Roles, groups & scopes' }).click();
  await page.getByLabel('Role name').fill('auditor');
  await page.getByRole('button', { name: 'Add role' }).click();
  await page.getByLabel('Group name').fill('operators');
  await page.getByRole('button', { name: 'Add group' }).click();
  await page.getByLabel('Scope name').fill('orders:read');
  await page.getByRole('button', { name: 'Add scope' }).click();
  await page.getByRole('cell', { name: 'orders:read', exact: true }).waitFor();
  const accessText = await page.locator('main').innerText();
  seen.accessAdded = ['auditor', '/operators', 'orders:read'].every((t) => accessText.includes(t));
  await page.screenshot({ path: `${shots}/access.png`, fullPage: true });

  // The editors: the role includes another (a composite); pat joins the group; pat gets the role directly,
  // and the user's page shows both.
  await page.getByRole('link', { name: 'auditor', exact: true }).click();
  await page.getByRole('heading', { name: 'Role auditor' }).waitFor();
  await page.getByLabel('Role to include').selectOption({ label: 'offline_access' });
  await page.getByRole('button', { name: 'Include role' }).click();
  await page.locator('#composites-table').getByRole('cell', { name: 'offline_access', exact: true }).waitFor();
  seen.compositeAdded = true;
  await page.screenshot({ path: `${shots}/role.png`, fullPage: true });
  await page.getByRole('link', { name: 'Roles, groups & scopes' }).click();
  await page.getByRole('link', { name: '/operators', exact: true }).click();
  await page.getByRole('heading', { name: 'Group /operators' }).waitFor();
  await page.getByLabel('Username to add').fill('pat');
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.locator('#members-table').getByRole('link', { name: 'pat', exact: true }).waitFor();
  await page.screenshot({ path: `${shots}/group.png`, fullPage: true });
  await page.locator('#members-table').getByRole('link', { name: 'pat', exact: true }).click();
  await page.getByRole('heading', { name: 'User pat' }).waitFor();
  await page.getByLabel('Role to map').selectOption({ label: 'auditor' });
  await page.getByRole('button', { name: 'Map role' }).click();
  await page.getByRole('status').filter({ hasText: 'Roles changed.' }).waitFor();
  seen.roleOnUserPage = await page.locator('#user-roles-table').getByRole('cell', { name: 'auditor', exact: true }).count() === 1;
  seen.groupOnUserPage = await page.locator('#user-groups-table').getByRole('link', { name: '/operators' }).count() === 1;
  await page.screenshot({ path: `${shots}/user.png`, fullPage: true });

  // "Revoke all tokens of this client": the service token issued at the start is then inactive, a new one
  // is active (the revocation is in a later second than the earlier token, as for the user above).
  const serviceIat = JSON.parse(Buffer.from(seen.serviceToken.split('.')[1], 'base64url')).iat;
  while (Math.floor(Date.now() / 1000) <= serviceIat) await new Promise((resolve) => setTimeout(resolve, 100));
  await page.getByRole('link', { name: 'Clients', exact: true }).click();
  await page.getByRole('link', { name: CLIENT, exact: true }).click();
  await page.getByRole('heading', { name: `Client ${CLIENT}` }).waitFor();
  await page.getByRole('button', { name: 'Revoke all tokens of this client' }).click();
  await page.getByRole('status').filter({ hasText: 'is revoked' }).waitFor();
  seen.clientTokenActiveAfterRevoke = (await introspect(seen.serviceToken)).body.active;
  const fresh = await post(tokenUrl, { grant_type: 'client_credentials' }, basic(CLIENT, secret));
  seen.newClientTokenActive = (await introspect(fresh.body.access_token)).body.active;
  await page.screenshot({ path: `${shots}/client.png`, fullPage: true });

  // Usage: the realm's token rate per client, drawn on the server.
  await page.getByRole('link', { name: 'Usage', exact: true }).click();
  await page.getByRole('heading', { name: 'Usage', exact: true }).waitFor();
  seen.usageSeries = await page.locator('#usage-chart polyline').count();
  await page.screenshot({ path: `${shots}/usage.png`, fullPage: true });

  await page.getByRole('link', { name: 'Realms', exact: true }).click();
  await page.screenshot({ path: `${shots}/realms.png`, fullPage: true });
  // Sign out goes through our logout and back to the sign-in page.
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  seen.signedOut = true;
  seen.serverErrors = status.filter((s) => s >= 500).length;

  // A realm administrator of another realm does not see this one.
  const other = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  const otherPage = await other.newPage();
  await signIn(otherPage, delegated, delegatedPassword);
  seen.delegatedRealms = await otherPage.locator('table tbody td:first-child').allInnerTexts();
  const direct = await otherPage.goto(`${base}/admin/console/realms/${REALM}/users`);
  seen.delegatedDirectStatus = direct.status();
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  app.close();
}
