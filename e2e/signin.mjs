// End-to-end sign-in in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). Usage: node signin.mjs <tessera base URL> <realm> <client_id> <output dir>
// It starts the "application" (a loopback callback server, RFC 8252 §7.3), opens the authorization URL,
// signs in through the login page, grants consent, and lands on the redirect URI with a code. It prints
// {"code", "verifier", "redirect_uri"} as JSON for the Rust test to redeem.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const [base, realm, clientId, outDir] = process.argv.slice(2);
const b64url = (buf) => buf.toString('base64url');
const verifier = b64url(randomBytes(32));
const challenge = b64url(createHash('sha256').update(verifier).digest());
const state = b64url(randomBytes(12));

const app = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>Signed in</title><h1>Back in the application</h1>');
});
await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
const redirectUri = `http://127.0.0.1:${app.address().port}/callback`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 720 } });
  const auth = new URL(`${base}/realms/${realm}/protocol/openid-connect/auth`);
  for (const [k, v] of Object.entries({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code',
    scope: 'openid profile email', state, nonce: 'e2e-nonce', code_challenge: challenge,
    code_challenge_method: 'S256' })) auth.searchParams.set(k, v);
  await page.goto(auth.href);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // The page works without JavaScript: the form is plain HTML.
  await page.getByLabel('Username or email').fill('wile');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  if (!(await page.getByRole('alert').innerText()).includes('Invalid username or password')) {
    throw new Error('a wrong password did not say so');
  }
  await page.screenshot({ path: `${outDir}/login-page.png` });
  await page.getByLabel('Password').fill('Super-Genius-1949');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Allow .* to access your account\?/ }).waitFor();
  await page.screenshot({ path: `${outDir}/consent-page.png` });
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(redirectUri)),
    page.getByRole('button', { name: 'Allow' }).click(),
  ]);
  const landed = new URL(page.url());
  if (landed.searchParams.get('state') !== state) throw new Error(`state mismatch: ${landed.href}`);
  const code = landed.searchParams.get('code');
  if (!code) throw new Error(`no code: ${landed.href}`);
  console.log(JSON.stringify({ code, verifier, redirect_uri: redirectUri }));
} finally {
  await browser.close();
  app.close();
}
