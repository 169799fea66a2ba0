'use strict';
// Practices and the member portal in the browser, on the demo's Beehive State society: (a) a
// practice manager signs in, opens their practice and adds a colleague, and is told the prorated
// amount the practice's next invoice will carry; (b) the directory (public and as a member) and
// the member portal; (c) staff's practice pages and a level's edit page; (d) a practice joins from
// /join/practice: more rows without losing what was typed, a mistake named at its row, the invoice
// reviewed, then joined. Every page passes axe-core and fits 360 px.

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
const MANAGER = 'practice.manager@practices.example';

let server;
let browser;

/** A valid NPI (Luhn over 80840 and the first nine digits). */
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
  server = await startServer({ name: 'practice-server' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function signIn(page, email) {
  await page.goto(server.url(BSOS, '/sign-in'));
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => new URL(u).pathname !== '/sign-in');
  await page.waitForLoadState('load');
}

test('a practice manager adds a colleague and sees the prorated amount', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'practice-manager', async () => {
      await signIn(page, MANAGER);
      await page.goto(server.url(BSOS, '/account/practice'));
      await page.getByRole('heading', { name: 'Add a colleague', exact: true }).waitFor();
      const heading = await page.getByRole('heading', { level: 1 }).textContent();
      assert.equal(heading.trim(), 'Hill Country Oncology');
      await check(page, 'p1-practice');

      await page.getByLabel('First name', { exact: true }).fill('Quentin');
      await page.getByLabel('Last name', { exact: true }).fill('Okonkwo');
      await page.getByLabel('Email address', { exact: true }).fill('quentin.okonkwo@hillcountry.example');
      await page.getByLabel('Profession', { exact: true }).selectOption({ label: 'Physician' });
      await page.getByLabel('Credentials', { exact: true }).fill('MD');
      await page.getByRole('button', { name: 'Add colleague', exact: true }).click();
      const notice = page.getByText(/^Added\. \$[\d,]+\.\d\d \(prorated for \d+ months?\) will be on the practice's next invoice\.$/);
      await notice.waitFor();
      await page.getByRole('cell', { name: /^Quentin Okonkwo, MD/ }).waitFor();
      await check(page, 'p2-colleague-added');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('the directory and the member portal pass axe, in public and signed in', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'member-portal', async () => {
      await page.goto(server.url(BSOS, '/directory'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p3-directory-public');

      await signIn(page, 'member@bsos.example');
      await page.goto(server.url(BSOS, '/directory'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p4-directory-member');

      await page.goto(server.url(BSOS, '/account/membership'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p5-membership');

      await page.goto(server.url(BSOS, '/account/profile'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p6-profile');

      await page.goto(server.url(BSOS, '/account/invoices'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p7-invoices');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test("staff's practice pages and a level's edit page pass axe", { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'staff-practices', async () => {
      await signIn(page, 'director@bsos.example');
      await page.goto(server.url(BSOS, '/staff/practices'));
      await page.locator('table').getByRole('link', { name: 'Hill Country Oncology', exact: true }).waitFor();
      await check(page, 'p8-staff-practices');

      await page.locator('table').getByRole('link', { name: 'Hill Country Oncology', exact: true }).click();
      await waitForPath(page, /^\/staff\/practices\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Hill Country Oncology' }).first().waitFor();
      await check(page, 'p9-staff-practice');

      await page.goto(server.url(BSOS, '/staff/practices/new'));
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p10-staff-practice-new');

      await page.goto(server.url(BSOS, '/staff/levels'));
      await page.locator('table').getByRole('link', { name: 'Practice', exact: true }).click();
      await waitForPath(page, /^\/staff\/levels\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await check(page, 'p11-staff-level-edit');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('a practice joins: more rows keep what was typed, a mistake is named, the invoice is reviewed', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'practice-join', async () => {
      await page.goto(server.url(BSOS, '/join'));
      await page.getByRole('link', { name: 'Join as a practice', exact: true }).click();
      await waitForPath(page, '/join/practice');
      await page.getByRole('heading', { name: 'Join Beehive State Oncology Society as a practice' }).waitFor();
      await check(page, 'p12-join-practice');

      await page.getByLabel('Practice name', { exact: true }).fill('Wasatch Front Oncology');
      await page.getByLabel('Practice NPI', { exact: true }).fill(npi('177062603'));
      await page.getByLabel('Street address', { exact: true }).fill('400 Canyon Road');
      await page.getByLabel('City', { exact: true }).fill('Provo');
      await page.getByLabel('State', { exact: true }).fill('UT');
      await page.getByLabel('ZIP code', { exact: true }).fill('84601');
      await page.getByLabel("Key contact's name", { exact: true }).fill('Kira Keyes');
      await page.getByLabel("Key contact's email address", { exact: true }).fill('kira@wasatchfront.example');
      await page.getByLabel("Billing contact's name (optional)", { exact: true }).fill('Ben Billings');
      await page.getByLabel("Billing contact's email address (optional)", { exact: true }).fill('billing@wasatchfront.example');
      await page.getByLabel(/^Practice$/).check();
      const row = (n) => page.getByRole('group', { name: `Clinician ${n}`, exact: true });
      const fillRow = async (n, first, last, profession, email, npiNumber) => {
        await row(n).getByLabel('First name', { exact: true }).fill(first);
        await row(n).getByLabel('Last name', { exact: true }).fill(last);
        await row(n).getByLabel('Credentials', { exact: true }).fill(profession === 'Nurse practitioner' ? 'NP' : 'MD');
        await row(n).getByLabel('Profession', { exact: true }).selectOption({ label: profession });
        await row(n).getByLabel('Email address', { exact: true }).fill(email);
        await row(n).getByLabel('NPI', { exact: true }).fill(npiNumber);
      };
      await fillRow(1, 'Wren', 'Castillo', 'Physician', 'wren@wasatchfront.example', npi('171234567'));
      await fillRow(2, 'Noor', 'Haddad', 'Nurse practitioner', 'noor@wasatchfront.example', '1712345670');

      // Five more rows: everything typed is still there.
      await page.getByRole('button', { name: 'Add more rows', exact: true }).click();
      await row(10).waitFor();
      assert.equal(await row(1).getByLabel('First name', { exact: true }).inputValue(), 'Wren');
      assert.equal(await page.getByLabel('Practice name', { exact: true }).inputValue(), 'Wasatch Front Oncology');
      await fillRow(8, 'Fern', 'Lindqvist', 'Fellow in training', 'fern@wasatchfront.example', npi('173333333'));

      // Noor's NPI is mistyped: named at her row, the rest kept.
      await page.getByRole('button', { name: 'Review the invoice', exact: true }).click();
      await row(2).getByText('An NPI is 10 digits and the last one is a check digit.').waitFor();
      assert.equal(await row(8).getByLabel('Email address', { exact: true }).inputValue(), 'fern@wasatchfront.example');
      await check(page, 'p13-join-practice-error');

      await row(2).getByLabel('NPI', { exact: true }).fill(npi('172222222'));
      await page.getByRole('button', { name: 'Review the invoice', exact: true }).click();
      const invoice = page.getByRole('table', { name: 'Dues for each clinician' });
      await invoice.waitFor();
      await invoice.getByRole('row', { name: /Wren Castillo Physician \$350\.00 \$350\.00/ }).waitFor();
      await invoice.getByRole('row', { name: /Noor Haddad Nurse practitioner \$150\.00 \$150\.00/ }).waitFor();
      await invoice.getByRole('row', { name: /Fern Lindqvist Fellow in training Free \$0\.00/ }).waitFor();
      await invoice.getByRole('row', { name: /Total \$500\.00/ }).waitFor();
      await check(page, 'p14-join-practice-review');

      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await waitForPath(page, '/join/practice/thanks');
      await page.getByRole('heading', { name: /^We've emailed invoice INV-\d{6} to billing@wasatchfront\.example$/ }).waitFor();
      await check(page, 'p15-join-practice-thanks');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
