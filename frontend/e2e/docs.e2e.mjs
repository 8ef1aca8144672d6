// The API docs with no network: /docs (Swagger UI) and /redoc (ReDoc) in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core) with every host but this machine cut
// off. Run by tests/browser/test_docs.py, which starts the suite and sets BASE_URL and
// SCREENSHOT_DIR.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { launchChromium } from './launch.mjs';

const BASE_URL = process.env.BASE_URL;
const SHOTS = process.env.SCREENSHOT_DIR ?? 'test-output/browser-docs';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
assert.ok(BASE_URL, 'BASE_URL must point at a running gateway');
mkdirSync(SHOTS, { recursive: true });

let browser;
let context;
let page;
let offsite; // requests the page tried to send off this machine (all aborted)
let pageErrors;

const isLocal = (url) => {
  const { protocol, hostname } = new URL(url);
  return ['data:', 'blob:', 'about:'].includes(protocol) || LOCAL_HOSTS.has(hostname);
};

before(async () => {
  // No name resolves but the loopback address: a CDN could not be reached even if asked.
  browser = await launchChromium(['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1']);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // And every request that is not to this machine fails here, before it leaves the browser.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offsite.push(url);
    return route.abort('internetdisconnected');
  });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`);
    });
  });
});

beforeEach(async () => {
  offsite = [];
  pageErrors = [];
  page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(String(err)));
});

after(async () => {
  await browser?.close();
});

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
const cspViolations = () => page.evaluate(() => window.__cspViolations);

test('/docs: Swagger UI lists the operations and runs one, offline', async () => {
  const response = await page.goto(`${BASE_URL}/docs`);
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self';/, 'no inline or remote script');
  assert.match(csp, /style-src 'self';/, 'no inline or remote style');
  const postMessages = page.locator('.opblock.opblock-post', { has: page.locator('[data-path="/messages"]') });
  await postMessages.waitFor({ timeout: 30_000 });
  assert.equal(await page.title(), 'Chat assistant API - Swagger UI');
  assert.ok(await page.locator('.opblock').count() >= 10, 'every operation is listed');
  assert.match(await postMessages.locator('.opblock-summary').innerText(), /POST\s+\/messages/);
  assert.match(await page.locator('.info .title').innerText(), /Chat assistant API/);
  await shot('docs-operations');

  // Try it out: Swagger UI calls the API from the page, under the same CSP.
  const healthz = page.locator('.opblock.opblock-get', { has: page.locator('[data-path="/healthz"]') });
  await healthz.locator('.opblock-summary').click();
  await healthz.getByRole('button', { name: 'Try it out' }).click();
  await healthz.getByRole('button', { name: 'Execute' }).click();
  const status = healthz.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  assert.match(await status.innerText(), /^200/);
  await shot('docs-try-it-out');

  assert.deepEqual(offsite, [], 'no request leaves this machine');
  assert.deepEqual(await cspViolations(), [], 'nothing on the page is blocked by the CSP');
  assert.deepEqual(pageErrors, []);
  await page.close();
});

test('/redoc: ReDoc renders the API, offline', async () => {
  const response = await page.goto(`${BASE_URL}/redoc`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-security-policy'], /script-src 'self';/, 'no inline or remote script');
  const heading = page.locator('h1', { hasText: 'Chat assistant API' });
  await heading.waitFor({ timeout: 30_000 });
  assert.equal(await page.title(), 'Chat assistant API - ReDoc');
  const operation = page.locator('h2', { hasText: 'Post Message' });
  await operation.waitFor();
  assert.ok(await page.locator('h2', { hasText: 'Healthz' }).count() >= 1);
  await shot('redoc');

  assert.deepEqual(offsite, [], 'no request leaves this machine');
  // ReDoc's only remote reference is the Redocly logo of its "API docs by Redocly" link,
  // which the CSP (img-src 'self' data:) blocks before it is requested: a missing image.
  const blocked = (await cspViolations()).filter((v) => !/^img-src https:\/\/cdn\.redoc\.ly\//.test(v));
  assert.deepEqual(blocked, [], 'nothing else on the page is blocked by the CSP');
  assert.deepEqual(pageErrors, []);
  await page.close();
});
