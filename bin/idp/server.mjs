// AdvisoryHub's development and end-to-end-test OpenID Connect identity
// provider: oidc-provider on the loopback interface, one confidential client,
// demo users from a JSON file that is re-read on every lookup, and plain HTML
// interaction pages (no JavaScript, no external resources).
//
// Start it with bin/idp/run. It prints exactly one line, `READY <issuer>`, to
// stdout once it listens; request logs and warnings go to stderr.
//
// Environment (all optional):
//   IDP_PORT                       port on 127.0.0.1 (8701)
//   IDP_ISSUER                     issuer URL (http://127.0.0.1:<port>); origin only, no path
//   IDP_CLIENT_ID                  the one client's id (advisoryhub-dev)
//   IDP_CLIENT_SECRET              its secret (advisoryhub-dev-secret)
//   IDP_REDIRECT_URIS              comma-separated redirect URIs
//   IDP_POST_LOGOUT_REDIRECT_URIS  comma-separated post-logout redirect URIs
//   IDP_SIGN_ALG                   ES256 (default) or RS256; the ID token signing key
//   IDP_USERS_FILE                 users file (users.json next to this file)
//   IDP_QUIET                      1: no request log lines on stderr

import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider, { interactionPolicy } from 'oidc-provider';
// The package's own in-memory adapter; given a store of ours it keeps every
// entry until it expires instead of evicting after 1000 entries.
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

// stdout carries the READY line and nothing else: oidc-provider prints its
// notices with console.info, so route console.log/info to stderr.
console.log = console.error;
console.info = console.error;

const HERE = dirname(fileURLToPath(import.meta.url));

function list(value, fallback) {
  const items = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : fallback;
}

function die(message) {
  process.stderr.write(`idp: ${message}\n`);
  process.exit(2);
}

const PORT = Number.parseInt(process.env.IDP_PORT || '8701', 10);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) die(`IDP_PORT is not a port: ${process.env.IDP_PORT}`);
const ISSUER = (process.env.IDP_ISSUER || `http://127.0.0.1:${PORT}`).replace(/\/+$/, '');
{
  let url;
  try {
    url = new URL(ISSUER);
  } catch {
    die(`IDP_ISSUER is not a URL: ${ISSUER}`);
  }
  if (url.pathname !== '/' || url.search || url.hash) die(`IDP_ISSUER must be an origin without a path: ${ISSUER}`);
}
const CLIENT_ID = process.env.IDP_CLIENT_ID || 'advisoryhub-dev';
const CLIENT_SECRET = process.env.IDP_CLIENT_SECRET || 'advisoryhub-dev-secret';
const REDIRECT_URIS = list(process.env.IDP_REDIRECT_URIS, [
  'http://127.0.0.1:8000/oidc/callback/',
  'http://localhost:8000/oidc/callback/',
]);
const POST_LOGOUT_REDIRECT_URIS = list(process.env.IDP_POST_LOGOUT_REDIRECT_URIS, [
  'http://127.0.0.1:8000/accounts/signed-out/',
  'http://localhost:8000/accounts/signed-out/',
]);
const SIGN_ALG = (process.env.IDP_SIGN_ALG || 'ES256').toUpperCase();
const USERS_FILE = resolve(process.env.IDP_USERS_FILE || join(HERE, 'users.json'));
const QUIET = process.env.IDP_QUIET === '1';

const SCOPES = ['openid', 'email', 'profile', 'groups'];

// ------------------------------------------------------------------ users

// Read on every call so that a test can rewrite the file between sign-ins.
function loadUsers() {
  const parsed = JSON.parse(readFileSync(USERS_FILE, 'utf8'));
  const users = Array.isArray(parsed) ? parsed : Object.values(parsed);
  for (const user of users) {
    if (!user || typeof user.id !== 'string' || typeof user.email !== 'string') {
      throw new Error(`${USERS_FILE}: every user needs a string "id" and "email"`);
    }
  }
  return users;
}

function userById(id) {
  return loadUsers().find((user) => user.id === id);
}

function userByLogin(login) {
  const wanted = login.trim().toLowerCase();
  if (!wanted) return undefined;
  return loadUsers().find((user) => user.email.toLowerCase() === wanted || user.id === login.trim());
}

function passwordMatches(user, password) {
  if (typeof user.password !== 'string') return false;
  const a = Buffer.from(user.password, 'utf8');
  const b = Buffer.from(password, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function claimsOf(user) {
  return {
    sub: user.id,
    email: user.email,
    email_verified: user.email_verified === true,
    name: user.name,
    given_name: user.given_name,
    family_name: user.family_name,
    groups: Array.isArray(user.groups) ? user.groups.map(String) : [],
  };
}

async function findAccount(ctx, sub) {
  if (!userById(sub)) return undefined;
  return {
    accountId: sub,
    async claims() {
      const user = userById(sub);
      // A user removed from the file after signing in keeps only "sub".
      return user ? claimsOf(user) : { sub };
    },
  };
}

// ------------------------------------------------------------------ keys

function signingKey(alg) {
  let pair;
  if (alg === 'ES256') {
    pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  } else if (alg === 'RS256') {
    pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  } else {
    die(`IDP_SIGN_ALG must be ES256 or RS256, not ${alg}`);
  }
  return { ...pair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `dev-${alg.toLowerCase()}-${randomUUID().slice(0, 8)}` };
}

// ------------------------------------------------------------------ storage

// A Map with per-entry expiry, in the shape MemoryAdapter expects.
class ExpiringStore {
  #map = new Map();

  get(key) {
    const entry = this.#map.get(key);
    if (!entry) return undefined;
    if (entry.expiry !== undefined && entry.expiry <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key, value, { maxAge } = {}) {
    const expiry = typeof maxAge === 'number' && Number.isFinite(maxAge) ? Date.now() + maxAge : undefined;
    this.#map.set(key, { value, expiry });
    return this;
  }

  delete(key) {
    return this.#map.delete(key);
  }

  sweep() {
    const now = Date.now();
    for (const [key, entry] of this.#map) {
      if (entry.expiry !== undefined && entry.expiry <= now) this.#map.delete(key);
    }
  }
}

const CLOCK_TOLERANCE = 15;
const store = new ExpiringStore();
setInterval(() => store.sweep(), 60_000).unref();

// ------------------------------------------------------------------ HTML

function esc(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}label{display:block;margin-top:1rem}input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.5rem 1.2rem;font-size:1rem}.error{color:#a00;font-weight:bold}
.hint{color:#555;font-size:.9rem}table{border-collapse:collapse;font-size:.85rem;margin-top:.5rem}td{padding:.1rem .6rem .1rem 0}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function loginPage({ uid, clientName, login, error }) {
  let users = [];
  try {
    users = loadUsers();
  } catch {
    // the form still works; the hint table is just empty
  }
  const rows = users
    .map((u) => `<tr><td>${esc(u.email)}</td><td>${esc(u.role ?? '')}</td></tr>`)
    .join('\n');
  return page('Sign in — AdvisoryHub dev identity provider', `<h1>Sign in to ${esc(clientName)}</h1>
<p class="hint">AdvisoryHub development identity provider</p>
${error ? `<p class="error" id="login-error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}" id="login-form">
<label for="login">E-mail</label>
<input type="text" id="login" name="login" value="${esc(login)}" autocomplete="username" autocapitalize="off" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>
<form method="post" action="/interaction/${esc(uid)}/abort" id="cancel-form">
<button type="submit" id="cancel">Cancel</button>
</form>
<p class="hint">Demo accounts (from ${esc(USERS_FILE.split('/').pop())}):</p>
<table>
${rows}
</table>
`);
}

function messagePage(title, message) {
  return page(title, `<h1>${esc(title)}</h1>
<p id="message">${esc(message)}</p>
`);
}

// ------------------------------------------------------------------ provider

const policy = interactionPolicy.base();
// oidc-provider prompts for max_age only when strictly more than max_age
// seconds have passed since the last login, so max_age=0 would not prompt
// within the second of that login. Treat max_age=0 as "always".
{
  const { Check } = interactionPolicy;
  const loginPrompt = policy.get('login');
  const index = loginPrompt.checks.findIndex((check) => check.reason === 'max_age');
  loginPrompt.checks.splice(index, 1, new Check('max_age', 'End-User authentication could not be obtained', (ctx) => {
    const { oidc } = ctx;
    if (oidc.params.max_age === undefined) return Check.NO_NEED_TO_PROMPT;
    if (!oidc.session.accountId) return Check.REQUEST_PROMPT;
    if (oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
    const maxAge = Number(oidc.params.max_age);
    if (maxAge === 0 || oidc.session.past(maxAge)) return Check.REQUEST_PROMPT;
    return Check.NO_NEED_TO_PROMPT;
  }));
}

const configuration = {
  adapter: (model) => new MemoryAdapter(model, store, CLOCK_TOLERANCE),
  clockTolerance: CLOCK_TOLERANCE,
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      client_name: 'AdvisoryHub',
      redirect_uris: REDIRECT_URIS,
      post_logout_redirect_uris: POST_LOGOUT_REDIRECT_URIS,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // oidc-provider accepts client_secret_post too for a client registered
      // with client_secret_basic (and vice versa).
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: SIGN_ALG,
      // auth_time in every ID token, not only when max_age/prompt=login asked.
      require_auth_time: true,
    },
  ],
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  pkce: { required: () => true },
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    groups: ['groups'],
    acr: null,
    sid: null,
    auth_time: null,
    iss: null,
  },
  // The scope-granted claims go into the ID token too, not only userinfo.
  conformIdTokenClaims: false,
  findAccount,
  jwks: { keys: [signingKey(SIGN_ALG)] },
  enabledJWA: { idTokenSigningAlgValues: [SIGN_ALG] },
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    // No "secure" attribute: oidc-provider sets it only when the request is
    // https (ctx.secure), so plain http on 127.0.0.1 works.
  },
  interactions: {
    policy,
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource,
      postLogoutSuccessSource,
    },
  },
  renderError,
  ttl: {
    AccessToken: 60 * 60,
    AuthorizationCode: 60,
    IdToken: 60 * 60,
    Interaction: 60 * 60,
    Session: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
  },
};

// `form` is oidc-provider's <form id="op.logoutForm" ...> holding the hidden
// xsrf input. logout=yes goes in as a hidden input too, so any submit ends the
// whole IdP session (without it only this client's grant would be dropped).
async function logoutSource(ctx, form) {
  const withLogout = form.replace('</form>', `<input type="hidden" name="logout" value="yes"/>
<button type="submit" id="confirm-logout">Sign out</button>
</form>`);
  ctx.type = 'html';
  ctx.body = page('Sign out — AdvisoryHub dev identity provider', `<h1>Sign out?</h1>
<p>Do you want to sign out of the AdvisoryHub development identity provider at ${esc(ctx.host)}?</p>
${withLogout}
`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out — AdvisoryHub dev identity provider', `<h1>Signed out</h1>
<p id="signed-out">You have been signed out of the AdvisoryHub development identity provider.</p>
`);
}

async function renderError(ctx, out) {
  ctx.type = 'html';
  const rows = Object.entries(out)
    .map(([key, value]) => `<p><strong>${esc(key)}</strong>: <span id="${esc(key)}">${esc(value)}</span></p>`)
    .join('\n');
  ctx.body = page('Error — AdvisoryHub dev identity provider', `<h1>Something went wrong</h1>
${rows}
`);
}

const provider = new Provider(ISSUER, configuration);

// Registered first so that it wraps the interaction pages too.
if (!QUIET) {
  provider.use(async (ctx, next) => {
    const started = Date.now();
    try {
      await next();
    } finally {
      process.stderr.write(`idp: ${ctx.method} ${ctx.path} ${ctx.status} ${Date.now() - started}ms\n`);
    }
  });
}

// ------------------------------------------------------------------ interactions

async function readForm(ctx) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 64 * 1024) ctx.throw(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function html(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

// Everything the login asked for is granted: there is one first-party client.
async function grantFor(details, accountId) {
  const { params, prompt } = details;
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
    if (grant && grant.accountId !== accountId) grant = undefined;
  }
  grant ??= new provider.Grant({ accountId, clientId: params.client_id });
  const requested = String(params.scope ?? '').split(' ').filter((scope) => SCOPES.includes(scope));
  if (requested.length) grant.addOIDCScope(requested.join(' '));
  const missing = prompt.details ?? {};
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

// auth_time has a resolution of one second; a fresh login in the same second
// as the previous one on this browser session gets previous + 1, so a forced
// re-authentication always yields a strictly newer auth_time.
async function loginTimestamp(details) {
  const now = Math.floor(Date.now() / 1000);
  if (!details.session?.uid) return now;
  const session = await provider.Session.findByUid(details.session.uid);
  const previous = session?.loginTs;
  return typeof previous === 'number' && previous >= now ? previous + 1 : now;
}

async function finish(ctx, result) {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.set('Cache-Control', 'no-store');
  ctx.redirect(returnTo);
}

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/abort)?$/.exec(ctx.path);
  if (!match) return next();
  const [, uid, abort] = match;
  if (ctx.method !== 'GET' && ctx.method !== 'POST') {
    ctx.set('Allow', 'GET, POST');
    return html(ctx, 405, messagePage('Method not allowed', `${ctx.method} is not allowed here.`));
  }

  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return html(ctx, 400, messagePage('Sign-in expired', 'This sign-in request is unknown or has expired. Start again from the application.'));
  }
  if (details.uid !== uid) {
    return html(ctx, 400, messagePage('Sign-in mismatch', 'This page does not belong to the current sign-in request. Start again from the application.'));
  }

  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName || details.params.client_id;

  if (abort) {
    if (ctx.method !== 'POST') return html(ctx, 405, messagePage('Method not allowed', 'Use the Cancel button.'));
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  }

  if (details.prompt.name === 'consent') {
    // The user is already signed in; grant silently.
    const grantId = await grantFor(details, details.session.accountId);
    return finish(ctx, { consent: { grantId } });
  }

  if (details.prompt.name !== 'login') {
    return html(ctx, 400, messagePage('Unsupported prompt', `This identity provider cannot handle the "${details.prompt.name}" prompt.`));
  }

  if (ctx.method === 'GET') {
    return html(ctx, 200, loginPage({ uid, clientName, login: details.params.login_hint ?? '' }));
  }

  const form = await readForm(ctx);
  const login = form.get('login') ?? '';
  const password = form.get('password') ?? '';
  let user;
  try {
    user = userByLogin(login);
  } catch (err) {
    console.error(`idp: cannot read ${USERS_FILE}: ${err.message}`);
    return html(ctx, 500, loginPage({ uid, clientName, login, error: `The users file cannot be read: ${err.message}` }));
  }
  if (!user || !passwordMatches(user, password)) {
    return html(ctx, 401, loginPage({ uid, clientName, login, error: 'Wrong e-mail or password.' }));
  }

  const ts = await loginTimestamp(details);
  const grantId = await grantFor(details, user.id);
  return finish(ctx, {
    login: { accountId: user.id, ts, amr: ['pwd'], remember: true },
    consent: { grantId },
  });
});

for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error', 'end_session_confirm.error', 'jwks.error', 'discovery.error']) {
  provider.on(event, (ctx, err) => {
    const detail = err?.error_description ? ` (${err.error_description})` : '';
    process.stderr.write(`idp: ${event}: ${err?.message ?? err}${detail}\n`);
  });
}

// ------------------------------------------------------------------ server

const server = createServer(provider.callback());
server.on('error', (err) => die(`cannot listen on 127.0.0.1:${PORT}: ${err.message}`));
server.listen(PORT, '127.0.0.1', () => {
  process.stdout.write(`READY ${ISSUER}\n`);
});

function shutdown(signal) {
  process.stderr.write(`idp: ${signal}, stopping\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
