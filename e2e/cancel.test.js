'use strict';
// Cancellations in the browser: a visitor registers for the free advocacy briefing, staff open
// the registration's own staff page (move or cancel), then the visitor follows "Cancel this
// registration" from their page, confirms and sees it cancelled; staff cancel the workshop (a
// missing reason first, named and kept), and the public page says "cancelled" with the reason.
// The demo's cancelled advocacy day shows its reason. axe-core on every page.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startServer,
  launchBrowser,
  newPage,
  check,
  saveOnFailure,
  waitForPath,
} = require('./helpers');

const GSCO = 'localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server-cancel' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function signIn(page, email, landing) {
  await page.goto(server.url(GSCO, '/sign-in'));
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForPath(page, landing);
}

test('a registrant cancels, staff see the registration and cancel an event', { timeout: 240_000 }, async () => {
  const visitor = await newPage(browser);
  const staff = await newPage(browser);
  try {
    await saveOnFailure(visitor.page, 'cancel-visitor', async () => {
      const page = visitor.page;
      // The demo's cancelled advocacy day says so on its page.
      await page.goto(server.url(GSCO, '/events/advocacy-day-at-the-statehouse'));
      await page.getByText('This event has been cancelled.').waitFor();
      assert.match(await page.textContent('main'), /The legislature extended its session/);
      await check(page, 'demo-cancelled-event');

      await page.goto(server.url(GSCO, '/events'));
      await page.getByRole('link', { name: 'Advocacy briefing: the legislative session ahead' }).click();
      await page.locator('a[href*="/register?type="]').first().click();
      await waitForPath(page, /\/register$/);
      await page.getByLabel('First name').fill('Casey');
      await page.getByLabel('Last name').fill('Canceller');
      await page.getByLabel('Email address').fill('casey.canceller@example.org');
      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await waitForPath(page, /^\/registrations\/[0-9a-f-]+$/);
      await page.getByText('Confirmed').first().waitFor();
      const registration = page.url();

      // Staff find it in the event's list and open its staff page.
      await saveOnFailure(staff.page, 'cancel-staff-registration', async () => {
        await signIn(staff.page, 'director@gsco.example', '/staff');
        await staff.page.goto(server.url(GSCO, '/staff/events'));
        await staff.page.getByRole('link', { name: 'Advocacy briefing: the legislative session ahead' }).first().click();
        await waitForPath(staff.page, /^\/staff\/events\/[0-9a-f-]+$/);
        const eventPath = new URL(staff.page.url()).pathname;
        await staff.page.goto(server.url(GSCO, `${eventPath}/registrations`));
        await staff.page.getByRole('link', { name: 'Casey Canceller' }).click();
        await waitForPath(staff.page, /^\/staff\/registrations\/[0-9a-f-]+$/);
        await staff.page.getByRole('heading', { name: 'Move to another type' }).waitFor();
        await staff.page.getByLabel('Reason (optional; the registrant is told)').waitFor();
        await check(staff.page, 'staff-registration');
      });

      await page.goto(registration);
      await page.getByRole('link', { name: 'Cancel this registration' }).click();
      await waitForPath(page, /\/cancel$/);
      await page.getByRole('heading', { name: 'Cancel your registration' }).waitFor();
      assert.match(await page.textContent('main'), /Nothing has been paid/);
      await check(page, 'cancel-confirm');
      await page.getByRole('button', { name: 'Yes, cancel my registration' }).click();
      await waitForPath(page, /^\/registrations\/[0-9a-f-]+$/);
      await page.getByText('This registration was cancelled.').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Cancel this registration' }).count(), 0);
      await check(page, 'cancel-done');
    });

    await saveOnFailure(staff.page, 'cancel-event', async () => {
      const page = staff.page;
      await page.goto(server.url(GSCO, '/staff/events'));
      await page.getByRole('link', { name: 'Workshop: managing immunotherapy toxicities' }).first().click();
      await waitForPath(page, /^\/staff\/events\/[0-9a-f-]+$/);
      await page.getByRole('link', { name: 'Cancel the event' }).click();
      await waitForPath(page, /\/cancel$/);
      await check(page, 'cancel-event-form');
      await page.getByRole('button', { name: 'Cancel the event' }).click();
      await page.getByText('Say why, in a few words').first().waitFor();
      await check(page, 'cancel-event-error');
      await page.getByLabel(/^Reason/).fill('The faculty cannot travel that week.');
      await page.getByRole('button', { name: 'Cancel the event' }).click();
      await page.getByText('This event is cancelled.').waitFor();
      await check(page, 'cancel-event-done');
    });

    await saveOnFailure(visitor.page, 'cancel-public', async () => {
      const page = visitor.page;
      await page.goto(server.url(GSCO, '/events/workshop-managing-immunotherapy-toxicities'));
      await page.getByText('This event has been cancelled.').waitFor();
      assert.match(await page.textContent('main'), /The faculty cannot travel that week\./);
      await check(page, 'cancelled-event-page');
    });
  } finally {
    await visitor.context.close();
    await staff.context.close();
  }
});
