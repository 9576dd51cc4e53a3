// Drives headless Chromium through the dashboard and saves a screenshot of each page at
// desktop and phone width (see tools/dashboard-screenshots, which starts the server).
// The DevTools plumbing is crates/wearbridge-server/tests/browser/cdp.mjs, shared with the browser tests.
//
// Usage: node dashboard-screenshots.mjs <base_url> <credentials JSON> <out_dir>

import { writeFileSync } from 'node:fs';

import { byText, launch } from '../crates/wearbridge-server/tests/browser/cdp.mjs';

const [baseUrl, credentialsJson, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node dashboard-screenshots.mjs <base_url> <credentials JSON> <out_dir>');
  process.exit(2);
}
const credentials = JSON.parse(credentialsJson);

const { send, waitForEvent, evaluate, clickAndWait, close, log } = launch('420,900');

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
    console.error(`screenshots failed: ${error.message}\nchromium said:\n${log().slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(close);
