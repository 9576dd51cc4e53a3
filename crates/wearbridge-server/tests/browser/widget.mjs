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

import { writeFileSync } from 'node:fs';

import { byText, launch } from './cdp.mjs';

const [widgetUrl, screenshotPath] = process.argv.slice(2);
if (!widgetUrl || !screenshotPath) {
  console.error('usage: node widget.mjs <widget_url> <screenshot.png>');
  process.exit(2);
}
const { send, waitForEvent, evaluate, clickAndWait, close, log } = launch('420,900');

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
    console.error(`browser test failed: ${error.message}\nchromium said:\n${log().slice(-2000)}`);
    process.exitCode = 1;
  })
  .finally(close);
