// keycloak-js, unchanged and with its default options, against Tessera in Debian's Chromium (driven by
// playwright-core). Usage: node keycloak-js.mjs <tessera base URL> <realm> <client_id> <app port>
// The "application" is a static page on 127.0.0.1:<app port> (another origin than Tessera's), served here:
// it loads node_modules/keycloak-js and calls `init()` with no options, so keycloak-js uses its defaults
// (fragment response mode, PKCE S256, nonce, the session-iframe check). The script signs wile in through
// `login()`, then runs `updateToken(-1)`, `loadUserInfo()` and `logout()`, and prints what it saw as JSON
// for the Rust test to check against the server.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const [base, realm, clientId, appPort] = process.argv.slice(2);
const keycloakJs = await readFile(new URL('./node_modules/keycloak-js/lib/keycloak.js', import.meta.url));
const page = `<!doctype html><meta charset="utf-8"><title>Order Desk</title><h1>Order Desk</h1>
<script type="module">
import Keycloak from '/keycloak.js';
const keycloak = new Keycloak({ url: ${JSON.stringify(base)}, realm: ${JSON.stringify(realm)},
  clientId: ${JSON.stringify(clientId)} });
window.keycloak = keycloak;
window.ready = keycloak.init().then((authenticated) => ({ authenticated }), (e) => ({ error: String(e?.message ?? JSON.stringify(e)) }));
</script>`;
const app = createServer((req, res) => {
  if (req.url === '/keycloak.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    res.end(keycloakJs);
  } else {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page);
  }
});
await new Promise((resolve) => app.listen(Number(appPort), '127.0.0.1', resolve));
const appUrl = `http://127.0.0.1:${appPort}/`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const seen = { consoleErrors: [] };
try {
  const tab = await browser.newPage();
  tab.on('console', (m) => { if (m.type() === 'error') seen.consoleErrors.push(m.text()); });
  await tab.goto(appUrl);
  const first = await tab.evaluate(() => window.ready);
  if (first.error || first.authenticated) throw new Error(`before sign-in: ${JSON.stringify(first)}`);
  // login(): the browser goes to Tessera's login page and comes back with the code in the fragment.
  await Promise.all([tab.waitForURL((u) => u.href.includes('/protocol/openid-connect/auth')),
    tab.evaluate(() => { setTimeout(() => window.keycloak.login(), 0); })]);
  seen.authorizeUrl = tab.url();
  await tab.getByLabel('Username or email').fill('wile');
  await tab.getByLabel('Password').fill('Super-Genius-1949');
  await Promise.all([tab.waitForURL((u) => u.href.startsWith(appUrl)),
    tab.getByRole('button', { name: 'Sign in' }).click()]);
  await tab.waitForFunction(() => window.keycloak !== undefined);
  const signedIn = await tab.evaluate(() => window.ready);
  if (!signedIn.authenticated) throw new Error(`after sign-in: ${JSON.stringify(signedIn)}`);
  Object.assign(seen, await tab.evaluate(async () => {
    const kc = window.keycloak;
    const before = { token: kc.token, refreshToken: kc.refreshToken, sessionId: kc.sessionId };
    const refreshed = await kc.updateToken(-1);
    const userinfo = await kc.loadUserInfo();
    return { before, refreshed, afterRefresh: { token: kc.token, refreshToken: kc.refreshToken },
      idTokenNonceMatches: typeof kc.idTokenParsed?.nonce === 'string', userinfo, landed: location.href };
  }));
  // logout(): to Tessera's end-session endpoint with id_token_hint, and back to the app.
  const requests = [];
  tab.on('request', (r) => requests.push(r.url()));
  await Promise.all([tab.waitForEvent('load'),
    tab.evaluate(() => { setTimeout(() => window.keycloak.logout(), 0); })]);
  seen.logoutRequest = requests.find((u) => u.includes('/protocol/openid-connect/logout'));
  seen.afterLogoutUrl = tab.url();
  const after = await tab.evaluate(() => window.ready);
  seen.afterLogout = after;
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
  app.close();
}
