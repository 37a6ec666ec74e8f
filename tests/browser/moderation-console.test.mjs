// The moderation console (issue 15) in a real Chromium, against the built production server
// started by scripts/browser-tests.mjs. Runs after admin-panel.test.mjs on the same server, or
// alone on a fresh database (it then registers the first administrator through the API).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  ADMIN_PASSWORD,
  BASE_URL,
  adminToken,
  createAdminUser,
  createPost,
  http,
  launchBrowser,
  mainNav,
  newPage,
  openCollection,
  searchList,
  registerUser,
  reportPost,
  screenshot,
  withDiagnostics,
} from './helpers.mjs';

const SCENARIO_TIMEOUT_MS = 120_000;
const suffix = Date.now().toString(36).slice(-5);
const moderator = { firstname: 'Mia', lastname: 'Moderator', email: `mia-${suffix}@example.com`, password: 'M0derat0r-Passw0rd!' };
const editor = { firstname: 'Eddie', lastname: 'Editor', email: `eddie-${suffix}@example.com`, password: 'Ed1tor-Passw0rd!' };

let browser;
let page;
let superToken;
let modToken;
const f = {};

/** The first administrator's token: ada from admin-panel.test.mjs, or one registered here. */
async function superAdmin() {
  const init = await http('GET', '/admin/init');
  if (!init.body.data.hasAdmin) {
    const res = await http('POST', '/admin/register-admin', {
      body: { firstname: 'Ada', lastname: 'Admin', email: 'ada@example.com', password: ADMIN_PASSWORD },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  return adminToken('ada@example.com', ADMIN_PASSWORD);
}

async function logIn(p, { email, password, firstname }) {
  await p.goto('/admin');
  await p.waitForURL(/\/admin\/auth\/login/);
  await p.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await p.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await p.getByRole('button', { name: 'Login', exact: true }).click();
  await p.getByRole('heading', { name: `Hello ${firstname}` }).waitFor();
}

/** Uploads a photo as the user (POST /api/media, multipart): the upload-plugin file with its formats. */
async function uploadPhoto(user) {
  const bytes = await sharp({ create: { width: 480, height: 360, channels: 3, background: { r: 46, g: 139, b: 87 } } })
    .composite([{ input: Buffer.from('<svg width="480" height="360"><circle cx="240" cy="180" r="120" fill="#f4d03f"/></svg>') }])
    .jpeg()
    .toBuffer();
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'pills.jpg');
  const res = await fetch(`${BASE_URL}/api/media`, { method: 'POST', headers: { Authorization: `Bearer ${user.jwt}` }, body: form });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.data;
}

const cardOf = (p, post) => p.getByRole('article', { name: `Reported post #${post.id}` });
const status = (p) => p.getByRole('status').filter({ hasText: /./ }).first();

before(async () => {
  browser = await launchBrowser();
  superToken = await superAdmin();
  await createAdminUser(superToken, { roleCode: 'social-moderator', ...moderator });
  await createAdminUser(superToken, { roleCode: 'strapi-editor', ...editor });
  modToken = await adminToken(moderator.email, moderator.password);

  f.author = await registerUser(`pill_seller_${suffix}`);
  f.spammer = await registerUser(`spam_bot_${suffix}`);
  f.honest = await registerUser(`honest_${suffix}`);
  f.reporters = [await registerUser(`rita_${suffix}`), await registerUser(`ravi_${suffix}`)];
  f.photo = await uploadPhoto(f.author);
  const pills = await http('POST', '/api/posts', { jwt: f.author.jwt, body: { title: 'Miracle diet pills', description: 'Lose 10 kg in a week, order at pills.example', media: [f.photo.id] } });
  assert.equal(pills.status, 201, JSON.stringify(pills.body));
  f.pills = pills.body.data;
  f.opinion = await createPost(f.honest, 'I disagree with the mayor', 'The new bus lanes are a mistake.');
  f.spam = await createPost(f.spammer, 'Free crypto', 'Send 1 coin, get 2 back');
  f.spam2 = await createPost(f.spammer, 'More free crypto', 'Send 2 coins, get 4 back');
  for (const r of f.reporters) await reportPost(r, f.pills, 'spam');
  await reportPost(f.reporters[0], f.opinion, 'abuse');
  await reportPost(f.reporters[1], f.spam, 'spam');
  await reportPost(f.reporters[0], f.spam2, 'spam');
  // The opinion gets two likes and a comment: numbers in the Content Manager's list of posts.
  for (const r of f.reporters) assert.equal((await http('POST', `/api/posts/like/${f.opinion.documentId}`, { jwt: r.jwt })).status, 200);
  assert.equal((await http('POST', `/api/posts/comment/${f.opinion.documentId}`, { jwt: f.reporters[0].jwt, body: { content: 'Agreed.' } })).status, 201);
});

after(async () => {
  await browser?.close();
});

describe('moderation console', () => {
  test('1. the home-page widget shows the moderation figures', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    page = await newPage(browser);
    await withDiagnostics(page, 'console-widget', async () => {
      await logIn(page, moderator);
      const stats = (await http('GET', '/moderation/stats', { token: modToken })).body.data;
      assert.ok(stats.openReports >= 4);
      for (const [label, value] of [['open reports', stats.openReports], ['reports today', stats.reportsToday], ['hidden this week', stats.hiddenThisWeek]]) {
        const figure = page.getByTestId(label);
        await figure.waitFor();
        assert.equal((await figure.innerText()).trim(), String(value), label);
      }
      const chart = page.getByRole('img', { name: 'Reports per day, last 30 days' });
      await chart.waitFor();
      await chart.scrollIntoViewIfNeeded();
      // No guided tour and no Media Library banner on a moderator's screens.
      assert.equal(await page.getByRole('button', { name: 'Close the banner.' }).count(), 0, 'no Media Library banner');
      assert.equal(await page.getByText(/guided tour|Discover your application/i).count(), 0, 'no guided tour');
      // Nothing to set: no Settings in the main navigation (the first administrator has it, see admin-panel.test.mjs).
      await mainNav(page).getByRole('link', { name: 'Content Manager', exact: true }).waitFor();
      await mainNav(page).getByRole('link', { name: 'Moderation', exact: true }).waitFor();
      assert.equal(await mainNav(page).getByRole('link', { name: 'Settings', exact: true }).count(), 0, 'no Settings link');
      assert.equal(await page.locator('a[href$="/admin/settings"]:visible').count(), 0, 'no visible Settings link');
      await screenshot(page, '07-home-widget');
    });
  });

  test('2. the queue shows the reported post with its text and the author record', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-queue', async () => {
      await mainNav(page).getByRole('link', { name: 'Moderation', exact: true }).click();
      await page.getByRole('heading', { name: 'Moderation', level: 1 }).waitFor();
      const card = cardOf(page, f.pills);
      await card.waitFor();
      await card.getByText('Lose 10 kg in a week, order at pills.example').waitFor();
      await card.getByText('2 open reports').waitFor();
      // The post's photo, as its thumbnail, loaded.
      const image = card.getByTestId('card-media').locator('img');
      assert.equal(await image.count(), 1);
      assert.equal(await image.getAttribute('src'), f.photo.formats.thumbnail.url);
      await image.evaluate((img) => (img.complete ? null : new Promise((resolve) => img.addEventListener('load', resolve, { once: true }))));
      assert.ok(await image.evaluate((img) => img.naturalWidth > 0), 'the thumbnail loaded');
      const record = await card.getByTestId('author-record').innerText();
      assert.match(record, /1 posts · 0 comments · 0 hidden · 2 reports against · not blocked/);
      await card.getByRole('link', { name: f.author.username }).waitFor();
      for (const r of f.reporters) await card.getByText(new RegExp(`by ${r.username}`)).waitFor();
      // The most reported item comes first.
      const first = page.getByRole('article').first();
      assert.equal(await first.getAttribute('aria-label'), `Reported post #${f.pills.id}`);
      await screenshot(page, '08-queue');
    });
  });

  test('3. Hide asks for a note, resolves the reports, and the API answers 404', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-hide', async () => {
      const card = cardOf(page, f.pills);
      await card.getByRole('button', { name: 'Hide', exact: true }).click();
      await status(page).getByText(/A note is needed/).waitFor();
      await card.getByRole('textbox', { name: `Note for post #${f.pills.id}` }).fill('Health scam, per policy 4.2');
      await card.getByRole('button', { name: 'Hide', exact: true }).click();
      await page.getByText(`Hidden: post #${f.pills.id}, 2 report(s) closed.`).waitFor();
      await card.waitFor({ state: 'detached' });
      const read = await http('GET', `/api/posts/${f.pills.documentId}`, { jwt: f.honest.jwt });
      assert.equal(read.status, 404);
      const item = (await http('GET', `/moderation/items/post/${f.pills.id}`, { token: modToken })).body.data;
      assert.equal(item.openReports, 0);
      assert.equal(item.hidden, true);
      assert.equal(item.log[0].action, 'hide');
      assert.equal(item.log[0].note, 'Health scam, per policy 4.2');
      assert.match(item.log[0].actor, new RegExp(moderator.email));
    });
  });

  test('4. Dismiss, with the keyboard: the post stays up', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-dismiss', async () => {
      const card = cardOf(page, f.opinion);
      await card.getByText('The new bus lanes are a mistake.').click();
      await page.keyboard.press('d');
      await page.getByText(`Dismissed: post #${f.opinion.id}, 1 report(s) closed.`).waitFor();
      assert.equal((await http('GET', `/api/posts/${f.opinion.documentId}`, { jwt: f.reporters[0].jwt })).status, 200);
      const item = (await http('GET', `/moderation/items/post/${f.opinion.id}`, { token: modToken })).body.data;
      assert.equal(item.openReports, 0);
      assert.equal(item.log[0].action, 'dismiss');
    });
  });

  test('5. Hide and block: the author\'s token gets 401; the user page shows the decisions', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-block', async () => {
      assert.equal((await http('GET', '/api/users/users', { jwt: f.spammer.jwt })).status, 200);
      const card = cardOf(page, f.spam);
      await card.getByRole('textbox', { name: `Note for post #${f.spam.id}` }).fill('Crypto spam bot');
      await card.getByRole('button', { name: 'Hide and block', exact: true }).click();
      await page.getByText(`Hidden and blocked: post #${f.spam.id}, 1 report(s) closed, author blocked.`).waitFor();
      // The spammer's other card shows the new record without a reload: blocked, one item hidden.
      const record = cardOf(page, f.spam2).getByTestId('author-record');
      await record.getByText(/1 hidden · .* · blocked$/).waitFor();
      assert.equal((await http('GET', '/api/users/users', { jwt: f.spammer.jwt })).status, 401);
      assert.equal((await http('GET', `/api/posts/${f.spam.documentId}`)).status, 404);

      await page.goto(`/admin/moderation/users/${f.spammer.user.id}`);
      await page.getByRole('heading', { name: f.spammer.username, level: 1 }).waitFor();
      const history = page.getByRole('region', { name: 'Moderation history' });
      await history.getByText(/block user/).waitFor();
      await history.getByText(/hide post/).waitFor();
      await history.getByText(/Crypto spam bot/).first().waitFor();
      await page.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
      await screenshot(page, '09-user-page');
    });
  });

  test('6. a role without the console\'s permissions does not see it, and its API answers 403', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    const editorPage = await newPage(browser);
    await withDiagnostics(editorPage, 'console-editor', async () => {
      await logIn(editorPage, editor);
      await mainNav(editorPage).getByRole('link', { name: 'Content Manager', exact: true }).waitFor();
      assert.equal(await mainNav(editorPage).getByRole('link', { name: 'Moderation', exact: true }).count(), 0);
      assert.equal(await editorPage.getByTestId('open reports').count(), 0, 'no moderation widget');
      assert.equal(await mainNav(editorPage).getByRole('link', { name: 'Settings', exact: true }).count(), 0, 'no Settings link for an Editor either');
      const token = await adminToken(editor.email, editor.password);
      assert.equal((await http('GET', '/moderation/queue', { token })).status, 403);
    });
    await editorPage.context().close();
  });

  test('7. the Content Manager lists likes and comments as numbers; editedAt is readable', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-list-counts', async () => {
      await page.goto('/admin');
      await openCollection(page, 'Post');
      await searchList(page, 'Post', 'mayor');
      const row = page.getByRole('row').filter({ hasText: 'I disagree with the mayor' });
      await row.waitFor();
      assert.equal((await row.locator('[data-count="likedBy"]').innerText()).trim(), '2');
      assert.equal((await row.locator('[data-count="comments"]').innerText()).trim(), '1');
      assert.equal(await row.getByRole('button', { name: /items?$/ }).count(), 0, 'no relation menus');
      await screenshot(page, '10-post-list-counts');

      // An edited post: the moderator sees when (read-only), not "No permissions to see this field".
      assert.equal((await http('PUT', `/api/posts/${f.opinion.documentId}`, { jwt: f.honest.jwt, body: { description: 'The new bus lanes are a mistake, I think.' } })).status, 200);
      await page.goto(`/admin/content-manager/collection-types/api::post.post/${f.opinion.documentId}`);
      await page.getByRole('heading', { name: 'I disagree with the mayor', level: 1 }).waitFor();
      assert.equal(await page.getByText('No permissions to see this field').count(), 0);
      // The field's date and time inputs: filled in, and disabled (read-only).
      const field = page.getByText('editedAt', { exact: true }).locator('xpath=ancestor::div[.//input][1]');
      await field.waitFor();
      const inputs = await field.locator('input').evaluateAll((els) => els.map((el) => ({ value: el.value, disabled: el.disabled || el.readOnly })));
      assert.ok(inputs.length >= 1, 'editedAt has inputs');
      assert.ok(inputs.some((i) => i.value), `editedAt shows a value: ${JSON.stringify(inputs)}`);
      assert.ok(inputs.every((i) => i.disabled), `editedAt is read-only: ${JSON.stringify(inputs)}`);
    });
  });
  test('8. Delete asks to confirm and deletes the post; bulk Dismiss and Hide act on the selected cards', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    await withDiagnostics(page, 'console-delete-bulk', async () => {
      const [r1, r2] = f.reporters;
      const junk = await createPost(f.honest, `Junk ${suffix}`, 'Delete me');
      const rants = [await createPost(f.honest, `Rant A ${suffix}`, 'first rant'), await createPost(f.honest, `Rant B ${suffix}`, 'second rant')];
      const scam = await createPost(f.author, `Scam ${suffix}`, 'third scam');
      for (const post of [junk, ...rants, scam]) await reportPost(r1, post, 'other');
      await reportPost(r2, scam, 'spam');

      await page.goto('/admin');
      await mainNav(page).getByRole('link', { name: 'Moderation', exact: true }).click();
      await page.getByRole('heading', { name: 'Moderation', level: 1 }).waitFor();

      // Delete: the first press only asks; the second deletes the post, and the API answers 404.
      const junkCard = cardOf(page, junk);
      await junkCard.getByRole('button', { name: 'Delete', exact: true }).click();
      await junkCard.getByRole('button', { name: 'Confirm delete', exact: true }).waitFor();
      assert.equal((await http('GET', `/api/posts/${junk.documentId}`)).status, 200, 'not deleted before the confirmation');
      await junkCard.getByRole('button', { name: 'Confirm delete', exact: true }).click();
      await page.getByText(`Deleted: post #${junk.id}, 1 report(s) closed.`).waitFor();
      await junkCard.waitFor({ state: 'detached' });
      assert.equal((await http('GET', `/api/posts/${junk.documentId}`)).status, 404);

      // Bulk Dismiss on two selected cards: both leave the queue, both posts stay up.
      for (const post of rants) await page.getByRole('checkbox', { name: `Select post #${post.id}` }).check();
      const bar = page.getByLabel('Bulk actions');
      await bar.getByText('2 selected').waitFor();
      await bar.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await screenshot(page, '11-bulk-actions');
      await bar.getByRole('button', { name: 'Dismiss selected', exact: true }).click();
      await page.getByText('Dismissed: 2 of 2; 0 already handled.').waitFor();
      for (const post of rants) {
        await cardOf(page, post).waitFor({ state: 'detached' });
        assert.equal((await http('GET', `/api/posts/${post.documentId}`)).status, 200);
        const item = (await http('GET', `/moderation/items/post/${post.id}`, { token: modToken })).body.data;
        assert.equal(item.openReports, 0);
        assert.equal(item.log[0].action, 'dismiss');
      }

      // Bulk Hide needs a note; with it, the selected post is hidden and both its reports close.
      await page.getByRole('checkbox', { name: `Select post #${scam.id}` }).check();
      await bar.getByRole('button', { name: 'Hide selected', exact: true }).click();
      await status(page).getByText('A note is needed for the selected cards.').waitFor();
      assert.equal((await http('GET', `/api/posts/${scam.documentId}`)).status, 200, 'nothing hidden without a note');
      await bar.getByRole('textbox', { name: 'Note for the selected cards' }).fill('Scam wave, bulk');
      await bar.getByRole('button', { name: 'Hide selected', exact: true }).click();
      await page.getByText('Hidden: 1 of 1; 0 already handled.').waitFor();
      await cardOf(page, scam).waitFor({ state: 'detached' });
      assert.equal((await http('GET', `/api/posts/${scam.documentId}`)).status, 404);
      const item = (await http('GET', `/moderation/items/post/${scam.id}`, { token: modToken })).body.data;
      assert.equal(item.openReports, 0);
      assert.equal(item.hidden, true);
      assert.equal(item.log[0].action, 'hide');
      assert.equal(item.log[0].note, 'Scam wave, bulk');
    });
  });
});
