// Browser end-to-end tests: real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core against the real suite. Run by tests/browser/test_ui.py, which starts the
// suite and sets BASE_URL and SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchChromium } from './launch.mjs';

const BASE_URL = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'test-output/browser';
const REPLY_TIMEOUT = 90_000;
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

test('6. delete the chat', async () => {
  await page.getByTestId('delete-chat-button').click();
  await page.getByTestId('confirm-delete').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 0);
  await page.reload();
  await page.getByTestId('composer-input').waitFor();
  await page.getByTestId('conversation-empty').waitFor();
  assert.equal(await page.getByTestId('message-user').count(), 0, 'the history stays empty after a refresh');
  assert.equal(await page.getByTestId('conversation-item').count(), 0, 'the chat is gone from the list');
  await shot('6-deleted');
});

test('6b. two conversations: each keeps its own messages; rename, search, delete', async () => {
  const items = page.getByTestId('conversation-item');
  // A conversation is followed by its id: the model may retitle it once its first reply is in.
  const item = (title) => items.filter({ has: page.getByTestId('conversation-select').filter({ hasText: title }) });
  const byId = (id) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
  const userTexts = () => page.getByTestId('message-user').allInnerTexts();
  const onlyUserMessageStartsWith = (prefix) =>
    page.waitForFunction((p) => {
      const users = [...document.querySelectorAll('[data-testid="message-user"]')].map((e) => e.textContent);
      return users.length === 1 && users[0].startsWith(p);
    }, prefix);
  const send = async (text) => {
    const input = page.getByTestId('composer-input');
    await input.fill(text);
    await input.press('Enter');
    await page.getByTestId('message-user').filter({ hasText: text }).waitFor();
    await waitForDone(lastReply());
  };
  const newChat = async (count) => {
    await page.getByTestId('new-chat-button').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="conversation-item"]').length === n, count);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 0);
  };
  const shownId = () => page.locator('[data-testid="conversation-item"]:has([aria-current="page"])').getAttribute('data-conversation-id');

  await newChat(1);
  await send('Alpha chat: my favourite fruit is mango. Answer in one short sentence.');
  const alpha = await shownId();
  // The first message names the conversation (its first words, or the model's title).
  await page.waitForFunction(
    (id) => document.querySelector(`[data-conversation-id="${id}"] [data-testid="conversation-select"]`)?.textContent !== 'New chat',
    alpha,
  );
  await newChat(2);
  assert.equal(await page.locator('[data-testid="conversation-select"][aria-current="page"]').innerText(), 'New chat');
  await send('Bravo chat: what is the capital of Norway? Answer in one short sentence.');
  const bravo = await shownId();
  assert.notEqual(bravo, alpha);
  // The conversation last written to is at the top, and it is the one shown.
  assert.equal(await items.first().getAttribute('data-conversation-id'), bravo);
  await shot('6b-two-conversations');

  // Switching shows only that conversation's messages.
  await byId(alpha).getByTestId('conversation-select').click();
  await onlyUserMessageStartsWith('Alpha chat');
  assert.equal(await byId(alpha).getByTestId('conversation-select').getAttribute('aria-current'), 'page');
  assert.ok((await userTexts()).every((t) => !t.includes('Bravo')), 'no message of the other conversation');
  await page.locator('[data-testid="message-assistant"][data-status="done"]').first().waitFor();
  await byId(bravo).getByTestId('conversation-select').click();
  await onlyUserMessageStartsWith('Bravo chat');
  assert.ok((await userTexts()).every((t) => !t.includes('Alpha')), 'no message of the other conversation');

  // Rename Alpha in place; a title the user chose is never replaced by the model's.
  await byId(alpha).hover();
  await byId(alpha).getByTestId('conversation-rename').click();
  const title = page.getByTestId('conversation-title-input');
  await title.fill('Mango notes');
  await title.press('Enter');
  await item('Mango notes').waitFor();
  assert.equal(await item('Mango notes').getAttribute('data-conversation-id'), alpha);
  await shot('6b-renamed');

  // Search finds it by its new title; emptying the box lists both again.
  const search = page.getByTestId('conversation-search');
  await search.fill('mango notes');
  await page.waitForFunction(() => {
    const titles = [...document.querySelectorAll('[data-testid="conversation-select"]')].map((e) => e.textContent);
    return titles.length === 1 && titles[0] === 'Mango notes';
  }, null, { timeout: 15_000 });
  await shot('6b-search');
  await search.fill('');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-item"]').length === 2);

  // Delete Bravo (the one shown): Mango notes is shown then, with its own message.
  await byId(bravo).hover();
  await byId(bravo).getByTestId('conversation-delete').click();
  await page.getByTestId('confirm-delete').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-item"]').length === 1);
  await onlyUserMessageStartsWith('Alpha chat');
  assert.equal(await byId(alpha).getByTestId('conversation-select').getAttribute('aria-current'), 'page');
  assert.equal(await byId(alpha).getByTestId('conversation-select').innerText(), 'Mango notes');
  // And the server agrees after a refresh.
  await page.reload();
  await byId(alpha).waitFor();
  assert.equal(await items.count(), 1);
  await page.getByTestId('message-user').first().waitFor();
  assert.match((await userTexts()).join('\n'), /Alpha chat/);
  await shot('6b-deleted-one');
});

test('6c. regenerate a reply and switch between the two, edit a message, stop a long reply', async () => {
  const userTexts = () => page.getByTestId('message-user').allInnerTexts();
  const jobIdOf = (reply) => reply.getAttribute('data-job-id');
  const positionOf = (reply) => reply.getByTestId('alternative-position').getAttribute('data-position');
  const send = async (text) => {
    const input = page.getByTestId('composer-input');
    await input.fill(text);
    await input.press('Enter');
    await page.getByTestId('message-user').filter({ hasText: text }).waitFor();
    await waitForDone(lastReply());
  };
  /** Wait until the last reply is the job `id` (or any other job than `not`), done. */
  const waitForLastReply = async ({ id, not }) => {
    await page.waitForFunction(({ id, not }) => {
      const bubbles = document.querySelectorAll('[data-testid="message-assistant"]');
      const last = bubbles[bubbles.length - 1];
      const job = last?.getAttribute('data-job-id');
      return Boolean(job) && (id ? job === id : job !== not) && last.getAttribute('data-status') === 'done';
    }, { id: id ?? null, not: not ?? null }, { timeout: REPLY_TIMEOUT });
  };

  await page.getByTestId('new-chat-button').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 0);
  await send('Name a colour. Answer with one word.');
  const first = await jobIdOf(lastReply());
  assert.ok(first, 'the reply names its job');
  assert.equal(await lastReply().getByTestId('alternatives').count(), 0, 'one version: no navigation yet');

  // Regenerate: a second reply to the same message takes the first one's place.
  await lastReply().getByTestId('regenerate-button').click();
  await waitForLastReply({ not: first });
  const second = await jobIdOf(lastReply());
  assert.deepEqual(await userTexts(), ['Name a colour. Answer with one word.'], 'the message is shown once');
  assert.equal(await positionOf(lastReply()), '2/2');
  await shot('6c-regenerated');

  // ‹ shows the first reply again, › the second one; each survives a reload of the branch.
  await lastReply().getByTestId('alternative-prev').click();
  await waitForLastReply({ id: first });
  assert.equal(await positionOf(lastReply()), '1/2');
  await shot('6c-alternative-1-of-2');
  await lastReply().getByTestId('alternative-next').click();
  await waitForLastReply({ id: second });
  assert.equal(await positionOf(lastReply()), '2/2');
  await page.reload();
  await waitForLastReply({ id: second });

  // Edit the first message: the exchange after it leaves, the edited one is answered anew.
  await send('And a number? Answer with one word.');
  assert.equal((await userTexts()).length, 2);
  const firstTurn = page.locator('li.turn').first();
  await firstTurn.getByTestId('message-user').hover();
  await firstTurn.getByTestId('edit-message').click();
  const box = page.getByTestId('edit-input');
  await box.fill('Name a fruit. Answer with one word.');
  await page.getByTestId('edit-save').click();
  await page.waitForFunction(() => {
    const users = [...document.querySelectorAll('[data-testid="message-user"]')].map((e) => e.textContent);
    return users.length === 1 && users[0] === 'Name a fruit. Answer with one word.';
  });
  await waitForLastReply({ not: second });
  assert.equal(await positionOf(lastReply()), '3/3', 'the edit is a third version of the first exchange');
  await shot('6c-edited');
  // The branch before the edit, with its second exchange, is still there to go back to.
  const edited = await jobIdOf(lastReply());
  await lastReply().getByTestId('alternative-prev').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 2);
  const firstReply = page.getByTestId('message-assistant').first();
  assert.equal(await jobIdOf(firstReply), second);
  assert.equal(await positionOf(firstReply), '2/3');
  await firstReply.getByTestId('alternative-next').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="message-user"]').length === 1);
  await waitForLastReply({ id: edited });

  // Stop a long reply as soon as it has started: what was written stays, marked stopped.
  const input = page.getByTestId('composer-input');
  await input.fill('Write a very long story about a lighthouse keeper, at least 600 words, with many details.');
  await input.press('Enter');
  const stop = page.getByTestId('stop-button');
  await stop.waitFor();
  assert.equal(await page.getByTestId('send-button').count(), 0, 'Stop takes the place of Send');
  await page.waitForFunction(() => {
    const bubbles = document.querySelectorAll('[data-testid="message-assistant"]');
    const last = bubbles[bubbles.length - 1];
    return last && last.getAttribute('data-status') === 'processing' && last.querySelector('.markdown')?.textContent.trim();
  }, null, { timeout: REPLY_TIMEOUT, polling: 'raf' });
  await stop.click();
  const reply = lastReply();
  await waitForDone(reply);
  await reply.getByTestId('stopped-marker').waitFor({ timeout: 5_000 });
  assert.ok((await reply.locator('.markdown').innerText()).trim().length > 0, 'the partial reply stays');
  await page.getByTestId('send-button').waitFor();
  await shot('6c-stopped');
  // The server kept it stopped: a reload shows the same.
  await page.reload();
  await lastReply().getByTestId('stopped-marker').waitFor();
});

test('6d. export and import a conversation, open a 1,000-message one, edit and delete a profile fact', async () => {
  const items = page.getByTestId('conversation-item');
  const userTexts = () => page.getByTestId('message-user').allInnerTexts();
  const menu = async (item) => {
    await page.getByTestId('export-menu-button').click();
    await page.getByTestId(item).click();
  };
  const download = async (item) => {
    const [file] = await Promise.all([page.waitForEvent('download'), menu(item)]);
    const { readFile } = await import('node:fs/promises');
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
  };
  const importFile = async (name, json) => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), menu('import-conversation')]);
    await chooser.setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });
  };

  // Export the conversation on show, as Markdown to read and as JSON to import again.
  const shownBefore = await userTexts();
  const markdown = await download('export-markdown');
  assert.match(markdown.name, /\.md$/);
  assert.ok(shownBefore.every((t) => markdown.text.includes(t.trim().slice(0, 40))), 'every message on show is in the Markdown');
  const exported = await download('export-json');
  assert.match(exported.name, /\.json$/);
  const data = JSON.parse(exported.text);
  assert.equal(data.format, 'chat-assistant.conversation');
  assert.ok(data.messages.length >= shownBefore.length);

  // Import it back: a new conversation, shown, with the same messages on show.
  const before = await items.count();
  await importFile(exported.name, data);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="conversation-item"]').length === n, before + 1);
  await page.waitForFunction(
    (texts) => {
      const shown = [...document.querySelectorAll('[data-testid="message-user"]')].map((e) => e.textContent.trim());
      return shown.length === texts.length && texts.every((t, i) => shown[i] === t.trim());
    },
    shownBefore,
  );
  await shot('6d-imported');

  // A 1,000-message conversation opens on its latest page, and earlier ones load on demand.
  const long = {
    format: 'chat-assistant.conversation',
    version: 1,
    conversation: { title: 'A long conversation' },
    messages: Array.from({ length: 1000 }, (_, i) => ({
      id: `m${i + 1}`,
      parent_id: i ? `m${i}` : null,
      text: `Long message ${i + 1}`,
      status: 'done',
      result: { reply: `Reply ${i + 1}` },
    })),
  };
  await importFile('long.json', long);
  await page.locator('[data-testid="conversation-select"][aria-current="page"]', { hasText: 'A long conversation' }).waitFor({ timeout: 120_000 });
  await page.getByTestId('message-user').filter({ hasText: /Long message 1000\b/ }).waitFor();
  const firstPage = await page.getByTestId('message-user').count();
  assert.ok(firstPage >= 20 && firstPage <= 200, `a page, not the whole conversation (${firstPage} shown)`);
  await page.getByTestId('load-earlier').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="message-user"]').length > n, firstPage);
  assert.equal((await userTexts()).filter((t) => t.trim() === 'Long message 1').length, 0, 'the oldest page is not loaded yet');
  await shot('6d-long-conversation');

  // Edit a fact the assistant learned, then delete it.
  const fact = page.getByTestId('profile-fact').filter({ hasText: 'Robin' }).first();
  await fact.waitFor({ timeout: 15_000 });
  const key = await fact.getAttribute('data-fact-key');
  const byKey = page.locator(`[data-testid="profile-fact"][data-fact-key="${key}"]`);
  await byKey.getByTestId('fact-edit').click();
  await page.getByTestId('fact-input').fill('Robin Hood');
  await page.getByTestId('fact-save').click();
  await page.waitForFunction(
    (k) => document.querySelector(`[data-fact-key="${k}"] [data-testid="profile-fact-value"]`)?.textContent === 'Robin Hood',
    key,
  );
  assert.match(await byKey.innerText(), /set by you/);
  await shot('6d-fact-edited');
  await byKey.getByTestId('fact-delete').click();
  await page.getByTestId('confirm-delete-fact').click();
  await byKey.waitFor({ state: 'detached' });
  // The server agrees after a refresh.
  await page.reload();
  await page.getByTestId('profile-panel').waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await byKey.count(), 0, 'a deleted fact does not come back');
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
