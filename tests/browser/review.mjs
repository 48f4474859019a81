// The review card in a real headless Chromium with JavaScript disabled,
// driven by playwright-core: bob (Eclipse Theia's security team) signs in,
// opens his draft and submits it for review with the card's plain form; the
// card then says "Submitted" and offers him only the withdrawal. Alice (an
// administrator) signs in in a fresh context, opens the decision notes (a
// <details> disclosure, which needs no script), writes a note and approves;
// the card says "Approved" with her note. Bob reloads and sees the same.
//
// Usage: node tests/browser/review.mjs <site base URL>
// Environment: CHROMIUM, the browser executable (/usr/bin/chromium).
//
// Console errors, uncaught page errors and CSP violations fail the run,
// except a 404 for /favicon.ico on the identity provider's origin (Chromium
// asks for it by itself there), printed as a `note:` line. Prints one line
// per step and `PASS`; on failure `FAIL: …` and exit code 1. Run by
// tests/browser_review.rs, which creates the projects and bob's draft, the
// only advisory of the site, which bob finds in the list.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { watchedPage } from './watch.mjs';

const PASSWORD = 'demo';
const NOTE = 'Affected versions and fix checked; ready to publish.';
const TIMEOUT_MS = 15_000;

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
  console.error('usage: node tests/browser/review.mjs <site base URL>');
  process.exit(2);
}
const origin = new URL(base).origin;
// The draft's public id, read from the list by the first session.
let id = null;
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

// A fresh context without JavaScript, signed in as `login` on the way to
// the advisory; its `step` runner and helpers.
async function session(browser, login) {
  const favicon404 = new Set();
  const { context, page, problems } = await watchedPage(browser, {
    javaScriptEnabled: false,
    timeoutMs: TIMEOUT_MS,
    allow: (msg, loc) => {
      if (loc?.url) {
        const u = new URL(loc.url);
        if (u.origin !== origin && u.pathname === '/favicon.ico' && /status of 404\b/.test(msg.text())) {
          favicon404.add(loc.url);
          return true;
        }
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
        html = (await page.locator('main').innerHTML()).slice(0, 4000);
      } catch {
        /* the page may be gone, or have no <main> */
      }
      throw new StepFailed(
        `[${login}] step ${stepNo} "${name}": ${what}\n  page URL: ${page.url()}` +
          (problems.length ? `\n  console errors / CSP violations so far:\n    ${problems.join('\n    ')}` : '') +
          (html ? `\n  <main> HTML (start):\n${html}` : ''),
      );
    }
    if (problems.length) {
      throw new StepFailed(
        `[${login}] step ${stepNo} "${name}": console errors / CSP violations:\n    ${problems.join('\n    ')}\n  page URL: ${page.url()}`,
      );
    }
    console.log(`ok ${stepNo} [${login}] ${name} (${Date.now() - t0} ms)`);
  }

  async function textOf(selector) {
    const el = page.locator(selector).first();
    await el.waitFor({ state: 'visible' });
    return squash(await el.textContent());
  }

  // Clicks `selector`, a submit button of a plain form, and waits for the
  // page the POST's 303 leads to; the POST's answer.
  async function submit(selector) {
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
      page.locator(selector).click(),
    ]);
    await page.waitForLoadState();
    return resp;
  }

  async function close() {
    check(!problems.length, `[${login}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
    for (const url of favicon404) {
      console.log(`note [${login}]: GET ${url} answered 404 (Chromium logs that as a console error; not counted)`);
    }
    await context.close();
  }

  await step(`sign in as ${login} on the way to ${id ? 'the advisory' : 'the list'}`, async () => {
    await page.goto(id ? `${base}/advisories/${id}/` : `${base}/advisories/`);
    await page.waitForURL((url) => url.origin !== origin);
    await page.locator('#login-form').waitFor();
    await page.fill('#login', login);
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    if (!id) {
      await page.waitForURL((url) => url.origin === origin && url.pathname === '/advisories/');
      const links = page.locator('td.id a');
      check((await links.count()) === 1, `the list shows ${await links.count()} advisories, not bob's draft alone`);
      id = squash(await links.textContent());
      check(/^ECL(-[a-z0-9]{4}){3}$/.test(id), `the list's advisory id is ${JSON.stringify(id)}`);
      await Promise.all([page.waitForLoadState(), links.click()]);
    }
    await page.waitForURL((url) => url.origin === origin && url.pathname === `/advisories/${id}/`);
    await page.locator('#review').waitFor();
    const scripts = await page.evaluate(() => typeof window.htmx).catch(() => 'not evaluated');
    check(scripts !== 'object', 'htmx ran although JavaScript is disabled');
  });

  return { page, step, textOf, submit, close };
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

  const bob = await session(browser, 'bob@example.org');
  await bob.step('the card: not submitted, and "Submit for review" offered', async () => {
    check((await bob.textOf('#review-status')) === 'Not submitted', `the status reads ${await bob.textOf('#review-status')}`);
    check((await bob.page.locator('#review-submit button').count()) === 1, 'no submit button');
    check((await bob.page.locator('#review-decide').count()) === 0, 'a team member is offered the decision');
  });
  await bob.step('submit for review with the plain form', async () => {
    const resp = await bob.submit('#review-submit button');
    check(resp.status() === 303, `the POST answered ${resp.status()}`);
    check(new URL(bob.page.url()).pathname === `/advisories/${id}/`, `landed on ${bob.page.url()}`);
    const body = squash(await bob.page.locator('body').textContent());
    check(body.includes('Submitted for review.'), 'no "Submitted for review." flash');
    check((await bob.textOf('#review-status')) === 'Submitted', `the status reads ${await bob.textOf('#review-status')}`);
    check((await bob.page.locator('#review-withdraw button').count()) === 1, 'no withdraw button');
    check((await bob.page.locator('#review-submit').count()) === 0, 'submit is still offered');
    check((await bob.page.locator('a#edit').count()) === 0, 'the edit link is offered while submitted');
  });
  await bob.close();

  const alice = await session(browser, 'alice@example.org');
  await alice.step('the card: submitted by bob, the decision offered', async () => {
    check((await alice.textOf('#review-status')) === 'Submitted', `the status reads ${await alice.textOf('#review-status')}`);
    const open = await alice.textOf('#review-open');
    check(open.includes('Bob Okafor') && open.includes('version 1'), `#review-open reads ${JSON.stringify(open)}`);
    check((await alice.page.locator('#review-submit').count()) === 0, 'an admin is offered to submit');
  });
  await alice.step('open the notes disclosure without JavaScript, write a note, approve', async () => {
    check(!(await alice.page.locator('#review-notes').isVisible()), 'the notes are visible before the disclosure opens');
    await alice.page.locator('#review-decide summary').click();
    await alice.page.locator('#review-notes').waitFor({ state: 'visible' });
    await alice.page.fill('#review-notes', NOTE);
    const resp = await alice.submit('#review-approve');
    check(resp.status() === 303, `the POST answered ${resp.status()}`);
    const body = squash(await alice.page.locator('body').textContent());
    check(body.includes('Review approved.'), 'no "Review approved." flash');
    check((await alice.textOf('#review-status')) === 'Approved', `the status reads ${await alice.textOf('#review-status')}`);
    check((await alice.textOf('#review-decision')).includes(NOTE), 'the decision note is not on the card');
    check((await alice.page.locator('#review-decide').count()) === 0, 'the decision is still offered');
  });
  await alice.close();

  const again = await session(browser, 'bob@example.org');
  await again.step('bob sees the approval and the note', async () => {
    check((await again.textOf('#review-status')) === 'Approved', `the status reads ${await again.textOf('#review-status')}`);
    check((await again.textOf('#review-hint')) === 'Approved — publication unlocked.', 'the approved hint');
    check((await again.textOf('#review-decision')).includes(NOTE), 'the decision note is not on the card');
  });
  await again.close();

  console.log(`PASS (${Date.now() - started} ms)`);
} catch (err) {
  console.log(`FAIL: ${err instanceof StepFailed ? err.message : String(err?.stack ?? err)}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
