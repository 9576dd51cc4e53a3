// The DevTools plumbing the browser scripts share (widget.mjs, dashboard.mjs and
// tools/dashboard-screenshots.mjs): headless Chromium over `--remote-debugging-pipe`, no npm
// package. `launch()` starts a browser with its own throwaway profile; `close()` stops it
// and removes the profile.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STEP_TIMEOUT_MS = 30000;

export function launch(windowSize = '1280,900') {
  const profile = mkdtempSync(join(tmpdir(), 'wearbridge-chromium-'));
  const browser = spawn(process.env.CHROMIUM || 'chromium', [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--remote-debugging-pipe', `--window-size=${windowSize}`,
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

  // Stops Chromium, waiting for it to exit before removing its profile (it writes until the end).
  async function close() {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    browser.kill();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      console.error(`note: could not remove ${profile}: ${error.message}`);
    }
  }

  return { send, waitForEvent, evaluate, clickAndWait, close, log: () => browserLog };
}

// A JS expression: the first element matching `selector` whose text (or value) contains `text`.
export const byText = (selector, text) =>
  `[...document.querySelectorAll(${JSON.stringify(selector)})].find((el) => (el.textContent || el.value || '').trim().includes(${JSON.stringify(text)}))`;
