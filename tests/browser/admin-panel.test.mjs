// The admin panel's workflows in a real Chromium, against the built production server (started
// by scripts/browser-tests.mjs on a fresh database). The scenarios run in order and build on one
// another: the first one registers the first administrator.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN_PASSWORD,
  adminToken,
  createAdminUser,
  createPost,
  dismissBanner,
  http,
  launchBrowser,
  mainNav,
  newPage,
  openCollection,
  registerUser,
  reportPost,
  saveAndWait,
  screenshot,
  searchList,
  withDiagnostics,
} from './helpers.mjs';

const SCENARIO_TIMEOUT_MS = 120_000;
const MODERATOR_ROLE = 'social-moderator';

const admin = { firstname: 'Ada', lastname: 'Admin', email: 'ada@example.com', password: ADMIN_PASSWORD };
const moderator = { firstname: 'Mo', lastname: 'Derator', email: 'mo@example.com', password: 'M0derat0r-Passw0rd!' };

let browser;
let adminPage; // the first administrator's session, from scenario 1 on
let modPage; // the moderator's session, from scenario 3 on
const fixtures = {};

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Fills the login form at /admin and waits for the home page. */
async function logIn(page, { email, password, firstname }) {
  await page.goto('/admin');
  await page.waitForURL(/\/admin\/auth\/login/);
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await page.getByRole('button', { name: 'Login', exact: true }).click();
  await page.getByRole('heading', { name: `Hello ${firstname}` }).waitFor();
}

describe('admin panel', () => {
  test('1. the first administrator registers at /admin and lands on the home page', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    adminPage = await newPage(browser);
    const page = adminPage;
    await withDiagnostics(page, 'first-admin', async () => {
      const info = await http('GET', '/admin/init');
      assert.equal(info.status, 200);
      assert.equal(info.body.data.hasAdmin, false, 'the database must be fresh: an administrator exists already');

      await page.goto('/admin');
      // A fresh database shows the registration form instead of the login form.
      await page.waitForURL(/\/admin\/auth\/register-admin/);
      await page.getByRole('heading', { name: 'Welcome to Strapi!' }).waitFor();
      await page.getByRole('textbox', { name: 'First name', exact: true }).fill(admin.firstname);
      await page.getByRole('textbox', { name: 'Last name', exact: true }).fill(admin.lastname);
      await page.getByRole('textbox', { name: 'Email', exact: true }).fill(admin.email);
      await page.getByRole('textbox', { name: 'Password', exact: true }).fill(admin.password);
      await page.getByRole('textbox', { name: 'Confirm Password', exact: true }).fill(admin.password);
      await page.getByRole('button', { name: "Let's start", exact: true }).click();

      await page.waitForURL((url) => url.pathname.replace(/\/$/, '') === '/admin');
      await page.getByRole('heading', { name: `Hello ${admin.firstname}` }).waitFor();
      await dismissBanner(page);
      await assertVisible(mainNav(page).getByRole('link', { name: 'Settings', exact: true }));
      await assertVisible(page.getByRole('button', { name: `${initials(admin)} ${admin.firstname} ${admin.lastname}` }));
      await screenshot(page, '01-first-admin-home');

      assert.equal((await http('GET', '/admin/init')).body.data.hasAdmin, true);
      fixtures.adminToken = await adminToken(admin.email, admin.password);
      const me = await http('GET', '/admin/users/me', { token: fixtures.adminToken });
      assert.deepEqual(
        me.body.data.roles.map((role) => role.code),
        ['strapi-super-admin'],
        'the first administrator is a super admin'
      );
    });
  });

  test('2. an administrator revokes and restores Post → like for Authenticated', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    assert.ok(adminPage && fixtures.adminToken, 'scenario 1 did not register the first administrator');
    const page = adminPage;
    await withDiagnostics(page, 'roles', async () => {
      const author = await registerUser('alice');
      const fan = await registerUser('bob');
      const post = await createPost(author, 'A post to like');
      const like = () => http('POST', `/api/posts/like/${post.documentId}`, { jwt: fan.jwt });
      assert.equal((await like()).status, 200, 'Authenticated may like by default');

      await mainNav(page).getByRole('link', { name: 'Settings', exact: true }).click();
      const settingsNav = page.getByRole('navigation', { name: 'Settings' });
      await settingsNav
        .getByRole('listitem')
        .filter({ hasText: 'Users & Permissions plugin' })
        .getByRole('link', { name: 'Roles', exact: true })
        .click();
      await page.getByRole('link', { name: 'Edit Authenticated', exact: true }).click();
      await page.getByRole('heading', { name: 'Authenticated', level: 1 }).waitFor();

      const postSection = page.getByRole('region', { name: /^Post Define all allowed actions/ });
      await page.getByRole('button', { name: /^Post Define all allowed actions/ }).click();
      const likeBox = postSection.getByRole('checkbox', { name: 'like', exact: true });
      await likeBox.waitFor();
      assert.equal(await likeBox.isChecked(), true);
      await likeBox.uncheck();
      let saved = await saveAndWait(page, '/users-permissions/roles/', 'Role edited');
      assert.equal(saved.status(), 200, 'saving the role');

      const denied = await like();
      assert.equal(denied.status, 403, `like must be refused once unticked: ${JSON.stringify(denied.body)}`);
      assert.equal(denied.body.error.name, 'ForbiddenError');

      // The picture: the Post section open, "like" unticked, and its route in Advanced settings.
      await postSection.getByRole('button', { name: 'Show bound route for api::post.controllers.post.like', exact: true }).click();
      await page.getByText('/api/posts/like/:id').waitFor();
      await page.getByRole('heading', { name: 'Permissions', level: 2 }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.mouse.wheel(0, -90); // keep the heading clear of the sticky page header
      await screenshot(page, '02-authenticated-role-post-permissions');

      // The change is stored: a reload shows the box still unticked.
      await page.reload();
      await page.getByRole('button', { name: /^Post Define all allowed actions/ }).click();
      await likeBox.waitFor();
      assert.equal(await likeBox.isChecked(), false, 'like stays unticked after a reload');
      await likeBox.check();
      saved = await saveAndWait(page, '/users-permissions/roles/', 'Role edited');
      assert.equal(saved.status(), 200, 'saving the role again');
      const allowed = await like();
      assert.equal(allowed.status, 200, `like must work again once ticked: ${JSON.stringify(allowed.body)}`);
      assert.equal(allowed.body.data.likedByMe, true);
    });
  });

  test('3. a moderator hides a reported post and resolves the report', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    assert.ok(fixtures.adminToken, 'scenario 1 did not register the first administrator');
    await createAdminUser(fixtures.adminToken, { roleCode: MODERATOR_ROLE, ...moderator });

    const author = await registerUser('watch_seller');
    const reporter = await registerUser('carol');
    const reader = await registerUser('dave');
    await createPost(author, 'Sunset over the lake', 'Taken last night.');
    const spam = await createPost(author, 'Cheap watches, limited offer', 'Buy now!!!');
    await createPost(reader, 'My first post', 'Hello everyone.');
    // Some activity, so the list view's likes and comments columns have something to count.
    assert.equal((await http('POST', `/api/posts/like/${spam.documentId}`, { jwt: reader.jwt })).status, 200);
    assert.equal(
      (await http('POST', `/api/posts/comment/${spam.documentId}`, { jwt: reader.jwt, body: { content: 'Looks like a scam.' } })).status,
      201
    );
    const report = await reportPost(reporter, spam, 'spam');
    assert.equal(report.status, 'open');
    assert.equal((await http('GET', `/api/posts/${spam.documentId}`, { jwt: reader.jwt })).status, 200);
    fixtures.author = author;

    modPage = await newPage(browser);
    const page = modPage;
    await withDiagnostics(page, 'moderation', async () => {
      await logIn(page, moderator);
      await dismissBanner(page);
      // A moderator has no Content-Type Builder, Media Library or Marketplace.
      for (const link of ['Content-Type Builder', 'Media Library', 'Marketplace']) {
        assert.equal(await mainNav(page).getByRole('link', { name: link, exact: true }).count(), 0, `a moderator sees no ${link}`);
      }

      // The report, in Content Manager → Report.
      await openCollection(page, 'Report');
      const reportRow = page.getByRole('row').filter({ hasText: spam.title });
      await reportRow.waitFor();
      await assertVisible(reportRow.getByRole('gridcell', { name: 'spam', exact: true }));
      await assertVisible(reportRow.getByRole('gridcell', { name: reporter.username, exact: true }));
      await assertVisible(reportRow.getByRole('gridcell', { name: 'open', exact: true }));

      // The reported post, found with the search box of Content Manager → Post.
      await openCollection(page, 'Post');
      await searchList(page, 'Post', 'watches');
      await page.getByText('1 entry found', { exact: true }).waitFor();
      const headers = await page.getByRole('row').first().getByRole('gridcell').allInnerTexts();
      assert.deepEqual(
        headers.map((h) => h.trim().toLowerCase()).filter(Boolean),
        ['id', 'title', 'author', 'likes', 'comments', 'hidden', 'open reports', 'created']
      );
      const postRow = page.getByRole('row').filter({ hasText: spam.title });
      await assertVisible(postRow.getByRole('gridcell', { name: author.username, exact: true }));
      await assertVisible(postRow.getByRole('gridcell', { name: 'False', exact: true }));
      await screenshot(page, '03-post-list');

      // Hide it.
      await postRow.getByRole('gridcell', { name: spam.title, exact: true }).click();
      await page.getByRole('heading', { name: spam.title, level: 1 }).waitFor();
      const hidden = page.getByRole('checkbox', { name: 'hidden', exact: true });
      assert.equal(await hidden.isChecked(), false);
      await hidden.check();
      let saved = await saveAndWait(page, `/content-manager/collection-types/api::post.post/${spam.documentId}`, 'Saved document');
      assert.equal(saved.status(), 200, 'saving the post');
      assert.equal(await hidden.isChecked(), true);
      await screenshot(page, '04-post-edit-hidden');

      // Resolve the report.
      await openCollection(page, 'Report');
      await page.getByRole('row').filter({ hasText: spam.title }).getByRole('gridcell', { name: 'spam', exact: true }).click();
      await page.getByRole('heading', { name: new RegExp(spam.title), level: 1 }).waitFor();
      // The workflow field reads "status", as in the list and the API (the stored attribute is `state`).
      const state = page.getByRole('combobox', { name: 'status', exact: true });
      await assertText(state, 'open');
      await state.click();
      await page.getByRole('option', { name: 'resolved', exact: true }).click();
      await assertText(state, 'resolved');
      saved = await saveAndWait(page, `/content-manager/collection-types/api::report.report/${report.documentId}`, 'Saved document');
      assert.equal(saved.status(), 200, 'saving the report');
      // The server records who resolved it.
      await page.waitForFunction(
        (email) => document.querySelector('input[name="resolvedBy"]')?.value.includes(email),
        moderator.email,
        { timeout: 15_000 }
      );
      await screenshot(page, '05-report-resolved');

      const hiddenForOthers = await http('GET', `/api/posts/${spam.documentId}`, { jwt: reader.jwt });
      assert.equal(hiddenForOthers.status, 404, `a hidden post answers 404 to others: ${JSON.stringify(hiddenForOthers.body)}`);
      assert.equal(hiddenForOthers.body.error.name, 'NotFoundError');
      const own = await http('GET', `/api/posts/${spam.documentId}`, { jwt: author.jwt });
      assert.equal(own.status, 200);
      assert.equal(own.body.data.hidden, true);
    });
  });

  test('4. a moderator blocks a user, whose token then stops working', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    assert.ok(modPage && fixtures.author, 'scenario 3 did not log the moderator in');
    const page = modPage;
    const { author } = fixtures;
    assert.equal((await http('GET', '/api/users/users', { jwt: author.jwt })).status, 200);
    await withDiagnostics(page, 'block-user', async () => {
      await openCollection(page, 'User');
      await searchList(page, 'User', author.username);
      await page.getByText('1 entry found', { exact: true }).waitFor();
      await page.getByRole('row').filter({ hasText: author.email }).getByRole('gridcell', { name: author.username, exact: true }).click();
      await page.getByRole('heading', { name: author.username, level: 1 }).waitFor();

      const blocked = page.getByRole('checkbox', { name: 'blocked', exact: true });
      assert.equal(await blocked.isChecked(), false);
      await blocked.check();
      const saved = await saveAndWait(page, '/content-manager/collection-types/plugin::users-permissions.user/', 'Saved document');
      assert.equal(saved.status(), 200, 'saving the user');
      assert.equal(await blocked.isChecked(), true);
      await screenshot(page, '06-user-blocked');

      const me = await http('GET', '/api/users/users', { jwt: author.jwt });
      assert.equal(me.status, 401, `a blocked user's token is refused: ${JSON.stringify(me.body)}`);
    });
  });
});

const initials = ({ firstname, lastname }) => `${firstname[0]}${lastname[0]}`.toUpperCase();

async function assertVisible(locator) {
  await locator.waitFor({ state: 'visible' });
}

/** Waits until the element's text is the given one (comboboxes update after a click). */
async function assertText(locator, text) {
  const deadline = Date.now() + 10_000;
  let last;
  while (Date.now() < deadline) {
    last = (await locator.innerText()).trim();
    if (last === text) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(last, text);
}
