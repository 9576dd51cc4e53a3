// Drives headless Chromium through the hosted widget like a person would: open the widget
// link, click "Sandbox", click "Allow" on the provider's consent page, and report where the
// browser lands. Saves a screenshot of the widget page.
//
// Usage: node widget.mjs <widget_url> <screenshot.png>
// Prints one JSON line: {"widget_title": ..., "landing_url": ...}.
//
// Talks the Chrome DevTools Protocol over `--remote-debugging-pipe` (NUL-delimited JSON
// on file descriptors 3 and 4), so it needs no npm package and no WebSocket client:
// Node's child_process can hand extra pipes to the browser, which Rust's std cannot
// without `unsafe`. Clicks are real mouse events at the element's centre
// (Input.dispatchMouseEvent), not synthetic DOM `click()` calls.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [widgetUrl, screenshotPath] = process.argv.slice(2);
if (!widgetUrl || !screenshotPath) {
  console.error('usage: node widget.mjs <widget_url> <screenshot.png>');
  process.exit(2);
}
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
    if (!el) return null; el.scrollIntoView(); const r = el.getBoundingClientRect();
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

async function main() {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, sessionId);
  const opened = waitForEvent('Page.loadEventFired', sessionId, 'widget page load');
  await send('Page.navigate', { url: widgetUrl }, sessionId);
  await opened;
  const widgetTitle = await evaluate(sessionId, 'document.title');
  const shot = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  writeFileSync(screenshotPath, Buffer.from(shot.data, 'base64'));
  await clickAndWait(sessionId, byText('a', 'Sandbox'), 'the Sandbox button');
  await clickAndWait(sessionId, byText('button, input[type=submit]', 'Allow'), 'the Allow button');
  const landingUrl = await evaluate(sessionId, 'location.href');
  console.log(JSON.stringify({ widget_title: widgetTitle, landing_url: landingUrl }));
  await send('Browser.close').catch(() => {});
}

main()
  .catch((error) => {
    console.error(`browser test failed: ${error.message}\nchromium said:\n${browserLog.slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    // Wait for Chromium to exit before removing its profile (it writes until the end).
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      console.error(`note: could not remove ${profile}: ${error.message}`);
    }
  });
