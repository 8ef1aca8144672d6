// Browser end-to-end tests: real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core against the real suite. Run by tests/browser/test_ui.py, which starts the
// suite and sets BASE_URL and SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'test-output/browser';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPLY_TIMEOUT = 90_000;
assert.ok(BASE_URL, 'BASE_URL must point at a running gateway');
mkdirSync(SHOTS, { recursive: true });

let browser;
let context;
let page;

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('pageerror', (err) => { throw err; });
  await page.goto(BASE_URL);
  await page.getByTestId('composer-input').waitFor();
});

after(async () => {
  await browser?.close();
});

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const lastReply = () => page.getByTestId('message-assistant').last();

async function waitForDone(reply) {
  await reply.locator('[data-testid="status-chip"][data-status="done"]').waitFor({ timeout: REPLY_TIMEOUT });
}

test('1. send a message and see a streamed reply', async () => {
  assert.equal(await page.title(), 'Assistant — chat');
  const input = page.getByTestId('composer-input');
  await input.fill('Hello! My name is Robin. In one sentence, what is Redis?');
  await input.press('Enter');
  await page.getByTestId('message-user').last().waitFor();
  assert.match(await page.getByTestId('message-user').last().innerText(), /My name is Robin/);
  const reply = lastReply();
  // Streaming: the reply shows text before it is done.
  await page.waitForFunction(() => {
    const bubbles = document.querySelectorAll('[data-testid="message-assistant"]');
    const last = bubbles[bubbles.length - 1];
    return last && last.getAttribute('data-status') !== 'done' && last.innerText.trim().length > 20;
  }, null, { timeout: REPLY_TIMEOUT }).catch(() => { /* very short replies may finish first */ });
  await shot('1-streaming');
  await waitForDone(reply);
  const text = await reply.innerText();
  assert.ok(text.trim().length > 0, 'the reply has text');
  const provider = await reply.getByTestId('provider-badge').getAttribute('data-provider');
  assert.ok(provider, 'the provider that answered is shown');
  await shot('1-reply-done');
});

test('2. upload a text file and see its analysis', async () => {
  const before = await page.getByTestId('file-card').count();
  await page.getByTestId('file-input').setInputFiles({
    name: 'meeting-notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('Meeting notes\n- Launch moved to May 4\n- Budget approved: 12,000 EUR\n- Owner: Sam\n'),
  });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="file-card"]').length > n, before);
  assert.match(await page.getByTestId('file-card').last().innerText(), /meeting-notes\.txt/);
  await waitForDone(lastReply());
  assert.ok((await lastReply().innerText()).trim().length > 0);
  await shot('2-file-analysis');
});

test('2b. upload a scanned PDF and watch it being read', async () => {
  const scan = process.env.SCAN_PDF;
  assert.ok(scan, 'SCAN_PDF must name a scanned PDF (tests/browser/test_ui.py makes one)');
  await page.getByTestId('file-input').setInputFiles(scan);
  // OCR takes seconds a page: the card shows where the reader is, with a bar.
  const reading = page.getByTestId('file-reading').last();
  await reading.waitFor({ timeout: 30_000 });
  assert.match(await reading.innerText(), /reading page \d of \d/);
  assert.equal(await reading.getByRole('progressbar').getAttribute('aria-valuemax'), '3');
  await shot('2b-reading-progress');
  await waitForDone(lastReply());
  assert.equal(await page.getByTestId('file-reading').count(), 0, 'the progress goes once the reply is there');
});

test('3. upload a disallowed file and see the error', async () => {
  await page.getByTestId('file-input').setInputFiles({
    name: 'installer.exe',
    mimeType: 'application/octet-stream',
    buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(256, 0x90)]),
  });
  const error = page.getByTestId('upload-error').last();
  await error.waitFor({ timeout: 15_000 });
  assert.match(await error.innerText(), /not supported|allowed/i);
  await shot('3-upload-error');
});

test('4. refresh and see the history', async () => {
  const users = await page.getByTestId('message-user').count();
  await page.reload();
  await page.getByTestId('message-user').first().waitFor();
  assert.equal(await page.getByTestId('message-user').count(), users);
  assert.match(await page.getByTestId('message-user').first().innerText(), /My name is Robin/);
  assert.ok(await page.getByTestId('file-card').count() >= 1, 'the uploaded file is in the history');
  await page.locator('[data-testid="message-assistant"][data-status="done"]').first().waitFor();
  await shot('4-after-refresh');
});

test('5. the profile panel and the context view show what the assistant learned', async () => {
  const panel = page.getByTestId('profile-panel');
  await page.waitForFunction(() => /Robin/.test(document.querySelector('[data-testid="profile-panel"]')?.textContent ?? ''), null, { timeout: 15_000 });
  assert.match(await panel.innerText(), /Robin/);
  await lastReply().getByTestId('context-toggle').click();
  const view = lastReply().getByTestId('context-view');
  await view.waitFor();
  assert.match(await view.innerText(), /token/i);
  await shot('5-profile-and-context');
});

test('6. clear the chat', async () => {
  await page.getByTestId('clear-button').click();
  await page.getByTestId('confirm-clear').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 0);
  await page.reload();
  await page.getByTestId('composer-input').waitFor();
  assert.equal(await page.getByTestId('message-user').count(), 0, 'the history stays empty after a refresh');
  await shot('6-cleared');
});

test('7. a phone-sized screen', async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  page = await phone.newPage();
  await page.goto(BASE_URL);
  const input = page.getByTestId('composer-input');
  await input.fill('Hi from a phone. I live in Lyon.');
  await input.press('Enter');
  await waitForDone(lastReply());
  await shot('7-mobile');
  await page.getByRole('button', { name: /profile/i }).first().click();
  await page.waitForFunction(() => /Lyon/.test(document.querySelector('[data-testid="profile-panel"]')?.textContent ?? ''), null, { timeout: 15_000 });
  await page.waitForTimeout(500); // let the drawer finish sliding in before the picture
  await shot('7-mobile-profile');
  writeFileSync(join(SHOTS, 'done.txt'), 'ok\n');
});
