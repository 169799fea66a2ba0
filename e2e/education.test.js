'use strict';
// Education in the browser: staff open the annual meeting's education activity from the event's
// page and mark the demo member as attended on the event's attendance page; the member opens
// their continuing education, completes the evaluation, is refused a claim off the 0.25 step
// (input kept), claims credit, downloads the certificate and reads the transcript. Every page
// visited gets axe-core and the 360 px no-sideways-scroll check.

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
  server = await startServer({ name: 'server-education' });
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
  if (landing) await waitForPath(page, landing);
}

test('staff record attendance; the attendee evaluates, claims credit and downloads the certificate', { timeout: 240_000 }, async () => {
  const staff = await newPage(browser);
  try {
    await saveOnFailure(staff.page, 'education-staff', async () => {
      const page = staff.page;
      await signIn(page, 'director@gsco.example', '/staff');
      await page.goto(server.url(GSCO, '/staff/events'));
      await page.getByRole('link', { name: /GSCO Annual Meeting/ }).click();
      await waitForPath(page, /^\/staff\/events\/[0-9a-f-]+$/);
      const eventPath = new URL(page.url()).pathname;

      // The event's education activity: statements, credit per session, questions, exports.
      await page.getByRole('button', { name: /Education activity/ }).click();
      await waitForPath(page, /^\/staff\/education\/[0-9a-f-]+$/);
      const activity = await page.textContent('main');
      assert.match(activity, /Live thoracic tumor board/);
      assert.match(activity, /PARS learner completions/);
      await check(page, 'staff-education-activity');
      await page.getByRole('link', { name: 'Evaluation results' }).click();
      await page.getByRole('heading', { name: 'Evaluation results' }).waitFor();
      await check(page, 'staff-education-results');
      await page.goto(server.url(GSCO, '/staff/education'));
      await page.getByRole('heading', { name: 'Education activities' }).waitFor();
      assert.match(await page.textContent('main'), /recorded webinar/);
      await check(page, 'staff-education-list');

      // Mark the demo member as attended.
      await page.goto(server.url(GSCO, `${eventPath}/attendance`));
      await page.getByLabel('Find a person by name or email').fill('member@gsco');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.getByRole('button', { name: /Mark attended/ }).first().click();
      await page.getByText('Attendance saved.').waitFor();
      assert.match(await page.textContent('main'), /Marked by staff/);
      await check(page, 'staff-attendance');
    });
  } finally {
    await staff.context.close();
  }

  const member = await newPage(browser);
  try {
    await saveOnFailure(member.page, 'education-member', async () => {
      const page = member.page;
      await signIn(page, 'member@gsco.example', null);
      await page.goto(server.url(GSCO, '/account'));
      await page.getByRole('link', { name: /Your continuing education/ }).click();
      await waitForPath(page, '/account/education');
      await check(page, 'account-education');
      await page.getByRole('link', { name: /GSCO Annual Meeting/ }).click();
      await waitForPath(page, /^\/account\/education\/[0-9a-f-]+$/);
      await check(page, 'account-education-activity');

      // The evaluation: every rating question answered, one comment.
      for (const group of await page.getByRole('group').filter({ hasText: '1 is strongly disagree' }).all()) {
        await group.getByLabel('4', { exact: true }).check();
      }
      await page.getByLabel(/What will you change/).fill('Start cardiac monitoring earlier.');
      await page.getByRole('button', { name: 'Submit the evaluation' }).click();
      await page.getByText('your evaluation is saved').waitFor();

      // A claim off the step is refused with the reason, and what was typed stays.
      await page.getByLabel('Claim for').selectOption({ label: 'The whole activity' });
      await page.getByLabel('Credits to claim').fill('5.1');
      await page.getByRole('button', { name: 'Claim credit' }).click();
      await page.getByText('Credits are claimed in steps of 0.25.').first().waitFor();
      assert.equal(await page.getByLabel('Credits to claim').inputValue(), '5.1');
      await check(page, 'account-education-claim-refused');

      await page.getByLabel('Claim for').selectOption({ label: 'The whole activity' });
      await page.getByLabel('Credits to claim').fill('5.5');
      await page.getByRole('button', { name: 'Claim credit' }).click();
      await page.getByText('Credit claimed.').waitFor();
      assert.match(await page.textContent('main'), /5\.50/);
      await check(page, 'account-education-claimed');

      // The certificate is a PDF.
      const href = await page.getByRole('link', { name: /Download certificate/ }).first().getAttribute('href');
      const pdf = await page.request.get(server.url(GSCO, href));
      assert.equal(pdf.status(), 200);
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');

      // The transcript lists the claims, and comes as a PDF too.
      await page.getByRole('link', { name: 'Your transcript' }).first().click();
      await waitForPath(page, '/account/education/transcript');
      const transcript = await page.textContent('main');
      assert.match(transcript, /GSCO Annual Meeting/);
      await check(page, 'account-education-transcript');
      const transcriptHref = await page.getByRole('link', { name: /Download the transcript/ }).getAttribute('href');
      const transcriptPdf = await page.request.get(server.url(GSCO, transcriptHref));
      assert.equal(transcriptPdf.headers()['content-type'], 'application/pdf');
    });
  } finally {
    await member.context.close();
  }
});
