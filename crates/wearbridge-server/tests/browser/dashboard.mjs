// Drives headless Chromium through the web dashboard like a person would: sign in, find a
// user, open its data view and check the charts drew, open a failed delivery and resend
// it, change the webhook URL. Saves a screenshot of the data page.
//
// Usage: node dashboard.mjs <base_url> <dev_id> <api_key> <user_id> <event_id> <new_webhook_url> <screenshot.png>
// Prints one JSON line with what the pages showed (the Rust test asserts on it).
//
// The DevTools plumbing is cdp.mjs (`--remote-debugging-pipe`, no npm
// package); typing is Input.insertText into the focused field and clicks are real mouse
// events at the element's centre.

import { writeFileSync } from 'node:fs';

import { byText, launch } from './cdp.mjs';

const [baseUrl, devId, apiKey, userId, eventId, newWebhookUrl, screenshotPath] = process.argv.slice(2);
if (!screenshotPath) {
  console.error('usage: node dashboard.mjs <base_url> <dev_id> <api_key> <user_id> <event_id> <new_webhook_url> <screenshot.png>');
  process.exit(2);
}

const { send, waitForEvent, evaluate, clickAndWait, close, log } = launch(process.env.WINDOW_SIZE || '1280,900');

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
    console.error(`browser test failed: ${error.message}\nchromium said:\n${log().slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(close);
