// Shared helpers of the browser tests: the browser, the API over fetch, admin-API fixtures and
// screenshots. The server is started by scripts/browser-tests.mjs, which sets BASE_URL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

if (!process.env.BASE_URL) {
  throw new Error('BASE_URL is not set: run the browser tests with `node scripts/browser-tests.mjs`');
}
export const BASE_URL = process.env.BASE_URL.replace(/\/+$/, '');
export const SCREENSHOT_DIR = path.resolve(root, process.env.SCREENSHOT_DIR || 'docs/screenshots');
export const VIEWPORT = { width: 1280, height: 800 };
/** Default wait for an element or a navigation: the admin panel is slow on two cores. */
export const TIMEOUT_MS = 30_000;

export const PASSWORD = 'Str0ng-Passw0rd!';
export const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

// ---------------------------------------------------------------------------------------------
// Browser

/** The system's Chromium, headless. Playwright never downloads a browser here. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/**
 * A fresh browser context (its own cookies and local storage, i.e. its own admin session) with
 * one page. Requests to anything but the server under test are aborted: the admin panel asks
 * GitHub for the latest release, and the tests must neither depend on nor wait for the internet.
 * Uncaught page errors and failed server requests are kept in `page.problems` for diagnostics.
 */
export async function newPage(browser) {
  const context = await browser.newContext({ baseURL: BASE_URL, viewport: VIEWPORT, locale: 'en-US', timezoneId: 'UTC' });
  await context.route(
    (url) => !url.href.startsWith(`${BASE_URL}/`) && url.protocol !== 'data:' && url.protocol !== 'blob:',
    (route) => route.abort('blockedbyclient')
  );
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.setDefaultNavigationTimeout(60_000);
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) page.problems.push(`HTTP ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  return page;
}

/** Closes Strapi's "new Media Library" banner when it shows; it is remembered per browser context. */
export async function dismissBanner(page) {
  const close = page.getByRole('button', { name: 'Close the banner.' });
  try {
    await close.waitFor({ state: 'visible', timeout: 3_000 });
    await close.click();
    await close.waitFor({ state: 'hidden', timeout: 5_000 });
  } catch {
    // no banner in this version or this session
  }
}

/** The panel's main navigation (left bar). */
export const mainNav = (page) => page.getByRole('navigation').first();

/** Opens a collection type's list view through Content Manager's own navigation. */
export async function openCollection(page, name) {
  if (!(await page.getByRole('navigation', { name: 'Content Manager' }).isVisible())) {
    await mainNav(page).getByRole('link', { name: 'Content Manager', exact: true }).click();
  }
  await page.getByRole('navigation', { name: 'Content Manager' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { name, level: 1, exact: true }).waitFor();
  await page.getByText(/^\d+ entr(y|ies) found$/).waitFor();
}

/** Types a word into a list view's search box and waits for the filtered list. */
export async function searchList(page, collection, word) {
  const box = page.getByRole('searchbox', { name: `Search for ${collection}` });
  if (!(await box.isVisible())) await page.getByRole('main').getByRole('button', { name: 'Search', exact: true }).click();
  await box.fill(word);
  const listed = page.waitForResponse(
    (res) => res.url().includes('/content-manager/collection-types/') && res.url().includes(`_q=${encodeURIComponent(word)}`)
  );
  await box.press('Enter');
  await listed;
  await page.waitForURL((url) => url.searchParams.get('_q') === word);
}

/** The region where the panel shows its notifications (toasts). */
export const notices = (page) => page.getByRole('region', { name: /^Notifications/ });

/** Closes every notification on screen, so that the next one can be told apart from old ones. */
export async function clearNotices(page) {
  const toasts = notices(page).getByRole('listitem');
  const close = notices(page).getByRole('button', { name: 'Close', exact: true });
  const deadline = Date.now() + 10_000;
  while ((await toasts.count()) > 0 && Date.now() < deadline) {
    // A toast may time out and leave meanwhile, or sit behind another one: never wait long here.
    if ((await close.count()) > 0) await close.first().click({ timeout: 1_000 }).catch(() => {});
    await page.waitForTimeout(200);
  }
}

/**
 * Clicks Save, waits for the server's answer to that save (a PUT to a URL containing urlPart)
 * and then for the panel's notification `notice`. Returns the server's answer.
 */
export async function saveAndWait(page, urlPart, notice) {
  await clearNotices(page);
  const saved = page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().includes(urlPart), {
    timeout: TIMEOUT_MS,
  });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const response = await saved;
  if (response.ok()) await notices(page).getByText(notice, { exact: true }).waitFor();
  return response;
}

/** Waits until the page shows no loader: the network is idle and no "Loading …" text remains. */
export async function settle(page) {
  await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {});
  await page.waitForFunction(() => !/Loading( widget)? content/i.test(document.body.innerText), null, { timeout: TIMEOUT_MS });
  // Let the last transition (toasts sliding in, accordions opening) finish before a picture.
  await page.waitForTimeout(400);
}

/**
 * Takes the screenshot docs/screenshots/<name>.png of the viewport (1280x800). Notifications are
 * closed first (they would cover the page's title); the tests check them before.
 */
export async function screenshot(page, name) {
  await clearNotices(page);
  await settle(page);
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  return file;
}

/**
 * Runs one scenario step; when it fails, saves the page as it was and prints what the browser
 * reported, then fails with the original error.
 */
export async function withDiagnostics(page, name, fn) {
  try {
    return await fn();
  } catch (error) {
    try {
      const file = path.join(os.tmpdir(), `browser-test-failure-${name}-${Date.now()}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.error(`[browser] ${name} failed on ${page.url()}; screenshot: ${file}`);
      if (page.problems.length) console.error(`[browser] the page reported:\n  ${page.problems.join('\n  ')}`);
    } catch {
      // the page is gone
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** One request to the server; JSON in and out. Returns { status, body }. */
export async function http(method, url, { body, jwt, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (jwt || token) headers.Authorization = `Bearer ${jwt || token}`;
  const res = await fetch(`${BASE_URL}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

function expectStatus(res, status, what) {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Registers an API user (POST /api/auth/local/register): { jwt, user, username, email }. */
export async function registerUser(username) {
  const email = `${username}@example.com`;
  const body = expectStatus(
    await http('POST', '/api/auth/local/register', { body: { username, email, password: PASSWORD } }),
    200,
    `register ${username}`
  );
  return { jwt: body.jwt, user: body.user, username, email };
}

/** Creates a post as the given user (POST /api/posts); returns the post. */
export async function createPost(user, title, description = '') {
  return expectStatus(await http('POST', '/api/posts', { jwt: user.jwt, body: { title, description } }), 201, `create post "${title}"`).data;
}

/** Reports a post as spam (POST /api/posts/report/:id); returns the report. */
export async function reportPost(user, post, reason = 'spam') {
  return expectStatus(await http('POST', `/api/posts/report/${post.documentId}`, { jwt: user.jwt, body: { reason } }), 201, 'report post').data;
}

/** Logs an administrator in through the admin API (POST /admin/login); returns the access token. */
export async function adminToken(email, password) {
  return expectStatus(await http('POST', '/admin/login', { body: { email, password } }), 200, `admin login ${email}`).data.token;
}

/**
 * Creates an active admin-panel user with the role of the given code, as a super admin would in
 * Settings → Users: POST /admin/users (answers a registration token), then POST /admin/register
 * with that token and a password. Returns { email, password, firstname, lastname }.
 */
export async function createAdminUser(superAdminToken, { roleCode, firstname, lastname, email, password = ADMIN_PASSWORD }) {
  const roles = expectStatus(await http('GET', '/admin/roles', { token: superAdminToken }), 200, 'GET /admin/roles').data;
  const role = roles.find((r) => r.code === roleCode);
  if (!role) throw new Error(`no admin role with code ${roleCode} (roles: ${roles.map((r) => r.code).join(', ')})`);
  const created = expectStatus(
    await http('POST', '/admin/users', { token: superAdminToken, body: { firstname, lastname, email, roles: [role.id] } }),
    201,
    `create admin user ${email}`
  ).data;
  if (!created.registrationToken) throw new Error(`POST /admin/users answered no registrationToken: ${JSON.stringify(created)}`);
  expectStatus(
    await http('POST', '/admin/register', {
      body: { registrationToken: created.registrationToken, userInfo: { firstname, lastname, password } },
    }),
    200,
    `activate admin user ${email}`
  );
  return { email, password, firstname, lastname };
}
