'use strict';
// Joining in the browser, against the Stripe stand-in (`stripe-standin`, built with
// `cargo build -p chapterhouse-testkit --bin stripe-standin`, configured with `chapterhouse
// admin payments`): (a) a physician joins from the home page, fixes a mistake, pays by card on the
// stand-in's hosted page, lands on the page after joining, signs in with their password and sees
// the active membership; (b) an applicant to a level that needs approval asks for an invoice,
// staff approve the application, record a check on its invoice from the billing pages, and the
// person is active. Every page of ours passes axe-core and fits 360 px.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const {
  ARTIFACTS,
  startServer,
  launchBrowser,
  newPage,
  assertNoPageErrors,
  check,
  saveOnFailure,
  waitForPath,
  pathOf,
  serverBinary,
} = require('./helpers');

const BSOS = 'bsos.localhost';
const PASSWORD = 'chapterhouse-demo';
const SECRET_KEY = 'sk_test_51JoinBrowserSecretKey4242';
const WEBHOOK_SECRET = 'whsec_JoinBrowserSigningSecret9876';

let server;
let browser;
let standin;

function standinBinary() {
  return path.join(path.dirname(serverBinary()), 'stripe-standin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A valid NPI (Luhn over 80840 and the first nine digits) outside the demo's range. */
function npi(firstNine) {
  const digits = `80840${firstNine}`.split('').map(Number);
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${firstNine}${(10 - (sum % 10)) % 10}`;
}

before(async () => {
  server = await startServer({ name: 'join-server' });
  const bin = standinBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: cargo build -p chapterhouse-testkit --bin stripe-standin`);
  }
  const port = await freePort();
  const log = fs.createWriteStream(path.join(ARTIFACTS, 'join-stripe-standin.log'));
  standin = spawn(
    bin,
    [
      '--listen', `127.0.0.1:${port}`,
      '--secret-key', SECRET_KEY,
      '--webhook-secret', WEBHOOK_SECRET,
      '--webhook-url', `http://127.0.0.1:${server.port}/webhooks/stripe`,
      '--webhook-host', BSOS,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  standin.stdout.pipe(log);
  standin.stderr.pipe(log);
  standin.base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${standin.base}/v1/checkout/sessions`);
      break;
    } catch {
      if (i > 100) throw new Error('the Stripe stand-in did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  execFileSync(serverBinary(), [
    'admin', 'payments', '--society', 'bsos',
    '--publishable-key', 'pk_test_51JoinBrowserPublishable',
    '--secret-key', SECRET_KEY,
    '--webhook-secret', WEBHOOK_SECRET,
    '--api-base', standin.base,
    '--data-dir', server.dataDir,
  ], { env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')) });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (standin) standin.kill('SIGTERM');
  if (server) await server.stop();
});

/** Fill the Join form's "About you" part. */
async function aboutYou(page, { first, last, email, npiNumber, profession = 'Physician' }) {
  await page.getByLabel('First name', { exact: true }).fill(first);
  await page.getByLabel('Last name', { exact: true }).fill(last);
  await page.getByLabel('Credentials (optional)', { exact: true }).fill('MD');
  await page.getByLabel('Profession', { exact: true }).selectOption({ label: profession });
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('NPI', { exact: true }).fill(npiNumber);
  await page.getByLabel('Specialty (optional)', { exact: true }).fill('Medical oncology');
}

test('a physician joins, pays by card on the hosted page and sees the active membership', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'join-card', async () => {
      await page.goto(server.url(BSOS, '/'));
      await check(page, 'j0-home');
      await page.getByRole('banner').getByRole('link', { name: 'Join', exact: true }).click();
      await waitForPath(page, '/join');
      await page.getByRole('heading', { name: 'Join Beehive State Oncology Society' }).waitFor();
      assert.ok(!(await page.content()).includes('Retired'), 'staff place retired members; Join does not offer it');
      await check(page, 'j1-join');

      // A mistyped NPI: named, the input kept, the password not sent back.
      await aboutYou(page, {
        first: 'Imani',
        last: 'Castellanos',
        email: 'imani.castellanos@clinic.example',
        npiNumber: '1987654320',
      });
      await page.getByLabel('Practice or hospital (optional)', { exact: true }).fill('Wasatch Cancer Associates');
      await page.getByLabel(/^Active physician:/).check();
      await page.getByLabel('Choose a password (optional)', { exact: true }).fill('imani joins online');
      await page.getByLabel('Card', { exact: true }).check();
      await page.getByLabel('Renew automatically with this card or bank account', { exact: true }).check();
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByText('An NPI is 10 digits and the last one is a check digit.').first().waitFor();
      assert.equal(await page.getByLabel('Last name', { exact: true }).inputValue(), 'Castellanos');
      assert.equal(await page.getByLabel('Choose a password (optional)', { exact: true }).inputValue(), '');
      assert.ok(!(await page.content()).includes('imani joins online'), 'the password is never sent back');
      await check(page, 'j2-join-error');

      await page.getByLabel('NPI', { exact: true }).fill(npi('198765432'));
      await page.getByLabel('Choose a password (optional)', { exact: true }).fill('imani joins online');
      assert.ok(await page.getByLabel(/^Active physician:/).isChecked(), 'the level stays chosen');
      await page.getByRole('button', { name: 'Join', exact: true }).click();

      // The stand-in's hosted page (Stripe's, in production): a real form.
      await page.waitForURL((u) => u.toString().startsWith(`${standin.base}/checkout/`));
      await page.getByRole('button', { name: 'Pay', exact: true }).click();
      await waitForPath(page, '/join/thanks');
      await page.getByRole('heading', { name: 'Welcome to Beehive State Oncology Society' }).waitFor();
      await page.getByText('Your Active physician membership is active.').waitFor();
      await check(page, 'j3-thanks');

      await page.getByRole('main').getByRole('link', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/sign-in');
      await page.getByLabel('Email address', { exact: true }).fill('imani.castellanos@clinic.example');
      await page.getByLabel('Password', { exact: true }).fill('imani joins online');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForLoadState('load');
      await page.goto(server.url(BSOS, '/account/membership'));
      await page.getByText(/^Active through /).waitFor();
      await page.getByText('Automatic renewal is').first().waitFor();
      assert.ok((await page.content()).includes('<strong>on</strong>'), 'the card is kept for automatic renewal');
      await check(page, 'j4-membership');

      await page.getByRole('link', { name: 'Your invoices and receipts', exact: true }).click();
      await waitForPath(page, '/account/invoices');
      await page.locator('table').getByText('Paid', { exact: true }).first().waitFor();
      await check(page, 'j5-invoices');

      await page.goto(server.url(BSOS, '/account/renew'));
      await page.getByRole('heading', { name: 'Renew your membership' }).waitFor();
      await page.getByRole('button', { name: /^Renew for \$/ }).waitFor();
      await check(page, 'j6-renew');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('staff approve an application, record a check for its invoice, and the person is active', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'join-approval', async () => {
      await page.goto(server.url(BSOS, '/join'));
      await aboutYou(page, {
        first: 'Tomas',
        last: 'Whitcombe',
        email: 'tomas.whitcombe@clinic.example',
        npiNumber: npi('197531864'),
      });
      await page.getByLabel(/^Early career physician:/).check();
      await page.getByLabel('Send me an invoice', { exact: true }).check();
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await waitForPath(page, '/join/thanks');
      const heading = await page.getByRole('heading', { name: /^We've emailed invoice INV-\d{6} to you$/ }).textContent();
      const invoice = heading.match(/INV-\d{6}/)[0];
      await page.getByText('the society\'s staff review your application', { exact: false }).waitFor();
      await check(page, 'j7-thanks-invoice');

      await page.goto(server.url(BSOS, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('director@bsos.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/staff');

      await page.goto(server.url(BSOS, '/staff/applications'));
      await page.getByRole('button', { name: 'Approve Tomas Whitcombe' }).click();
      await page.getByText('They stay pending until their dues are paid.').waitFor();
      await check(page, 'j8-approved');

      // The billing pages: find the invoice and record the check.
      await page.getByRole('link', { name: 'Billing', exact: true }).first().click();
      await waitForPath(page, '/staff/billing');
      await page.locator('table').getByRole('link', { name: invoice, exact: true }).click();
      await waitForPath(page, /^\/staff\/invoices\//);
      await page.getByLabel('Amount received (US dollars)', { exact: true }).fill('175.00');
      await page.getByLabel('Check number or reference', { exact: true }).fill('Check 4410');
      await page.getByRole('button', { name: 'Record payment', exact: true }).click();
      await page.getByText('Payment recorded.').waitFor();
      await page.locator('#balance').getByText('$0.00', { exact: true }).waitFor();
      await check(page, 'j9-invoice-paid');

      await page.goto(server.url(BSOS, `/staff/members?q=${encodeURIComponent('tomas.whitcombe')}`));
      const row = page.locator('tbody tr', { hasText: 'Tomas Whitcombe' });
      await row.locator('td', { hasText: /^active\b/ }).waitFor();
      await check(page, 'j10-member-active');
      assert.match(pathOf(page), /^\/staff\/members/);
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
