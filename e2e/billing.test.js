'use strict';
// Billing in the browser: staff find a member, issue an invoice, record a check (a mistake is
// named and the input kept), see the balance reach zero, and visit the billing list, revenue
// accounts and a member's own invoices page. Every page passes axe-core and fits 360 px.

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
  server = await startServer({ name: 'billing-server' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('staff issue an invoice and record a check; billing pages pass axe', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'billing', async () => {
      await page.goto(server.url(BSOS, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('director@bsos.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/staff');

      await page.getByRole('link', { name: 'Billing', exact: true }).first().click();
      await waitForPath(page, '/staff/billing');
      await page.locator('table').getByRole('link', { name: /^INV-\d{6}$/ }).first().waitFor();
      await check(page, 'b1-billing');

      // An existing demo invoice with its payments.
      await page.locator('table').getByRole('link', { name: /^INV-\d{6}$/ }).first().click();
      await waitForPath(page, /^\/staff\/invoices\/[^/]+$/);
      await check(page, 'b2-invoice-demo');

      await page.goto(server.url(BSOS, '/staff/billing/accounts'));
      await page.locator('table').getByText('Sponsorship', { exact: true }).waitFor();
      await check(page, 'b3-accounts');

      await page.goto(server.url(BSOS, '/staff/invoices/new'));
      await check(page, 'b4-invoice-new-find');
      await page.getByLabel('Who is the invoice for?', { exact: true }).fill('a');
      await page.getByRole('button', { name: 'Find', exact: true }).click();
      await page.getByRole('list', { name: 'People found' }).getByRole('link').first().click();
      await waitForPath(page, '/staff/invoices/new');
      await page.getByLabel('Description').first().fill('Tumor board series, spring');
      await page.getByLabel('Unit price (US dollars)').first().fill('120');
      await check(page, 'b5-invoice-new-form');
      await page.getByRole('button', { name: 'Issue invoice', exact: true }).click();
      await waitForPath(page, /^\/staff\/invoices\/[^/]+$/);
      await page.getByText('issued.', { exact: false }).first().waitFor();

      // A mistake: named, and what was typed is kept.
      await page.getByLabel('Amount received (US dollars)', { exact: true }).fill('one twenty');
      await page.getByLabel('Check number or reference', { exact: true }).fill('Check 2207');
      await page.getByRole('button', { name: 'Record payment', exact: true }).click();
      await page.getByText('Enter the amount received, like 350.00.').first().waitFor();
      assert.equal(await page.getByLabel('Check number or reference', { exact: true }).inputValue(), 'Check 2207');
      await check(page, 'b6-payment-error');
      await page.getByLabel('Amount received (US dollars)', { exact: true }).fill('120.00');
      await page.getByRole('button', { name: 'Record payment', exact: true }).click();
      await page.getByText('Payment recorded.').waitFor();
      await page.locator('#balance').getByText('$0.00', { exact: true }).waitFor();
      await check(page, 'b7-paid');

      await page.goto(server.url(BSOS, '/account/invoices'));
      await page.getByRole('heading', { name: 'Your invoices and payments' }).waitFor();
      await check(page, 'b8-account-invoices');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
