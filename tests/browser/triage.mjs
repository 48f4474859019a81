// From a public report to a draft in a real headless Chromium, driven by
// playwright-core: an anonymous visitor files a report on Eclipse Jetty
// through /report/; alice (an administrator) signs in on the way to the
// admin console's inbox, follows the "awaiting triage" chip (a plain link),
// opens the report, sees the triage card with the reporter's name and
// accepts it as a draft. Walked twice, in fresh browser contexts: with
// JavaScript disabled (plain forms, 303 and a flash) and with it (htmx:
// 204 and HX-Refresh). Console errors and CSP violations fail it, except a
// 404 for /favicon.ico (Chromium asks for it by itself).
//
// Usage: node tests/browser/triage.mjs <site base URL>
// Environment: CHROMIUM, the browser executable (/usr/bin/chromium).
//
// Prints one line per step, `promoted [<walk>]: <advisory id>` for each
// report accepted (tests/browser_triage.rs checks them in the database),
// then `PASS`; on failure `FAIL: …` and exit code 1.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { watchedPage } from './watch.mjs';

const PASSWORD = 'demo';
const TIMEOUT_MS = 15_000;

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
  console.error('usage: node tests/browser/triage.mjs <site base URL>');
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

const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
const started = Date.now();
let stepNo = 0;

// A fresh context and its step runner.
async function session(browser, label, javaScriptEnabled) {
  const favicon404 = new Set();
  const { context, page, problems } = await watchedPage(browser, {
    javaScriptEnabled,
    timeoutMs: TIMEOUT_MS,
    allow: (msg, loc) => {
      if (loc?.url && new URL(loc.url).pathname === '/favicon.ico') {
        favicon404.add(loc.url);
        return true;
      }
      return false;
    },
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
    if (problems.length) {
      throw new StepFailed(`[${label}] step ${stepNo} "${name}": console errors / CSP violations:\n    ${problems.join('\n    ')}`);
    }
    console.log(`ok ${stepNo} [${label}] ${name} (${Date.now() - t0} ms)`);
  }

  async function close() {
    check(!problems.length, `[${label}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
    for (const url of favicon404) {
      console.log(`note [${label}]: GET ${url} answered 404 (Chromium logs that as a console error; not counted)`);
    }
    await context.close();
  }

  return { page, step, close };
}

const onApp = (path) => (url) => url.origin === origin && url.pathname === path;

async function walk(browser, javaScriptEnabled) {
  const mode = javaScriptEnabled ? 'js' : 'no-js';
  const summary = `Header injection in the HTTP/2 HPACK decoder (${mode} walk)`;

  const visitor = await session(browser, `anonymous ${mode}`, javaScriptEnabled);
  await visitor.step('file a report on Eclipse Jetty', async () => {
    const { page } = visitor;
    const resp = await page.goto(`${base}/report/`);
    check(resp?.status() === 200, `GET /report/ answered ${resp?.status()}`);
    await page.selectOption('#f-project_slug', 'rt.jetty');
    await page.fill('#f-summary', summary);
    await page.fill('#f-details', 'A crafted header block makes the decoder emit a second header.');
    await page.fill('#f-reporter_display_name', 'Jane H.');
    await page.click('#submit-report');
    await page.waitForURL(onApp('/report/thank-you/'));
  });
  await visitor.close();

  const admin = await session(browser, `alice ${mode}`, javaScriptEnabled);
  const { page, step } = admin;
  let id = null;
  await step('sign in as alice on the way to the admin inbox', async () => {
    await page.goto(`${base}/admin/`);
    await page.waitForURL((url) => url.origin !== origin);
    await page.locator('#login-form').waitFor();
    await page.fill('#login', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    await page.waitForURL(onApp('/admin/'));
    await page.locator('#inbox-chips').waitFor();
  });

  await step('follow the "awaiting triage" chip to the report', async () => {
    const chip = page.locator('#chip-triage');
    check(/awaiting triage/.test(squash(await chip.textContent())), 'no "awaiting triage" chip');
    await Promise.all([page.waitForURL((url) => onApp('/admin/')(url) && url.search === '?category=triage'), chip.click()]);
    const rows = page.locator('tr.inbox-item');
    const kinds = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.kind));
    check(kinds.length > 0 && kinds.every((k) => k === 'triage' || k === 'triage_routing'), `the triage chip lists ${kinds}`);
    const link = page.locator('tr.inbox-item a', { hasText: summary });
    check((await link.count()) === 1, `the report "${summary}" is not listed once`);
    await Promise.all([page.waitForURL((url) => url.origin === origin && url.pathname.startsWith('/advisories/ECL-')), link.click()]);
    id = new URL(page.url()).pathname.split('/')[2];
  });

  await step('the triage card names the reporter and offers "Accept as draft"', async () => {
    await page.locator('#triage').waitFor();
    check(squash(await page.locator('#triage-reporter').textContent()).includes('Jane H.'), 'the reporter is not named');
    await page.locator('#workflow-promote-form').waitFor({ state: 'attached' });
  });

  await step('accept it as a draft: the flash, no triage card, state Draft', async () => {
    // An admin may also accept it into another project: the form is a
    // disclosure with a picker, its own project selected.
    const details = page.locator('details#workflow-promote-details');
    if ((await details.count()) === 1) {
      await details.locator('summary').click();
      check((await page.inputValue('#workflow-promote-project_slug')) === 'rt.jetty', 'the picker is not on Jetty');
    }
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/advisories/${id}/promote/`),
      page.click('#workflow-promote-submit'),
    ]);
    await page.waitForLoadState();
    await page.locator('#messages', { hasText: 'Advisory accepted as draft.' }).waitFor();
    check((await page.locator('#triage').count()) === 0, 'the triage card is still there');
    const head = squash(await page.locator('.page-head').first().textContent());
    check(head.includes('Draft'), `the header says ${JSON.stringify(head)}`);
    console.log(`promoted [${mode}]: ${id}`);
  });
  await admin.close();
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
  for (const javaScriptEnabled of [false, true]) {
    await walk(browser, javaScriptEnabled);
  }
  console.log(`PASS (${Date.now() - started} ms)`);
} catch (err) {
  console.log(`FAIL: ${err instanceof StepFailed ? err.message : String(err?.stack ?? err)}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
