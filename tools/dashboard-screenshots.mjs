// Drives headless Chromium through the dashboard and saves a screenshot of each page at
// desktop and phone width (see tools/dashboard-screenshots, which starts the server).
// The DevTools plumbing is the one of crates/wearbridge-server/tests/browser/widget.mjs.
//
// Usage: node dashboard-screenshots.mjs <base_url> <credentials JSON> <out_dir>

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [baseUrl, credentialsJson, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node dashboard-screenshots.mjs <base_url> <credentials JSON> <out_dir>');
  process.exit(2);
}
const credentials = JSON.parse(credentialsJson);

const STEP_TIMEOUT_MS = 30000;

const profile = mkdtempSync(join(tmpdir(), 'wearbridge-chromium-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--window-size=420,900',
  'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let browserLog = '';
browser.stdio[2].on('data', (chunk) => { browserLog += chunk; });

const pending = new Map();
const waiters = new Set();
let nextId = 1;
let buffer = '';
browser.stdio[4].on('data', (chunk) => {
  buffer += chunk.toString('utf8');
  for (let end = buffer.indexOf('\0'); end >= 0; end = buffer.indexOf('\0')) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const call = message.id && pending.get(message.id);
    if (call) {
      pending.delete(message.id);
      if (message.error) call.reject(new Error(JSON.stringify(message.error)));
      else call.resolve(message.result);
    } else {
      for (const waiter of [...waiters]) waiter(message);
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = nextId++;
  browser.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

function waitForEvent(method, sessionId, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { waiters.delete(waiter); reject(new Error(`timed out: ${what}`)); }, STEP_TIMEOUT_MS);
    const waiter = (message) => {
      if (message.method === method && message.sessionId === sessionId) {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(message);
      }
    };
    waiters.add(waiter);
  });
}

async function evaluate(session, expression) {
  const { result, exceptionDetails } = await send('Runtime.evaluate', { expression, returnByValue: true }, session);
  if (exceptionDetails) throw new Error(`page script failed: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
}

// Clicks the first element matching `finder` (a JS expression yielding an element) with
// a real mouse press and release, and waits for the next page load.
async function clickAndWait(session, finder, what) {
  const box = await evaluate(session, `(() => { const el = ${finder};
    if (!el) return null; el.scrollIntoView({ block: 'center' });
    // The first line box: a link that wraps has no text at its bounding box's centre.
    const r = el.getClientRects()[0] || el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`);
  if (!box) throw new Error(`${what} not found on ${await evaluate(session, 'location.href')}`);
  const loaded = waitForEvent('Page.loadEventFired', session, `page load after clicking ${what}`);
  for (const type of ['mousePressed', 'mouseReleased']) {
    await send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 }, session);
  }
  await loaded;
}

const byText = (selector, text) =>
  `[...document.querySelectorAll(${JSON.stringify(selector)})].find((el) => (el.textContent || el.value || '').trim().includes(${JSON.stringify(text)}))`;

async function type(session, selector, text) {
  const found = await evaluate(session, `(() => { const el = document.querySelector(${JSON.stringify(selector)});
    if (!el) return false; el.focus(); el.select && el.select(); return true; })()`);
  if (!found) throw new Error(`${selector} not found`);
  await send('Input.insertText', { text }, session);
}

async function open(session, url) {
  const loaded = waitForEvent('Page.loadEventFired', session, `load of ${url}`);
  await send('Page.navigate', { url }, session);
  await loaded;
}

const WIDTHS = [['desktop', 1280, 900, false], ['phone', 390, 844, true]];

async function shoot(session, name) {
  for (const [label, width, height, mobile] of WIDTHS) {
    await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile }, session);
    const { cssContentSize } = await send('Page.getLayoutMetrics', {}, session);
    const full = Math.min(Math.ceil(cssContentSize.height), 5000);
    await send('Emulation.setDeviceMetricsOverride', { width, height: Math.max(full, height), deviceScaleFactor: 1, mobile }, session);
    const shot = await send('Page.captureScreenshot', { format: 'png' }, session);
    writeFileSync(join(outDir, `${name}-${label}.png`), Buffer.from(shot.data, 'base64'));
  }
  await send('Emulation.clearDeviceMetricsOverride', {}, session);
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: s } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, s);
  await open(s, `${baseUrl}/dashboard/sign-in`);
  await shoot(s, 'sign-in');
  await type(s, '#dev_id', credentials.dev_id);
  await type(s, '#api_key', credentials.api_key);
  await clickAndWait(s, byText('button', 'Sign in'), 'Sign in');

  // A demo user through the Connect page and the widget.
  await open(s, `${baseUrl}/dashboard/connect`);
  await clickAndWait(s, byText('button', 'Connect a demo user'), 'Connect a demo user');
  await clickAndWait(s, byText('a', 'Sandbox'), 'the Sandbox button');
  await clickAndWait(s, byText('button, input[type=submit]', 'Allow'), 'Allow');

  // Wait (bounded) until the backfill stored data for the user.
  let userId = null;
  for (let i = 0; i < 60 && !userId; i++) {
    await open(s, `${baseUrl}/dashboard/users`);
    userId = await evaluate(s, `(() => { const row = [...document.querySelectorAll('table.users tbody tr')]
      .find((tr) => !tr.children[5].textContent.includes('—'));
      return row ? row.querySelector('a.user-link').textContent.trim() : null; })()`);
    if (!userId) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  if (!userId) throw new Error('no user with data after 60 s');
  // And until its backfill completed, so the week shows data.
  for (let i = 0; i < 120; i++) {
    await open(s, `${baseUrl}/dashboard/users/${userId}`);
    if (await evaluate(s, "document.body.textContent.includes(': completed')")) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await open(s, `${baseUrl}/dashboard/users`);
  await shoot(s, 'users');
  await open(s, `${baseUrl}/dashboard/users/${userId}`);
  await shoot(s, 'user');
  await open(s, `${baseUrl}/dashboard/users/${userId}/data?view=week`);
  await shoot(s, 'data-week');
  await open(s, `${baseUrl}/dashboard/users/${userId}/data?view=month`);
  await shoot(s, 'data-month');
  await open(s, `${baseUrl}/dashboard/deliveries`);
  await shoot(s, 'deliveries');
  const event = await evaluate(s, "(document.querySelector('a.event-link') || {}).href || null");
  if (event) {
    await open(s, event);
    await shoot(s, 'event');
  }
  await open(s, `${baseUrl}/dashboard/webhook`);
  await shoot(s, 'webhook');
  await open(s, `${baseUrl}/dashboard/connect`);
  await type(s, '#reference_id', 'screenshot-user');
  await clickAndWait(s, byText('button', 'Create link'), 'Create link');
  await shoot(s, 'connect');
  await send('Browser.close').catch(() => {});
}

main()
  .catch((error) => {
    console.error(`screenshots failed: ${error.message}\nchromium said:\n${browserLog.slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  });
