'use strict';
// Check-in at the door on a phone: staff open the advocacy briefing's check-in page at 360 px,
// search a registrant by last name, tap "Check in" and see "Checked in at …"; then the event's
// report and the Zoom attendance import page. Every page visited gets axe-core and the 360 px
// no-sideways-scroll check.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startServer,
  launchBrowser,
  newPage,
  assertNoPageErrors,
  check,
  saveOnFailure,
  waitForPath,
} = require('./helpers');

const GSCO = 'localhost';
const PASSWORD = 'chapterhouse-demo';
const PHONE = { width: 360, height: 740 };

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server-checkin' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('staff check someone in at the door on a phone', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser, { viewport: PHONE });
  try {
    await saveOnFailure(page, 'checkin-phone', async () => {
      await page.goto(server.url(GSCO, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('director@gsco.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/staff');

      await page.goto(server.url(GSCO, '/staff/events'));
      await page.getByRole('link', { name: 'Advocacy briefing: the legislative session ahead' }).click();
      await waitForPath(page, /^\/staff\/events\/[^/]+$/);
      const eventPath = new URL(page.url()).pathname;
      await page.getByRole('link', { name: 'Check-in', exact: true }).click();
      await waitForPath(page, `${eventPath}/checkin`);
      await page.getByRole('heading', { name: 'Check-in', exact: true }).waitFor();
      assert.match(await page.textContent('main'), /1 of 5 confirmed registrations checked in/);
      await check(page, 'checkin-list');

      // Someone not yet in: their card has a "Check in" button.
      const card = page.locator('.checkin-card', { has: page.locator('button.checkin-button') }).first();
      const name = (await card.locator('h3').textContent()).trim();
      const last = name.split(' ').slice(-1)[0];
      await page.getByLabel('Name or email', { exact: true }).fill(last);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await waitForPath(page, `${eventPath}/checkin`);
      assert.equal(new URL(page.url()).searchParams.get('q'), last);
      await check(page, 'checkin-search');

      const button = page.getByRole('button', { name: `Check in ${name}` });
      const box = await button.boundingBox();
      assert.ok(box.height >= 44, `the tap target is ${box.height}px tall`);
      await button.click();
      await page.getByText('Checked in.', { exact: true }).waitFor();
      const done = page.locator('.checkin-card', { has: page.getByRole('heading', { name }) });
      assert.match(await done.textContent(), /Checked in at \d{1,2}:\d\d (am|pm) by/);
      assert.match(await page.textContent('main'), /2 of 5 confirmed registrations checked in/);
      await check(page, 'checkin-done');

      await page.goto(server.url(GSCO, `${eventPath}/report`));
      await page.getByRole('heading', { name: 'Event report', exact: true }).waitFor();
      assert.match(await page.textContent('main'), /2 learners attended/);
      await check(page, 'event-report');

      await page.goto(server.url(GSCO, `${eventPath}/attendance/import`));
      await page.getByLabel('Zoom report (CSV file)', { exact: true }).waitFor();
      await check(page, 'attendance-import');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
