'use strict';
// Staff keep custom fields, import a member list (upload, refuse a Windows-1252 file, map a
// column, dry run, import), export the members list as CSV and change an imported custom field
// value on the person's page; every page passes axe-core and fits a 360 px screen.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const {
  startServer,
  launchBrowser,
  newPage,
  assertNoPageErrors,
  check,
  saveOnFailure,
  waitForPath,
} = require('./helpers');

const FIRST = 'localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'importexport-server' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function signIn(page, email) {
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForPath(page, '/staff');
}

/** YYYY-MM-DD, `days` from today. */
function dateIn(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test('staff add a custom field, import a member list and export the members', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser, { acceptDownloads: true });
  try {
    await saveOnFailure(page, 'importexport', async () => {
      await page.goto(server.url(FIRST, '/sign-in'));
      await signIn(page, 'director@gsco.example');

      // Custom fields: a mistake is named and kept; then the field is added.
      await page.getByRole('link', { name: 'Custom fields', exact: true }).first().click();
      await waitForPath(page, '/staff/custom-fields');
      await check(page, 'ie1-custom-fields');
      await page.getByLabel('Name', { exact: true }).fill('=Licence');
      await page.getByRole('button', { name: 'Add field', exact: true }).click();
      await page.getByText('Start the name with a letter or a digit.').first().waitFor();
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), '=Licence');
      await check(page, 'ie2-custom-fields-error');
      await page.getByLabel('Name', { exact: true }).fill('State licence');
      await page.getByLabel('Kind of value', { exact: true }).selectOption('text');
      await page.getByRole('button', { name: 'Add field', exact: true }).click();
      await waitForPath(page, '/staff/custom-fields');
      await page.locator('table').getByText('State licence').waitFor();

      // Import: Excel's plain CSV is refused, naming the line.
      await page.getByRole('link', { name: 'Import', exact: true }).first().click();
      await waitForPath(page, '/staff/import');
      await check(page, 'ie3-import');
      const file = page.getByLabel('Member list (CSV file)', { exact: true });
      await file.setInputFiles({
        name: 'members.csv',
        mimeType: 'text/csv',
        buffer: Buffer.concat([Buffer.from('Email,First name\nana@example.org,Ana\njose@example.org,Jos'), Buffer.from([0xe9, 0x0a])]),
      });
      await page.getByRole('button', { name: 'Upload and check', exact: true }).click();
      await page.getByText('Line 3 is not UTF-8 text', { exact: false }).first().waitFor();
      await check(page, 'ie4-import-refused');

      // A file whose email column has an unknown name: the dry run says so; map it; import.
      const csv =
        'User ID,First name,Last name,Organization,Mail,Membership level,Renewal due,State licence\n' +
        `7001,Amara,Okafor,Lakeside Oncology,amara.okafor@lakeside.example,Active physician,${dateIn(120)},=cmd\n` +
        `7002,Ben,Castillo,Lakeside Oncology,ben.castillo@lakeside.example,Active physician,${dateIn(200)},IL-209-88121\n`;
      await page.getByLabel('Member list (CSV file)', { exact: true }).setInputFiles({
        name: 'members.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv),
      });
      await page.getByRole('button', { name: 'Upload and check', exact: true }).click();
      await waitForPath(page, /^\/staff\/import\/[0-9a-f-]+$/);
      await page.getByText('No column is mapped to Email', { exact: false }).first().waitFor();
      await check(page, 'ie5-import-problems');
      await page.getByLabel('Mail', { exact: true }).selectOption('email');
      await page.getByRole('button', { name: 'Check again with these columns', exact: true }).click();
      await page.getByText('No problems: 2 rows ready to import', { exact: false }).waitFor();
      await check(page, 'ie6-import-ready');
      await page.getByRole('button', { name: 'Import 2 rows', exact: true }).click();
      await waitForPath(page, '/staff/import');
      await page.getByText('Imported members.csv: 2 rows, 2 new, 0 updated, 0 unchanged.').waitFor();
      await check(page, 'ie7-import-done');

      // Export what the members page's filter shows.
      await page.getByRole('link', { name: 'Members', exact: true }).first().click();
      await waitForPath(page, '/staff/members');
      await page.getByLabel('Name or email', { exact: true }).fill('lakeside.example');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      await page.locator('table').getByRole('cell', { name: 'Amara Okafor', exact: true }).waitFor();
      await check(page, 'ie8-members-filtered');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV', exact: true }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^members-\d{4}-\d{2}-\d{2}\.csv$/);
      const text = fs.readFileSync(await download.path(), 'utf8');
      assert.ok(text.startsWith('\ufeffUser ID,First name,Last name,Organization,Email,'), text.slice(0, 200));
      assert.equal(text.trim().split('\r\n').length, 3, `the header and the two filtered members:\n${text}`);
      assert.ok(text.includes(",'=cmd\r\n"), 'a formula-like cell is neutralised');

      // The person page shows the imported custom field value; staff change it there.
      await page.locator('table').getByRole('link', { name: 'Amara Okafor', exact: true }).click();
      await waitForPath(page, /^\/staff\/people\/[^/]+$/);
      assert.equal(await page.getByLabel('State licence', { exact: true }).inputValue(), '=cmd');
      await page.getByLabel('State licence', { exact: true }).fill('IL-209-77001');
      await page.getByRole('button', { name: 'Save custom fields', exact: true }).click();
      await page.getByText('Custom fields saved.').waitFor();
      assert.equal(await page.getByLabel('State licence', { exact: true }).inputValue(), 'IL-209-77001');
      await check(page, 'ie9-person-custom-fields');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
