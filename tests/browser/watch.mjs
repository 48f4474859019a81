// What both browser scripts watch on every page: console errors (Chromium
// logs CSP violations there too), uncaught exceptions and — when scripts run
// — securitypolicyviolation events. `allow(msg, location)` may excuse a
// console error (returning true); everything else lands in `problems`.
export async function watchedPage(browser, { javaScriptEnabled, timeoutMs, allow }) {
  const context = await browser.newContext({ javaScriptEnabled });
  context.setDefaultTimeout(timeoutMs);
  context.setDefaultNavigationTimeout(timeoutMs);
  const problems = [];
  await context.exposeFunction('__ahReportViolation', (v) => {
    problems.push(
      `securitypolicyviolation on ${v.documentURI}: ${v.effectiveDirective} blocked ${v.blockedURI || '(inline)'}` +
        (v.sample ? ` (sample: ${v.sample})` : ''),
    );
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__ahReportViolation({
        documentURI: e.documentURI,
        effectiveDirective: e.effectiveDirective,
        blockedURI: e.blockedURI,
        sample: e.sample,
      });
    });
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const loc = msg.location();
    if (allow?.(msg, loc)) return;
    problems.push(`console error on ${page.url()}: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  return { context, page, problems };
}
