'use strict';
// Card payments in the browser against the Stripe stand-in (`stripe-standin`, built with
// `cargo build -p chapterhouse-testkit --bin stripe-standin`): an admin's payment settings and
// webhook log, and a signed-in person adding a card through the stand-in's hosted page (a real
// form), coming back to see it saved, and removing it. Every page of ours passes axe-core and
// fits 360 px.

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
const SECRET_KEY = 'sk_test_51BrowserTestSecretKey4242';
const WEBHOOK_SECRET = 'whsec_BrowserTestSigningSecret9876';

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

before(async () => {
  server = await startServer({ name: 'payments-server' });
  const bin = standinBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: cargo build -p chapterhouse-testkit --bin stripe-standin`);
  }
  const port = await freePort();
  const log = fs.createWriteStream(path.join(ARTIFACTS, 'stripe-standin.log'));
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
  // What an operator does: the keys, and the API pointed at the stand-in.
  execFileSync(serverBinary(), [
    'admin', 'payments', '--society', 'bsos',
    '--publishable-key', 'pk_test_51BrowserTestPublishable',
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

test('an admin sees the saved keys and a card is added through the hosted page', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'payments', async () => {
      await page.goto(server.url(BSOS, '/sign-in'));
      await page.getByLabel('Email address', { exact: true }).fill('director@bsos.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/staff');

      await page.getByRole('link', { name: 'Payments', exact: true }).first().click();
      await waitForPath(page, '/staff/settings/payments');
      await page.getByText('sk_test_…4242').waitFor();
      assert.ok(!(await page.content()).includes(SECRET_KEY), 'the secret key is never shown again');
      await check(page, 'p1-payment-settings');

      // A mistake is named and the publishable key kept.
      await page.getByLabel('Publishable key', { exact: true }).fill('pk_test_51Kept123');
      await page.getByLabel('Secret key', { exact: true }).fill('not a key');
      await page.getByRole('button', { name: 'Save keys', exact: true }).click();
      await page.getByText('it starts with sk_live_ or sk_test_').first().waitFor();
      assert.equal(await page.getByLabel('Publishable key', { exact: true }).inputValue(), 'pk_test_51Kept123');
      await check(page, 'p2-payment-settings-error');

      await page.goto(server.url(BSOS, '/account/payment-method'));
      await page.getByText('You have no saved card or bank account.').waitFor();
      await check(page, 'p3-payment-method-none');
      await page.getByRole('button', { name: 'Add a card or bank account', exact: true }).click();
      // Stripe's (the stand-in's) hosted page: a real form.
      await page.waitForURL((u) => u.toString().startsWith(`${standin.base}/checkout/`));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await waitForPath(page, '/account/payment-method');
      await page.getByText('Visa •••• 4242').first().waitFor();
      await check(page, 'p4-payment-method-saved');

      await page.getByRole('button', { name: 'Remove Visa •••• 4242', exact: true }).click();
      await waitForPath(page, '/account/payment-method');
      await page.getByText('You have no saved card or bank account.').waitFor();

      await page.goto(server.url(BSOS, '/staff/payments/webhooks'));
      await page.getByText('saved Visa •••• 4242 for automatic renewal').waitFor();
      await check(page, 'p5-webhooks');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
