// The advisory editor in a real headless Chromium, driven by playwright-core:
// sign in as a project's security team member → /advisories/new/ → fill the
// whole form (project, summary, markdown details, an affected package with a
// SEMVER range and a second event added with "Add an event", a reference
// added with "Add a reference", a CVSS v4 vector, a CWE) → create → the
// detail page → edit (new summary, the reference removed) → save → History
// (the summary's diff) → an invalid reference URL → the 422 page with the
// error summary and the typed values kept.
//
// Walked twice, in fresh browser contexts, with different summaries: with
// JavaScript enabled (rows added and removed in place by htmx, the live CVSS
// score beside the vector) and with JavaScript disabled (the same buttons
// submit the whole form; a removed row is dropped on save).
//
// Usage: node tests/browser/advisories.mjs <site base URL, e.g. http://127.0.0.1:8000>
// Environment: CHROMIUM, the browser executable (/usr/bin/chromium).
//
// Console errors, uncaught page errors and CSP violations fail the run, with
// one exception: a 404 for /favicon.ico on the identity provider's origin
// (Chromium requests it by itself on the provider's pages, which declare no
// icon and whose server has none; the app's pages link their own icon).
// It is printed as a `note:` line. Chromium also logs the one 422 this
// script provokes on purpose ("Failed to load resource: … status of 422"
// for the edit page's own document): accepted once, for that exact URL,
// only while step 9 waits for it, and noted likewise.
//
// Prints one line per step, then `advisory [js|no-js]: <id>` for each walk
// and `PASS`; on any failure prints `FAIL: …` with what the browser saw and
// exits 1. Run by tests/browser_advisories.rs, which creates the projects
// (Eclipse Theia, team `theia-security`, bob's group at the dev provider).

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { watchedPage } from './watch.mjs';

const LOGIN = 'bob@example.org';
const PASSWORD = 'demo';
const PROJECT = 'Eclipse Theia';
const VECTOR = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
const SCORE = '9.3 critical';
const CWE_NAME = "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')";
const BAD_URL = 'javascript:alert(1)';
const TIMEOUT_MS = 15_000;

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
  console.error('usage: node tests/browser/advisories.mjs <site base URL, e.g. http://127.0.0.1:8000>');
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

// One walk of the flow in a fresh context.
async function walk(browser, { javaScriptEnabled }) {
  const label = javaScriptEnabled ? 'js' : 'no-js';
  const js = javaScriptEnabled;
  const summary = `Command injection in the debug console (${label} walk)`;
  const newSummary = `Remote code execution in the debug adapter (${label} walk)`;
  const unsaved = `This summary is never saved (${label} walk)`;
  const refUrl = `https://github.com/eclipse-theia/theia/security/advisories/${label}`;
  const details =
    `A crafted **launch configuration** runs arbitrary commands.\n\n` +
    `- open the \`debug\` view\n- start the *malicious* configuration\n`;

  const favicon404 = new Set();
  const notes = [];
  // The document URL whose 422 step 9 provokes, while it waits for it.
  let expected422 = null;
  const { context, page, problems } = await watchedPage(browser, {
    javaScriptEnabled,
    timeoutMs: TIMEOUT_MS,
    allow: (msg, loc) => {
      if (expected422 && loc?.url === expected422 && /^Failed to load resource: the server responded with a status of 422\b/.test(msg.text())) {
        notes.push(`the expected 422 for ${loc.url} (Chromium logs that as a console error; not counted)`);
        expected422 = null;
        return true;
      }
      // The one exception: the favicon Chromium fetches on its own on the
      // identity provider's pages, which the provider does not serve. Noted,
      // not hidden. The app's own origin gets no such pass.
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
        `[${label}] step ${stepNo} "${name}": ${what}\n  page URL: ${page.url()}` +
          (problems.length ? `\n  console errors / CSP violations so far:\n    ${problems.join('\n    ')}` : '') +
          (html ? `\n  <main> HTML (start):\n${html}` : ''),
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

  const onApp = (path) => (url) => url.origin === origin && (typeof path === 'string' ? url.pathname === path : path.test(url.pathname));
  const onProvider = (url) => url.origin !== origin;
  const DETAIL = /^\/advisories\/ECL(-[a-z0-9]{4}){3}\/$/;

  async function textOf(selector) {
    const el = page.locator(selector).first();
    await el.waitFor({ state: 'visible' });
    return squash(await el.textContent());
  }

  // Polls until the text of `selector` satisfies `ok` (htmx swaps and the
  // live score arrive asynchronously); fails with the last text seen.
  async function waitForText(selector, ok, what) {
    const deadline = Date.now() + TIMEOUT_MS;
    let last = null;
    for (;;) {
      const el = page.locator(selector);
      last = (await el.count()) ? squash(await el.first().textContent()) : null;
      if (last !== null && ok(last)) return last;
      if (Date.now() > deadline) {
        throw new StepFailed(`${selector} never showed ${what}; last seen: ${JSON.stringify(last)}`);
      }
      await page.waitForTimeout(100);
    }
  }

  async function valueOf(selector) {
    return page.locator(selector).inputValue();
  }

  // Clicks one of the form's "Add …" buttons (`name="_add" value=prefix`)
  // and waits for the row `appears` (a selector): with JavaScript htmx
  // posts the form and swaps it in place (the URL stays), without it the
  // browser submits the form and the server answers with the form again.
  async function addRow(prefix, appears) {
    const button = page.locator(`#advisory-form button[name="_add"][value="${prefix}"]`);
    check((await button.count()) === 1, `no single "_add" button for ${prefix}`);
    const before = page.url();
    if (js) {
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().headers()['hx-request'] === 'true'),
        button.click(),
      ]);
      check(resp.status() === 200, `the htmx POST for ${prefix} answered ${resp.status()}`);
      await page.locator(appears).waitFor({ state: 'attached' });
      check(page.url() === before, `adding a ${prefix} row with htmx navigated to ${page.url()}`);
    } else {
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
        button.click(),
      ]);
      check(resp.status() === 200, `submitting "_add=${prefix}" answered ${resp.status()}`);
      await page.waitForLoadState();
      await page.locator(appears).waitFor({ state: 'attached' });
    }
  }

  // Clicks #save; returns the answer to the form POST (a 303 on success, a
  // full page on failure) once the resulting page has loaded.
  async function save() {
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === 'POST'),
      page.locator('#save').click(),
    ]);
    await page.waitForLoadState();
    return resp;
  }

  let advisoryPath = null;

  await step(`sign in as ${LOGIN} on the way to /advisories/new/`, async () => {
    await page.goto(`${base}/advisories/new/`);
    await page.waitForURL(onProvider);
    await page.locator('#login-form').waitFor();
    await page.fill('#login', LOGIN);
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    await page.waitForURL(onApp('/advisories/new/'));
    await page.locator('#advisory-form').waitFor();
    if (js) {
      await page.waitForLoadState('load');
      const htmx = await page.evaluate(() => typeof window.htmx);
      check(htmx === 'object', `htmx did not load (window.htmx is ${htmx})`);
    }
  });

  await step('fill the identity, the markdown details and the affected package', async () => {
    const option = page.locator('#f-project option', { hasText: PROJECT });
    check((await option.count()) === 1, `the project list does not offer ${PROJECT} exactly once`);
    await page.selectOption('#f-project', { value: await option.getAttribute('value') });
    await page.fill('#f-summary', summary);
    await page.fill('#f-details', details);
    await page.fill('#f-affected-0-package_ecosystem', 'npm');
    await page.fill('#f-affected-0-package_name', '@theia/debug');
    await page.selectOption('#f-affected-0-range_type', 'SEMVER');
    await page.selectOption('select[name="affected-0-events-0-kind"]', 'introduced');
    await page.fill('input[name="affected-0-events-0-value"]', '1.0.0');
  });

  await step('"Add an event": a second event row, fixed 1.45.1; the typed values survive', async () => {
    await addRow('affected-0-events', 'select[name="affected-0-events-1-kind"]');
    check((await valueOf('#f-summary')) === summary, `the summary is ${JSON.stringify(await valueOf('#f-summary'))} after adding an event`);
    check((await valueOf('#f-details')).replace(/\r\n/g, '\n') === details, 'the details changed after adding an event');
    check((await valueOf('#f-affected-0-package_name')) === '@theia/debug', 'the package name was lost after adding an event');
    check((await valueOf('#f-affected-0-range_type')) === 'SEMVER', 'the range type was lost after adding an event');
    check((await valueOf('input[name="affected-0-events-0-value"]')) === '1.0.0', 'the introduced event was lost after adding an event');
    await page.selectOption('select[name="affected-0-events-1-kind"]', 'fixed');
    await page.fill('input[name="affected-0-events-1-value"]', '1.45.1');
  });

  await step('"Add a reference": fill its URL', async () => {
    const rows = await page.locator('input[name$="-url"][name^="references-"]').count();
    await addRow('references', `input[name="references-${rows}-url"]`);
    check((await valueOf('input[name="affected-0-events-1-value"]')) === '1.45.1', 'the fixed event was lost after adding a reference');
    await page.fill(`input[name="references-${rows}-url"]`, refUrl);
  });

  await step(`a CVSS v4 vector${js ? `: the live score shows ${SCORE}` : ''}; CWE 79`, async () => {
    await page.selectOption('#f-severity-0-type', 'CVSS_V4');
    await page.fill('#f-severity-0-score', VECTOR);
    if (js) {
      await waitForText('output#live-severity-0', (t) => t === SCORE, JSON.stringify(SCORE));
    } else {
      check((await page.locator('output#live-severity-0').textContent()).trim() === '', 'a live score without JavaScript');
    }
    await page.fill('#f-cwe_ids-0-value', '79');
  });

  await step('create: the detail page with the flash, score, markdown, range, CWE and timeline', async () => {
    const resp = await save();
    check(resp.status() === 303, `the create POST answered ${resp.status()}, not 303`);
    await page.waitForURL(onApp(DETAIL));
    advisoryPath = new URL(page.url()).pathname;
    const messages = await textOf('#messages');
    check(messages.includes('Advisory created.'), `#messages is ${JSON.stringify(messages)}`);
    const h1 = await textOf('h1');
    check(h1.includes(summary), `the heading ${JSON.stringify(h1)} lacks the summary`);
    const badge = await textOf('#severity-badge');
    check(badge === SCORE, `#severity-badge is ${JSON.stringify(badge)}, not ${SCORE}`);
    check((await page.locator('#details strong', { hasText: 'launch configuration' }).count()) === 1, 'the details have no <strong>launch configuration</strong>');
    check((await page.locator('#details li').count()) === 2, 'the details do not render the two list items');
    check((await page.locator('#details code', { hasText: 'debug' }).count()) === 1, 'the details have no <code>debug</code>');
    check(!(await page.locator('#details').innerHTML()).includes('**'), 'the details show raw markdown');
    const affected = await textOf('#affected');
    check(affected.includes('npm · @theia/debug'), `#affected lacks "npm · @theia/debug": ${JSON.stringify(affected)}`);
    check(affected.includes('SEMVER: introduced 1.0.0, fixed 1.45.1'), `#affected lacks the range with "fixed 1.45.1": ${JSON.stringify(affected)}`);
    const cwe = page.locator('li', { hasText: 'CWE-79' });
    check((await cwe.count()) === 1, 'no CWE-79 on the detail page');
    const cweText = squash(await cwe.textContent());
    check(cweText === `CWE-79 — ${CWE_NAME}`, `the CWE reads ${JSON.stringify(cweText)}`);
    check((await page.locator(`a[href="${refUrl}"]`).count()) === 1, `no link to the reference ${refUrl}`);
    const timeline = await textOf('#comments');
    check(timeline.includes('created the advisory'), `#comments lacks "created the advisory": ${JSON.stringify(timeline)}`);
    const history = await textOf('#history');
    check(history.includes('1 version'), `#history is ${JSON.stringify(history)}`);
  });

  await step(`edit: a new summary, the reference removed${js ? ' in place' : ''}; saved`, async () => {
    await page.click('#edit');
    await page.waitForURL(onApp(`${advisoryPath}edit/`));
    await page.locator('#advisory-form').waitFor();
    check((await valueOf('#f-summary')) === summary, 'the edit form does not hold the summary');
    check((await valueOf('input[name="references-0-url"]')) === refUrl, 'the edit form does not hold the reference');
    check((await page.locator('input[name="references-1-url"]').count()) === 0, 'the edit form has a second reference row');
    await page.fill('#f-summary', newSummary);
    const remove = page.locator('input[type="checkbox"][name="references-0-DELETE"]');
    if (js) {
      // Ticking it posts the form (htmx) and swaps the form without the row.
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.request().headers()['hx-request'] === 'true'),
        remove.click(),
      ]);
      check(resp.status() === 200, `the htmx POST for the removal answered ${resp.status()}`);
      await page.locator('input[name="references-0-url"]').waitFor({ state: 'detached' });
      check((await valueOf('#f-summary')) === newSummary, 'the new summary was lost when the reference was removed in place');
      check((await valueOf('#f-severity-0-score')) === VECTOR, 'the vector was lost when the reference was removed in place');
      await waitForText('output#live-severity-0', (t) => t === SCORE, `${JSON.stringify(SCORE)} after the swap`);
    } else {
      await remove.check();
    }
    const resp = await save();
    check(resp.status() === 303, `the edit POST answered ${resp.status()}, not 303`);
    await page.waitForURL(onApp(advisoryPath));
    const messages = await textOf('#messages');
    check(messages.includes('Advisory saved.'), `#messages is ${JSON.stringify(messages)}`);
    const h1 = await textOf('h1');
    check(h1.includes(newSummary), `the heading ${JSON.stringify(h1)} lacks the new summary`);
    check((await page.locator(`a[href="${refUrl}"]`).count()) === 0, 'the removed reference is still shown');
    check((await textOf('#severity-badge')) === SCORE, 'the severity changed');
    const history = await textOf('#history');
    check(history.includes('2 versions'), `#history is ${JSON.stringify(history)}`);
  });

  await step('History: the diff shows the old summary removed and the new one added', async () => {
    await page.click('#history');
    await page.waitForURL(onApp(`${advisoryPath}history/`));
    await page.locator('#diff').waitFor();
    const heading = await textOf('#diff h2');
    check(heading.includes('from version 1 to version 2'), `the diff heading is ${JSON.stringify(heading)}`);
    const removed = (await page.locator('#diff span.del').allTextContents()).map(squash);
    const added = (await page.locator('#diff span.add').allTextContents()).map(squash);
    check(removed.includes(`- ${summary}`), `#diff does not remove "- ${summary}"; removed lines: ${JSON.stringify(removed)}`);
    check(added.includes(`+ ${newSummary}`), `#diff does not add "+ ${newSummary}"; added lines: ${JSON.stringify(added)}`);
    check(removed.some((l) => l.includes(refUrl)), `#diff does not show the reference removed; removed lines: ${JSON.stringify(removed)}`);
  });

  await step(`an invalid reference URL (${BAD_URL}): 422 with #form-errors, the typed values kept`, async () => {
    await page.goto(`${base}${advisoryPath}edit/`);
    await page.locator('#advisory-form').waitFor();
    check((await page.locator('input[name="references-0-url"]').count()) === 0, 'the edit form still has a reference row');
    await page.fill('#f-summary', unsaved);
    await addRow('references', 'input[name="references-0-url"]');
    check((await valueOf('#f-summary')) === unsaved, 'the typed summary was lost when adding a reference');
    await page.fill('input[name="references-0-url"]', BAD_URL);
    expected422 = `${base}${advisoryPath}edit/`;
    const resp = await save();
    check(resp.status() === 422, `saving ${BAD_URL} answered ${resp.status()}, not 422`);
    check(new URL(page.url()).pathname === `${advisoryPath}edit/`, `the 422 page is at ${page.url()}`);
    const errors = await textOf('#form-errors');
    check(errors.includes('The advisory was not saved.'), `#form-errors is ${JSON.stringify(errors)}`);
    check(errors.includes('references-0-url'), `#form-errors does not name references-0-url: ${JSON.stringify(errors)}`);
    check((await page.locator('#form-errors a[href="#f-references-0-url"]').count()) === 1, '#form-errors has no link to the URL field');
    check((await valueOf('input[name="references-0-url"]')) === BAD_URL, `the URL field holds ${JSON.stringify(await valueOf('input[name="references-0-url"]'))}`);
    check((await valueOf('#f-summary')) === unsaved, `the summary field holds ${JSON.stringify(await valueOf('#f-summary'))}`);
    check((await valueOf('#f-severity-0-score')) === VECTOR, 'the vector was not kept');
    check((await valueOf('input[name="affected-0-events-1-value"]')) === '1.45.1', 'the fixed event was not kept');
    const fieldError = page.locator('#references .row.has-error .field-error');
    check((await fieldError.count()) >= 1, 'no field error beside the reference URL');
    // Nothing in the page became a javascript: link.
    check((await page.locator('a[href^="javascript:"]').count()) === 0, 'a javascript: link on the 422 page');
    if (js) {
      await waitForText('output#live-severity-0', (t) => t === SCORE, `${JSON.stringify(SCORE)} on the 422 page`);
    }
  });

  // Anything reported after the last step's check counts too.
  check(!problems.length, `[${label}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
  for (const url of favicon404) {
    console.log(`note [${label}]: GET ${url} answered 404 (Chromium logs that as a console error; not counted)`);
  }
  for (const note of notes) console.log(`note [${label}]: ${note}`);
  console.log(`advisory [${label}]: ${advisoryPath.split('/')[2]}`);
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
  console.log(`PASS (${Date.now() - started} ms)`);
} catch (err) {
  console.log(`FAIL: ${err instanceof StepFailed ? err.message : String(err?.stack ?? err)}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
