'use strict';
// Staff record work in the browser: approve an application, the person page (a note, a status
// override with a mistake first), a committee with a chair, merging a duplicate, and erasing a
// person on request. Every page visited gets axe-core and the 360 px no-sideways-scroll check.

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

const LINDENMERE = 'lindenmere.localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server-records' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function signIn(page, email) {
  await page.goto(server.url(LINDENMERE, '/sign-in'));
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForPath(page, '/staff');
}

/** Add a member by hand on /staff/members/new; `paid` false leaves an application pending. */
async function addMember(page, name, email, level, paid) {
  await page.goto(server.url(LINDENMERE, '/staff/members/new'));
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Level', { exact: true }).selectOption({ label: level });
  const box = page.getByLabel('The first term is paid', { exact: false });
  if (paid) await box.check();
  else await box.uncheck();
  await page.getByRole('button', { name: 'Add member', exact: true }).click();
  await page.getByText(`${name} added as`, { exact: false }).waitFor();
}

/** Open a person's staff page from the members list. */
async function openPerson(page, query, name) {
  await page.goto(server.url(LINDENMERE, `/staff/members?q=${encodeURIComponent(query)}`));
  await page.locator('table').getByRole('link', { name, exact: true }).click();
  await waitForPath(page, /^\/staff\/people\/[^/]+$/);
}

test('staff approve an application and work on the person, committees, merge and erasure', { timeout: 300_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'records', async () => {
      await signIn(page, 'director@lindenmere.example');

      // A level that needs approval, and an applicant who has not paid.
      await page.goto(server.url(LINDENMERE, '/staff/levels'));
      await page.getByLabel('Name', { exact: true }).fill('Associate (approved)');
      await page.getByLabel('Fee (US dollars)', { exact: true }).fill('150');
      await page.getByLabel('Staff approve each application', { exact: true }).check();
      await page.getByRole('button', { name: 'Add level', exact: true }).click();
      await waitForPath(page, '/staff/levels');
      const level = 'Associate (approved) ($150.00)';
      await addMember(page, 'Dr Ines Okafor', 'ines.okafor@example.org', level, false);

      await page.getByRole('link', { name: 'Applications', exact: true }).first().click();
      await waitForPath(page, '/staff/applications');
      await page.getByRole('heading', { name: 'Dr Ines Okafor' }).waitFor();
      await check(page, 'r1-applications');
      await page.getByLabel('Message to Dr Ines Okafor (optional)').fill('Welcome; an invoice follows.');
      await page.getByRole('button', { name: 'Approve Dr Ines Okafor' }).click();
      await page.getByText('They stay pending until their dues are paid.').waitFor();
      await check(page, 'r2-applications-done');

      // The person page: a note, then an override with its reason forgotten, then given.
      await openPerson(page, 'okafor', 'Dr Ines Okafor');
      await page.getByText('approved', { exact: true }).waitFor();
      await check(page, 'r3-person');
      await page.getByLabel('Add a note', { exact: true }).fill('Asked for a receipt by post.');
      await page.getByRole('button', { name: 'Add note', exact: true }).click();
      await page.getByText('Asked for a receipt by post.').waitFor();
      await page.getByLabel('Set the status by hand', { exact: true }).selectOption('active');
      await page.getByRole('button', { name: 'Override the status', exact: true }).click();
      await page.getByText('Give a reason', { exact: false }).first().waitFor();
      assert.equal(await page.getByLabel('Set the status by hand', { exact: true }).inputValue(), 'active');
      await check(page, 'r4-person-error');
      await page.getByLabel('Reason for the override', { exact: true }).fill('Paid at the meeting desk');
      await page.getByRole('button', { name: 'Override the status', exact: true }).click();
      await page.getByText('Status overridden.', { exact: false }).waitFor();
      await page.getByText('Paid at the meeting desk', { exact: false }).first().waitFor();
      await check(page, 'r5-person-overridden');

      // A committee with Ines as chair.
      await page.getByRole('link', { name: 'Committees', exact: true }).first().click();
      await waitForPath(page, '/staff/committees');
      await check(page, 'r6-committees');
      await page.getByLabel('Name', { exact: true }).fill('Tumor Board Faculty');
      await page.getByLabel('Kind', { exact: true }).selectOption('group');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await waitForPath(page, /^\/staff\/committees\/[^/]+$/);
      await page.getByLabel('Email address or name', { exact: true }).fill('ines.okafor@example.org');
      await page.getByLabel('Role', { exact: true }).fill('chair');
      await page.getByRole('button', { name: 'Add to Tumor Board Faculty', exact: true }).click();
      await page.getByText('Added.', { exact: true }).waitFor();
      await page.locator('table').getByRole('cell', { name: 'chair', exact: true }).waitFor();
      await check(page, 'r7-committee');

      // A duplicate record, merged into Ines after the preview.
      await addMember(page, 'Ines Okafor MD', 'i.okafor@hospital.example', level, false);
      await openPerson(page, 'okafor', 'Dr Ines Okafor');
      await page.getByRole('link', { name: 'Merge a duplicate record into this person' }).click();
      await waitForPath(page, /\/merge$/);
      await page.getByLabel('Find the duplicate by name or email', { exact: true }).fill('i.okafor');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await check(page, 'r8-merge-search');
      await page.getByRole('link', { name: 'Ines Okafor MD, i.okafor@hospital.example' }).click();
      await page.getByRole('heading', { name: 'What the merge will do' }).waitFor();
      await check(page, 'r9-merge-preview');
      await page.getByRole('button', { name: 'Merge and delete the duplicate', exact: true }).click();
      await page.getByText('Records merged.', { exact: false }).waitFor();

      // Erasure on request: the wrong email is refused and kept; the right one anonymises (the
      // approval issued her dues invoice, a record that stays).
      await page.getByRole('link', { name: 'Delete or anonymise this person on request' }).click();
      await waitForPath(page, /\/erase$/);
      await check(page, 'r10-erase');
      await page.getByLabel('To confirm, type their email address', { exact: true }).fill('ines@example.org');
      await page.getByRole('button', { name: 'Anonymise Dr Ines Okafor', exact: true }).click();
      await page.getByText("That is not this person's email address.", { exact: false }).first().waitFor();
      assert.equal(
        await page.getByLabel('To confirm, type their email address', { exact: true }).inputValue(),
        'ines@example.org',
      );
      await check(page, 'r11-erase-error');
      await page.getByLabel('To confirm, type their email address', { exact: true }).fill('ines.okafor@example.org');
      await page.getByRole('button', { name: 'Anonymise Dr Ines Okafor', exact: true }).click();
      await page.getByText('Anonymised. Personal details are gone', { exact: false }).waitFor();
      await check(page, 'r12-anonymised');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
