// Drives headless Chromium through the web dashboard like a person would: sign in, find a
// user, open its data view and check the charts drew, open a failed delivery and resend
// it, change the webhook URL. Saves a screenshot of the data page.
//
// Usage: node dashboard.mjs <base_url> <dev_id> <api_key> <user_id> <event_id> <new_webhook_url> <screenshot.png>
// Prints one JSON line with what the pages showed (the Rust test asserts on it).
//
// The DevTools plumbing is the one of widget.mjs (`--remote-debugging-pipe`, no npm
// package); typing is Input.insertText into the focused field and clicks are real mouse
// events at the element's centre.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [baseUrl, devId, apiKey, userId, eventId, newWebhookUrl, screenshotPath] = process.argv.slice(2);
if (!screenshotPath) {
  console.error('usage: node dashboard.mjs <base_url> <dev_id> <api_key> <user_id> <event_id> <new_webhook_url> <screenshot.png>');
  process.exit(2);
}

const STEP_TIMEOUT_MS = 30000;

const profile = mkdtempSync(join(tmpdir(), 'wearbridge-chromium-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', `--window-size=${process.env.WINDOW_SIZE || '1280,900'}`,
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

// Types `text` into the field matching `selector` (focus, select all, insert).
async function type(session, selector, text) {
  const found = await evaluate(session, `(() => { const el = document.querySelector(${JSON.stringify(selector)});
    if (!el) return false; el.focus(); el.select && el.select(); return true; })()`);
  if (!found) throw new Error(`${selector} not found on ${await evaluate(session, 'location.href')}`);
  await send('Input.insertText', { text }, session);
}

async function open(session, url) {
  const loaded = waitForEvent('Page.loadEventFired', session, `load of ${url}`);
  await send('Page.navigate', { url }, session);
  await loaded;
}

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId: s } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, s);
  const report = {};

  await open(s, `${baseUrl}/dashboard`);
  report.first_page = new URL(await evaluate(s, 'location.href')).pathname;
  await type(s, '#dev_id', devId);
  await type(s, '#api_key', apiKey);
  await clickAndWait(s, byText('button', 'Sign in'), 'the Sign in button');
  report.after_sign_in = new URL(await evaluate(s, 'location.href')).pathname;

  await type(s, '#q', userId.slice(0, 8));
  await clickAndWait(s, byText('button', 'Search'), 'the Search button');
  await clickAndWait(s, byText('a.user-link', userId), 'the user link');
  await clickAndWait(s, byText('a', 'View data'), 'the View data link');
  report.data_path = new URL(await evaluate(s, 'location.href')).pathname;
  if (process.env.DATA_END) {
    // The seeded week, picked in the page's own form (a date input takes no typed text
    // in headless Chromium, so its value is set).
    await evaluate(s, `document.getElementById('end').value = ${JSON.stringify(process.env.DATA_END)}`);
    await clickAndWait(s, byText('button', 'Show'), 'the Show button');
  }
  report.charts = await evaluate(s, `[...document.querySelectorAll('svg.chart')].map((svg) => ({
    label: svg.getAttribute('aria-label'),
    shapes: svg.querySelectorAll('rect.bar, rect.stage, polyline').length,
    width: Math.round(svg.getBoundingClientRect().width) }))`);
  const shot = await send('Page.captureScreenshot', { format: 'png' }, s);
  writeFileSync(screenshotPath, Buffer.from(shot.data, 'base64'));

  await open(s, `${baseUrl}/dashboard/deliveries?state=failed`);
  await clickAndWait(s, byText('a.event-link', eventId), 'the failed event');
  report.state_before = await evaluate(s, "document.getElementById('event-state').textContent.trim()");
  await clickAndWait(s, byText('button', 'Resend'), 'the Resend button');
  report.state_after = await evaluate(s, "document.getElementById('event-state').textContent.trim()");
  report.resend_notice = await evaluate(s, "(document.querySelector('.notice') || {}).textContent || ''");

  await open(s, `${baseUrl}/dashboard/webhook`);
  await type(s, '#url', newWebhookUrl);
  await clickAndWait(s, byText('button', 'Save URL'), 'the Save URL button');
  report.webhook_url = await evaluate(s, "document.getElementById('webhook-url').textContent.trim()");

  console.log(JSON.stringify(report));
  await send('Browser.close').catch(() => {});
}

main()
  .catch((error) => {
    console.error(`browser test failed: ${error.message}\nchromium said:\n${browserLog.slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      console.error(`note: could not remove ${profile}: ${error.message}`);
    }
  });
