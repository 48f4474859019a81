// The public report form in a real headless Chromium, driven by
// playwright-core: an anonymous visitor opens /report/ from the top bar,
// chooses a project, fills in a summary, markdown details and a name for
// the credits, submits, and lands on the thank-you page. Walked twice, in
// fresh browser contexts: with JavaScript disabled (the plain select; this
// is the walk the issue asks for) and with JavaScript (the select filtered
// through /report/projects.json). Console errors and CSP violations fail it.
//
// Usage: node tests/browser/intake.mjs <site base URL, e.g. http://127.0.0.1:8000>
// Environment: CHROMIUM, the browser executable (/usr/bin/chromium).
//
// Prints one line per step, `report [<walk>]: <summary>` for each report
// filed (tests/browser_intake.rs finds them in the database), then `PASS`;
// on any failure prints `FAIL: …` with what the browser saw and exits 1.
//
// When the site has ALTCHA_HMAC_KEY set, the JavaScript walk solves the
// proof of work in the browser and the no-JavaScript walk checks that the
// form explains the check and refuses the report (`refused [no-js]: …`).
//
// To add steps (the admin's triage of the filed reports, say), append them
// to `walk` after "submit the report", or add a walk to `WALKS`.

import { existsSync } from 'node:fs';

import { chromium } from 'playwright-core';
import { watchedPage } from './watch.mjs';

const TIMEOUT_MS = 15_000;
const PROJECT = { slug: 'rt.jetty', name: 'Eclipse Jetty' };

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\/[^/]+$/.test(base)) {
  console.error('usage: node tests/browser/intake.mjs <site base URL, e.g. http://127.0.0.1:8000>');
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

const WALKS = [{ javaScriptEnabled: false }, { javaScriptEnabled: true }];

async function walk(browser, { javaScriptEnabled }) {
  const label = javaScriptEnabled ? 'js' : 'no-js';
  const { context, page, problems } = await watchedPage(browser, {
    javaScriptEnabled,
    timeoutMs: TIMEOUT_MS,
    // Chromium asks for /favicon.ico by itself; the app serves its own icon
    // elsewhere. It also logs a 4xx page as an error: allowed only for the
    // refusal a step expects.
    allow: (msg, loc) =>
      Boolean(loc?.url && new URL(loc.url).pathname === '/favicon.ico') ||
      (expectRefusal && /status of 400\b/.test(msg.text()) && new URL(loc?.url ?? base).pathname === '/report/'),
  });
  let expectRefusal = false;

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

  const onApp = (path) => (url) => url.origin === origin && url.pathname === path;
  const summary = `Request smuggling in the HTTP/1 parser (${label} walk)`;

  await step('open the home page, anonymous, and follow "Report a vulnerability"', async () => {
    const resp = await page.goto(`${base}/`);
    check(resp?.status() === 200, `GET / answered ${resp?.status()}`);
    await page.click('#nav-report');
    await page.waitForURL(onApp('/report/'));
    await page.locator('#report-form').waitFor();
    check((await page.locator('input[type="email"], [name="email"]').count()) === 0, 'the form has an e-mail field');
    // The honeypot is in the page but takes no visible room (and is hidden from assistive technology).
    const trap = await page.locator('#trap').boundingBox();
    check(!trap || (trap.width <= 1 && trap.height <= 1), `the honeypot's box is ${JSON.stringify(trap)}`);
    check((await page.getAttribute('#trap', 'aria-hidden')) === 'true', 'the honeypot is not aria-hidden');
  });

  await step(`choose ${PROJECT.name}`, async () => {
    const filter = page.locator('#f-project-filter');
    if (javaScriptEnabled) {
      // The filter appears with JavaScript and narrows the select through projects.json.
      await filter.waitFor({ state: 'visible' });
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/report/projects.json');
      await filter.fill('jet');
      check((await answered).status() === 200, 'projects.json did not answer 200');
      await page.waitForFunction(
        () => Array.from(document.querySelectorAll('#f-project_slug option')).map((o) => o.value).join(',') === ',__unsorted__,rt.jetty',
      );
    } else {
      check(await filter.isHidden(), 'the JavaScript filter shows without JavaScript');
    }
    await page.selectOption('#f-project_slug', PROJECT.slug);
  });

  await step('fill in the report', async () => {
    await page.fill('#f-summary', summary);
    await page.fill('#f-details', 'Steps:\n\n1. send `Transfer-Encoding: chunked` twice\n2. <script>alert(1)</script>');
    await page.fill('#f-reporter_display_name', 'Jane H.');
  });

  // With ALTCHA_HMAC_KEY set, anonymous reporters solve a proof of work,
  // which needs JavaScript; without it the form says so and refuses.
  const captcha = (await page.locator('altcha-widget').count()) > 0;
  if (captcha && !javaScriptEnabled) {
    await step('no JavaScript: the spam check is explained, and the report refused', async () => {
      check(await page.locator('#altcha-noscript').isVisible(), 'no notice about the spam check');
      expectRefusal = true;
      const [resp] = await Promise.all([page.waitForNavigation(), page.click('#submit-report')]);
      check(resp?.status() === 400, `the report without a solution answered ${resp?.status()}`);
      await page.locator('#form-errors').waitFor();
      console.log(`refused [${label}]: ${summary}`);
    });
    check(!problems.length, `[${label}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
    await context.close();
    return;
  }
  if (captcha) {
    await step('solve the spam check in the browser', async () => {
      await page.locator('altcha-widget .altcha-checkbox-wrap label').click();
      await page.waitForFunction(
        () => Boolean(new FormData(document.getElementById('report-form')).get('altcha')),
        null,
        { timeout: 60_000 },
      );
    });
  }

  await step('submit the report: the thank-you page, with no reference', async () => {
    await page.click('#submit-report');
    await page.waitForURL(onApp('/report/thank-you/'));
    await page.locator('#intake-thanks').waitFor();
    check(!(await page.content()).includes('ECL-'), 'the thank-you page shows a reference');
    console.log(`report [${label}]: ${summary}`);
  });

  await step('"Submit another report" opens an empty form', async () => {
    await page.click('#report-another');
    await page.waitForURL(onApp('/report/'));
    check((await page.inputValue('#f-summary')) === '', 'the new form is not empty');
  });

  check(!problems.length, `[${label}] console errors / CSP violations:\n    ${problems.join('\n    ')}`);
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
  for (const options of WALKS) {
    await walk(browser, options);
  }
  console.log(`PASS (${Date.now() - started} ms)`);
} catch (err) {
  console.log(`FAIL: ${err instanceof StepFailed ? err.message : String(err?.stack ?? err)}`);
  exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
}
process.exit(exitCode);
