// Browser end-to-end with AUTH_MODE=accounts and ALLOW_GUESTS=true: real headless Chromium
// against the real suite. Run by tests/browser/test_ui.py, which starts that suite and sets
// BASE_URL and SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from './launch.mjs';

const BASE_URL = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'test-output/browser';
const REPLY_TIMEOUT = 90_000;
const EMAIL = `robin-${Date.now()}@example.com`;
const PASSWORD = 'a long and unusual passphrase 7';
assert.ok(BASE_URL, 'BASE_URL must point at a running gateway');
mkdirSync(SHOTS, { recursive: true });

let browser;
let context;
let page;

before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (err) => { throw err; });
});

after(async () => {
  await browser?.close();
});

const shot = (name) => page.screenshot({ path: join(SHOTS, `accounts-${name}.png`), fullPage: true });

async function waitForDone() {
  await page.getByTestId('message-assistant').last()
    .locator('[data-testid="status-chip"][data-status="done"]').waitFor({ timeout: REPLY_TIMEOUT });
}

async function signIn(email, password) {
  await page.getByTestId('signin-form').waitFor();
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

/** Ends the page's session behind its back (as a sign-out in another tab would). */
async function endSessionElsewhere() {
  const cookies = await context.cookies(BASE_URL);
  const header = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = cookies.find((c) => c.name === 'chat_csrf')?.value ?? '';
  const response = await fetch(`${BASE_URL}/auth/logout`, {
    method: 'POST',
    headers: { cookie: header, 'x-csrf-token': csrf, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(response.status, 200);
}

test('A1. a guest chats, signs up, and keeps the chat', async () => {
  await page.goto(BASE_URL);
  await page.getByTestId('composer-input').waitFor();
  await page.getByTestId('header-signup').waitFor();
  const input = page.getByTestId('composer-input');
  await input.fill('Hello as a guest. My name is Robin.');
  await input.press('Enter');
  await waitForDone();
  await shot('1-guest');
  await page.getByTestId('header-signup').click();
  await page.getByTestId('signup-form').waitFor();
  await page.getByTestId('signup-email').fill(EMAIL);
  await page.getByTestId('signup-password').fill('password1234');
  await page.getByTestId('signup-submit').click();
  await page.getByTestId('auth-error').waitFor();
  assert.match(await page.getByTestId('auth-error').innerText(), /common|guess|characters/i);
  await shot('1-weak-password');
  await page.getByTestId('signup-password').fill(PASSWORD);
  await page.getByTestId('signup-submit').click();
  await page.getByTestId('account-menu-button').waitFor();
  assert.match(await page.getByTestId('account-menu-button').innerText(), new RegExp(EMAIL.split('@')[0]));
  await page.getByTestId('message-user').filter({ hasText: 'Hello as a guest' }).waitFor();
  await shot('1-signed-up');
});

test('A2. make an API key, see its secret once, use it, revoke it', async () => {
  await page.getByTestId('account-menu-button').click();
  await page.getByTestId('menu-api-keys').click();
  await page.getByTestId('api-keys-dialog').waitFor();
  await page.getByTestId('api-key-name').fill('e2e script');
  await page.getByTestId('api-key-create').click();
  const secret = (await page.getByTestId('api-key-secret').innerText()).trim();
  assert.match(secret, /^ck_/);
  await page.getByTestId('api-key-row').first().waitFor();
  await shot('2-api-key');
  const withKey = await fetch(`${BASE_URL}/conversations`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(withKey.status, 200);
  assert.equal((await withKey.json()).items.length, 1, 'the key sees its user\'s conversation');
  await page.getByTestId('api-key-row').first().getByTestId('api-key-revoke').click();
  const confirm = page.getByRole('alertdialog').getByRole('button', { name: /revoke/i });
  if (await confirm.count()) await confirm.first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="api-key-row"]').length === 0);
  const revoked = await fetch(`${BASE_URL}/conversations`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(revoked.status, 401);
  await page.keyboard.press('Escape');
});

test('A3. an ended session returns to sign-in and the draft survives', async () => {
  const input = page.getByTestId('composer-input');
  await input.fill('A draft I do not want to lose');
  await endSessionElsewhere();
  await input.press('Enter');
  await page.getByTestId('signin-form').waitFor();
  await page.getByTestId('auth-notice').waitFor();
  await shot('3-session-ended');
  await signIn(EMAIL, PASSWORD + ' wrong');
  await page.getByTestId('auth-error').waitFor();
  await signIn(EMAIL, PASSWORD);
  await page.getByTestId('composer-input').waitFor();
  assert.equal(await page.getByTestId('composer-input').inputValue(), 'A draft I do not want to lose');
  await shot('3-draft-kept');
});

test('A4. another user sees nothing of the first', async () => {
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(BASE_URL);
  await otherPage.getByTestId('header-signup').click();
  await otherPage.getByTestId('signup-email').fill(`sam-${Date.now()}@example.com`);
  await otherPage.getByTestId('signup-password').fill(PASSWORD);
  await otherPage.getByTestId('signup-submit').click();
  await otherPage.getByTestId('account-menu-button').waitFor();
  await otherPage.getByTestId('conversation-empty').waitFor();
  assert.equal(await otherPage.getByTestId('message-user').count(), 0);
  await other.close();
});

test('A5. sign out, then delete the account', async () => {
  await page.getByTestId('account-menu-button').click();
  await page.getByTestId('menu-signout').click();
  await page.getByTestId('header-signin').waitFor();
  assert.equal(await page.getByTestId('message-user').filter({ hasText: 'Hello as a guest' }).count(), 0);
  await page.getByTestId('header-signin').click();
  await signIn(EMAIL, PASSWORD);
  await page.getByTestId('account-menu-button').waitFor();
  await page.getByTestId('account-menu-button').click();
  await page.getByTestId('menu-delete-account').click();
  const confirm = page.getByTestId('delete-account-confirm');
  assert.equal(await confirm.isDisabled(), true, 'deleting needs the word typed');
  await page.getByTestId('delete-account-confirm-input').fill('DELETE');
  await shot('5-delete-account');
  await confirm.click();
  // Back at sign-in; the account is gone, so its password no longer works.
  await signIn(EMAIL, PASSWORD);
  await page.getByTestId('auth-error').waitFor();
  await shot('5-deleted');
  writeFileSync(join(SHOTS, 'accounts-done.txt'), 'ok\n');
});
