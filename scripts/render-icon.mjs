// Renders media/src/icon.svg into the 128x128 marketplace icon media/icon.png with headless chromium.
// Run it again after editing that SVG: `node scripts/render-icon.mjs`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, launchChromium } from '../test/harness/codeServer.mjs';

const svg = readFileSync(join(REPO, 'media/src/icon.svg'), 'utf8');
const browser = await launchChromium({ viewport: { width: 128, height: 128 } });
try {
  const page = await browser.newPage();
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: join(REPO, 'media/icon.png'), omitBackground: true });
  console.log('wrote media/icon.png');
} finally {
  await browser.close();
}
