'use strict';
// Event registration in the browser against the Stripe stand-in (configured as in
// payments.test.js and join.test.js): a visitor who is not a member registers for the annual
// meeting at the list price, pays on the stand-in's hosted page and lands on a confirmed
// registration with its QR ticket; the demo member signs in, registers for the workshop at the
// member price, pays, and finds both registrations in the portal. Every page of ours gets
// axe-core and the 360 px check.

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
  serverBinary,
} = require('./helpers');

const BSOS = 'bsos.localhost';
const PASSWORD = 'chapterhouse-demo';
const SECRET_KEY = 'sk_test_51RegistrationTestSecret4242';
const WEBHOOK_SECRET = 'whsec_RegistrationTestSigning9876';

let server;
let browser;
let standin;

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

before(async () => {
  server = await startServer({ name: 'registration-server' });
  const bin = path.join(path.dirname(serverBinary()), 'stripe-standin');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: cargo build -p chapterhouse-testkit --bin stripe-standin`);
  }
  const port = await freePort();
  const log = fs.createWriteStream(path.join(ARTIFACTS, 'registration-standin.log'));
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
    '--publishable-key', 'pk_test_51RegistrationPublishable',
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

/** Pay on the stand-in's hosted page and wait to be back on the registration's page. */
async function payOnHostedPage(page, amount) {
  await page.waitForURL((u) => u.toString().startsWith(`${standin.base}/checkout/`));
  await page.getByRole('heading', { name: `Pay ${amount}` }).waitFor();
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  await waitForPath(page, /^\/registrations\/[0-9a-f-]+$/);
  // The webhook confirms the registration; it has normally arrived before the redirect.
  for (let i = 0; i < 20; i++) {
    if (/Confirmed/.test(await page.textContent('main'))) break;
    await new Promise((r) => setTimeout(r, 250));
    await page.reload();
  }
}

test('a visitor registers for the annual meeting, pays by card and is confirmed', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'registration-visitor', async () => {
      await page.goto(server.url(BSOS, '/events'));
      await page.getByRole('link', { name: /BSOS Annual Meeting/ }).click();
      await waitForPath(page, /^\/events\/bsos-annual-meeting-\d+$/);
      await page.getByRole('link', { name: /^Register\s*:\s*Physician$/ }).click();
      await waitForPath(page, /^\/events\/bsos-annual-meeting-\d+\/register$/);
      const form = await page.textContent('main');
      assert.match(form, /\$450\.00 \(\$325\.00 for members\)/);
      assert.match(form, /Members pay less/);
      assert.ok(await page.getByLabel(/^Physician:/).isChecked(), 'the type chosen on the event page');
      await check(page, 'r1-register-form');

      // A mistake first: the reason is named and what was typed is kept.
      await page.getByLabel('First name', { exact: true }).fill('Priya');
      await page.getByLabel('Last name', { exact: true }).fill('Raman');
      await page.getByLabel('Email address', { exact: true }).fill('priya.raman@clinic.example');
      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await page.getByText('Choose an answer to "Dietary needs".').first().waitFor();
      assert.equal(await page.getByLabel('First name', { exact: true }).inputValue(), 'Priya');
      await check(page, 'r2-register-form-error');

      await page.getByLabel('Dietary needs').selectOption('Vegetarian');
      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await payOnHostedPage(page, '$450.00');
      const confirmed = await page.textContent('main');
      assert.match(confirmed, /Confirmed/);
      assert.match(confirmed, /You are registered/);
      assert.match(confirmed, /Priya Raman \(priya\.raman@clinic\.example\)/);
      assert.match(confirmed, /Physician, \$450\.00/);
      assert.match(confirmed, /Vegetarian/);
      await page.getByRole('img', { name: 'QR code for checking in at the door' }).waitFor();
      await check(page, 'r3-registration-confirmed');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('the demo member registers for the workshop at the member price', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'registration-member', async () => {
      await page.goto(server.url(BSOS, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('member@bsos.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((u) => !new URL(u).pathname.startsWith('/sign-in'));

      await page.goto(server.url(BSOS, '/events'));
      await page.getByRole('link', { name: /Workshop: managing immunotherapy toxicities/ }).click();
      await waitForPath(page, /^\/events\/workshop-managing-immunotherapy-toxicities/);
      assert.match(await page.textContent('main'), /\$40\.00 \(member price\)/);
      await page.getByRole('link', { name: /^Register\s*:\s*Participant$/ }).click();
      await waitForPath(page, /\/register$/);
      const form = await page.textContent('main');
      assert.match(form, /Participant: \$40\.00 \(member price\)/);
      assert.doesNotMatch(form, /\$75\.00/);
      assert.equal(await page.getByLabel('First name', { exact: true }).count(), 0, 'a member registers as themselves');
      await check(page, 'r4-member-form');

      await page.getByRole('button', { name: 'Register', exact: true }).click();
      await payOnHostedPage(page, '$40.00');
      const confirmed = await page.textContent('main');
      assert.match(confirmed, /Confirmed/);
      assert.match(confirmed, /Participant, \$40\.00/);
      await check(page, 'r5-member-confirmed');

      // The portal lists it, with the annual meeting the demo registered them for.
      await page.goto(server.url(BSOS, '/account/registrations'));
      const list = await page.textContent('main');
      assert.match(list, /Workshop: managing immunotherapy toxicities/);
      assert.match(list, /BSOS Annual Meeting/);
      await check(page, 'r6-account-registrations');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
