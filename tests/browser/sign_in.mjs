// The main sign-in flow in a real headless Chromium, driven by playwright-core:
// home → "Sign in" → the identity provider's login form → back home, signed
// in → the account page → "Sign out" → the provider's logout confirmation →
// the app's signed-out page. Walked twice, in fresh browser contexts: with
// JavaScript enabled (no console errors, no CSP violations allowed) and with
// JavaScript disabled (everything must work without it).
//
// Usage: node tests/browser/sign_in.mjs <site base URL, e.g. http://127.0.0.1:8000>
// Environment: CHROMIUM, the browser executable (/usr/bin/chromium).
//
// Console errors fail the run, with one exception: a 404 for /favicon.ico
// (the app's or the provider's), which Chromium requests by itself and
// neither serves (printed as a `note:` line).
//
// Prints one line per step, then `user-agent: <the browser's User-Agent>` and
// `PASS`; on any failure prints `FAIL: …` with what the browser saw and exits 1.
// Run by tests/browser_sign_in.rs, against the dev identity provider's demo user.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { watchedPage } from './watch.mjs';

const LOGIN = 'alice@example.org';
const PASSWORD = 'demo';
const GROUP = 'advisoryhub-security';
const TIMEOUT_MS = 15_000;

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
  console.error('usage: node tests/browser/sign_in.mjs <site base URL, e.g. http://127.0.0.1:8000>');
  process.exit(2);
}
const origin = new URL(base).origin;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`FAIL: no Chromium at ${executablePath}: run \`apt-get install chromium\` (or .ci/run), or set CHROMIUM`);
  process.exit(1);
}

class StepFailed extends Error {}

function check(condition, message) {
  if (!condition) throw new StepFailed(message);
}

const started = Date.now();
let stepNo = 0;
let userAgent = null;

// One walk of the flow in a fresh context.
async function walk(browser, { javaScriptEnabled }) {
  const label = javaScriptEnabled ? 'js' : 'no-js';
  const favicon404 = new Set();
  const { context, page, problems } = await watchedPage(browser, {
    javaScriptEnabled,
    timeoutMs: TIMEOUT_MS,
    allow: (msg, loc) => {
      // The one exception: the favicon Chromium fetches on its own (no page
      // asks for it), which the dev provider does not serve. Noted, not hidden.
      if (loc?.url && new URL(loc.url).pathname === '/favicon.ico' && /status of 404\b/.test(msg.text())) {
        favicon404.add(loc.url);
        return true;
      }
      return false;
    },
  });
  page.on('request', (req) => {
    if (req.url().startsWith(`${origin}/`)) userAgent ??= req.headers()['user-agent'] ?? null;
  });

  async function step(name, body) {
    stepNo += 1;
    const t0 = Date.now();
    try {
      await body();
    } catch (err) {
      const what = err instanceof StepFailed ? err.message : String(err?.stack ?? err);
      let html = '';
      try {
        html = (await page.content()).slice(0, 3000);
      } catch {
        /* the page may be gone */
      }
      throw new StepFailed(
        `[${label}] step ${stepNo} "${name}": ${what}\n  page URL: ${page.url()}` +
          (problems.length ? `\n  console errors / CSP violations so far:\n    ${problems.join('\n    ')}` : '') +
          (html ? `\n  page HTML (start):\n${html}` : ''),
      );
    }
    // Nothing may have gone wrong on the page during the step either.
    if (problems.length) {
      throw new StepFailed(
        `[${label}] step ${stepNo} "${name}": console errors / CSP violations:\n    ${problems.join('\n    ')}\n  page URL: ${page.url()}`,
      );
    }
    console.log(`ok ${stepNo} [${label}] ${name} (${Date.now() - t0} ms)`);
  }

  const onApp = (path) => (url) => url.origin === origin && url.pathname === path;
  const onProvider = (url) => url.origin !== origin;

  async function textOf(selector) {
    const el = page.locator(selector);
    await el.waitFor({ state: 'visible' });
    return (await el.textContent()) ?? '';
  }

  await step('open the home page, anonymous', async () => {
    const resp = await page.goto(`${base}/`);
    check(resp?.status() === 200, `GET / answered ${resp?.status()}`);
    await page.locator('#sign-in').waitFor();
    check((await page.locator('#whoami').count()) === 0, 'an anonymous visitor sees #whoami');
    if (javaScriptEnabled) {
      // The page's scripts ran under its CSP (nonce, SRI): htmx is there.
      await page.waitForLoadState('load');
      const htmx = await page.evaluate(() => typeof window.htmx);
      check(htmx === 'object', `htmx did not load (window.htmx is ${htmx})`);
    }
  });

  await step('click "Sign in": the provider asks for credentials', async () => {
    await page.click('#sign-in');
    await page.waitForURL(onProvider);
    await page.locator('#login-form').waitFor();
  });

  await step(`log in at the provider as ${LOGIN}: back on the app's home page`, async () => {
    await page.fill('input[name="login"]', LOGIN);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('#sign-in');
    await page.waitForURL(onApp('/'));
    const who = await textOf('#whoami');
    check(who.includes(LOGIN), `#whoami does not show ${LOGIN}: ${JSON.stringify(who.trim())}`);
    const groups = await textOf('#groups');
    check(groups.includes(GROUP), `#groups does not list ${GROUP}: ${JSON.stringify(groups.trim())}`);
    await page.locator('#sign-out').waitFor();
    check((await page.locator('#sign-in').count()) === 0, 'a signed-in page still offers #sign-in');
  });

  await step('open the account page through #account-link', async () => {
    await page.click('#account-link');
    await page.waitForURL(onApp('/account/'));
    const email = await textOf('#account-email');
    check(email.trim() === LOGIN, `#account-email is ${JSON.stringify(email.trim())}, not ${LOGIN}`);
    const groups = await textOf('#groups');
    check(groups.includes(GROUP), `the account page's #groups does not list ${GROUP}: ${JSON.stringify(groups.trim())}`);
    await page.locator('#sessions').waitFor();
    await page.locator('#sign-out-everywhere').waitFor();
  });

  await step('click "Sign out": the provider asks to confirm', async () => {
    await page.click('#sign-out');
    // A POST to the app that redirects to the provider: the app's CSP
    // form-action must allow the provider's origin, or Chromium stops here.
    await page.waitForURL(onProvider);
    await page.locator('#confirm-logout').waitFor();
  });

  await step("confirm at the provider: the app's signed-out page", async () => {
    await page.click('#confirm-logout');
    await page.waitForURL(onApp('/accounts/signed-out/'));
    await page.locator('h1#signed-out').waitFor();
    await page.locator('#sign-in').waitFor();
  });

  await step('signed out at the app and the provider: /account/ asks for credentials', async () => {
    await page.goto(`${base}/account/`);
    await page.waitForURL(onProvider);
    await page.locator('#login-form').waitFor();
  });

  // Anything reported after the last step's check counts too.
  check(!problems.length, `[${label}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
  for (const url of favicon404) {
    console.log(`note [${label}]: GET ${url} answered 404 (Chromium logs that as a console error; not counted)`);
  }
  await context.close();
}

let browser;
let exitCode = 0;
try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
  console.log(`chromium ${browser.version()} (${executablePath})`);
  await walk(browser, { javaScriptEnabled: true });
  await walk(browser, { javaScriptEnabled: false });
  console.log(`user-agent: ${userAgent}`);
  console.log(`PASS (${Date.now() - started} ms)`);
} catch (err) {
  console.log(`FAIL: ${err instanceof StepFailed ? err.message : String(err?.stack ?? err)}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
