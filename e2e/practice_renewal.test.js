'use strict';
// A practice's renewal in the browser: the demo practice's manager opens the renewal from the
// practice page, sees each colleague's line and the total, asks for the invoice, and finds it
// named on the renewal page and in the invoices list. Every page passes axe-core and fits 360 px.

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

const BSOS = 'bsos.localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'practice-renewal-server' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a practice manager renews the practice by invoice; the pages pass axe', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'practice-renewal', async () => {
      await page.goto(server.url(BSOS, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('practice.manager@practices.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForLoadState();

      await page.goto(server.url(BSOS, '/account/practice'));
      await page.getByRole('link', { name: "Renew the practice's membership", exact: true }).click();
      await waitForPath(page, '/account/renew');
      await page.getByRole('heading', { level: 1, name: /^Renew / }).waitFor();
      const table = page.getByRole('table', { name: 'What the renewal covers' });
      await table.waitFor();
      assert.ok((await table.getByRole('row').count()) >= 3, 'a line per colleague and the total');
      const total = (await page.locator('#total').innerText()).trim();
      assert.match(total, /^\$[\d,]+\.\d{2}$/);
      await check(page, 'pr1-renew-practice');

      await page.getByLabel('Send me an invoice', { exact: true }).check();
      await page.getByRole('button', { name: /^Renew for / }).click();
      await page.getByRole('heading', { name: /^We've emailed invoice INV-\d{6}$/ }).waitFor();
      const heading = await page.getByRole('heading', { level: 1 }).innerText();
      const number = heading.match(/INV-\d{6}/)[0];
      await check(page, 'pr2-invoice-emailed');

      // The renewal page now names the invoice, and the invoices list has it.
      await page.goBack();
      await page.reload();
      await page.getByRole('link', { name: `${number} (PDF)` }).waitFor();
      await check(page, 'pr3-renew-practice-invoiced');
      await page.goto(server.url(BSOS, '/account/invoices'));
      await page.locator('table').getByRole('link', { name: `${number} (PDF)` }).waitFor();
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
