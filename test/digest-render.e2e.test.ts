// Digests in a real browser (Chromium): a real digest's HTML rendered offline (no request leaves the page), the
// dashboard's subscribe form with mail on and off, and a digest's paper link opening the paper on the dashboard.
// DIGEST_SCREENSHOT_DIR=docs npx vitest run test/digest-render.e2e.test.ts  refreshes docs/digest.png.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { tempDir, sqliteOf } from './helpers.js';
import { startMailbox, type Mailbox } from './mailbox.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`digest e2e test skipped: ${CHROMIUM} is missing (CI installs the chromium package)`);
const shots = process.env.DIGEST_SCREENSHOT_DIR ?? tempDir('paperfeed-digest-shots-');

describe.skipIf(!hasChromium)('digests in Chromium', () => {
  let server: RunningServer;
  let box: Mailbox;
  let browser: Browser;
  let html: string;
  let firstPaper: string;

  beforeAll(async () => {
    box = await startMailbox();
    server = await startServer(
      loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', SMTP_URL: box.url, DIGEST_SCHEDULE: 'off', PUBLIC_URL: 'https://papers.example.org' }),
      () => {},
    );
    await server.ready;
    // A real digest: a reader of robotics papers, confirmed, planned and sent through the SMTP server.
    const ids = sqliteOf(server).db.prepare("SELECT id FROM papers WHERE title LIKE '%robot%' ORDER BY seq LIMIT 4").pluck().all() as string[];
    const { user } = await server.runtime.engine.users.create('ada');
    for (const id of ids) await server.runtime.engine.users.addStar(user.id, id);
    const store = server.runtime.engine.digests;
    const sub = await store.createSubscription({ kind: 'feed', userId: user.id, email: 'ada@example.org', cadence: 'daily', hour: 7, timeZone: 'UTC', k: 8, category: null }, new Date());
    await store.setStatus(sub.id, ['pending'], 'confirmed', new Date());
    expect((await server.digests!.runDueDigests(new Date('2026-12-07T08:00:00Z'))).sent).toBe(1);
    html = box.delivered[0].mail.html as string;
    firstPaper = decodeURIComponent(/#paper=([^"]+)"/.exec(html)![1]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await box?.close();
  });

  it('renders the digest offline, readable on a desktop and a phone', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    for (const [width, height, name] of [[720, 1200, 'digest.png'], [375, 800, 'digest-phone.png']] as const) {
      await page.setViewportSize({ width, height });
      await page.setContent(html, { waitUntil: 'load' });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(0);
      const titles = await page.locator('a[href*="#paper="]').allTextContents();
      expect(titles.filter((t) => /^\d+\. /.test(t))).toHaveLength(8);
      await page.screenshot({ path: path.join(shots, name), fullPage: width === 720 ? false : true });
    }
    expect(requests).toEqual([]); // no remote images, fonts or styles
    await context.close();
  });

  it('a paper link from the digest opens the paper on the dashboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#paper=${encodeURIComponent(firstPaper)}`);
    const drawer = page.locator('#drawer');
    await drawer.waitFor({ state: 'visible' });
    await expect.poll(() => drawer.textContent()).toContain(sqliteOf(server).getPaper(firstPaper)!.title.slice(0, 40));
    await page.close();
  });

  it('the dashboard form subscribes to trending; the confirmation arrives by mail', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.locator('#digest-form').waitFor({ state: 'visible' });
    await page.fill('#digest-email', 'visitor@example.org');
    await page.click('#digest-form button[type=submit]');
    await expect.poll(() => page.locator('#digest-status').textContent()).toContain('Check your inbox');
    await box.waitFor(() => box.to('visitor@example.org').length === 1, 'the confirmation mail');
    expect(box.to('visitor@example.org')[0].mail.text).toContain('https://papers.example.org/digest/');
    await page.close();
  });

  it('without SMTP_URL the dashboard says digests are off', async () => {
    const off = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', SEED_ON_EMPTY: 'false' }), () => {});
    try {
      const page = await browser.newPage();
      await page.goto(off.url);
      await expect.poll(() => page.locator('#digest-status').textContent()).toContain('SMTP_URL is not set');
      expect(await page.locator('#digest-form').isHidden()).toBe(true);
      await page.close();
    } finally {
      await off.close();
    }
  });
});
