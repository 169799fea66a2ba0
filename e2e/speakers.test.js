'use strict';
// Speakers in the browser: a visitor reads the annual meeting's reviewed disclosures; staff open
// the meeting's faculty page and invite a speaker (a missing name named, the email kept); the
// speaker opens the emailed link, accepts the agreement, adds a relationship row without
// JavaScript's help, is told the attestation is missing, and submits. axe-core on every page.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, launchBrowser, newPage, check, saveOnFailure, waitForPath } = require('./helpers');

const GSCO = 'localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server-speakers' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** The speaker-page path in the outbox's message to `to`, once the worker has sent it. */
async function speakerPath(to) {
  const dir = path.join(server.dataDir, 'outbox');
  const started = Date.now();
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    for (const file of files) {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8');
      if (!raw.includes(to)) continue;
      // Undo quoted-printable soft breaks and escapes.
      const text = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      const found = text.match(/\/speakers\/[A-Za-z0-9._-]+/);
      if (found) return found[0];
    }
    if (Date.now() - started > 30_000) throw new Error(`no invitation to ${to} in ${dir}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('learners read disclosures; staff invite a speaker who completes the form by link', { timeout: 240_000 }, async () => {
  const { page } = await newPage(browser);
  await saveOnFailure(page, 'speakers', async () => {
    // The public page shows reviewed disclosures only.
    await page.goto(server.url(GSCO, '/events'));
    await page.getByRole('link', { name: /GSCO Annual Meeting/ }).click();
    await waitForPath(page, /^\/events\/gsco-annual-meeting-\d+$/);
    const body = await page.textContent('main');
    assert.match(body, /Dr\. Helen Park has no relevant financial relationships with ineligible companies\./);
    assert.match(body, /Northwind Oncology Pharmaceuticals \(advisory board\) — all relevant financial relationships have been mitigated\./);
    assert.doesNotMatch(body, /Contoso Diagnostics/, 'relationships judged not relevant are not shown');
    assert.doesNotMatch(body, /Maria Okafor/, 'a pending disclosure is not shown to learners');

    // Staff: the faculty page, an invitation refused without a name, then sent.
    await page.goto(server.url(GSCO, '/sign-in'));
    await page.getByLabel('Email address', { exact: true }).fill('director@gsco.example');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await waitForPath(page, '/staff');
    await page.goto(server.url(GSCO, '/staff/events'));
    await page.getByRole('link', { name: /GSCO Annual Meeting/ }).first().click();
    await waitForPath(page, /^\/staff\/events\/[^/]+$/);
    await page.getByRole('link', { name: 'Faculty and disclosures' }).click();
    await waitForPath(page, /^\/staff\/events\/[^/]+\/faculty$/);
    const list = await page.textContent('main');
    assert.match(list, /Dr\. Maria Okafor/);
    assert.match(list, /Agreement accepted, disclosure due/);
    await check(page, 'staff-faculty');

    await page.getByLabel('Email address', { exact: true }).fill('e2e.speaker@example.org');
    await page.getByLabel('Role').selectOption('speaker');
    await page.getByLabel(/^Live thoracic tumor board/).check();
    await page.getByRole('button', { name: 'Invite and send the link' }).click();
    await page.getByText('Nobody here has that email address yet').first().waitFor();
    assert.equal(await page.getByLabel('Email address', { exact: true }).inputValue(), 'e2e.speaker@example.org');
    await check(page, 'staff-faculty-error');
    await page.getByLabel('Name', { exact: true }).fill('Dr. Test Speaker');
    await page.getByRole('button', { name: 'Invite and send the link' }).click();
    await page.getByText('Invited. The invitation').waitFor();

    // The speaker, by the emailed link, in a browser without the staff session.
    const link = await speakerPath('e2e.speaker@example.org');
    const speaker = await newPage(browser);
    const sp = speaker.page;
    await saveOnFailure(sp, 'speaker-page', async () => {
      await sp.goto(server.url(GSCO, link));
      await sp.getByRole('heading', { name: /GSCO Annual Meeting/ }).waitFor();
      assert.match(await sp.textContent('main'), /Live thoracic tumor board/);
      await check(sp, 'speaker-page');
      await sp.getByRole('button', { name: 'I accept the agreement' }).click();
      await sp.getByText('You accepted this agreement on').waitFor();

      await sp.getByLabel('Yes, I list them below').check();
      await sp.getByLabel('Company').first().fill('Fabrikam Biologics');
      await sp.getByLabel('Nature of the relationship').first().selectOption('research');
      await sp.getByRole('button', { name: 'Add more rows' }).click();
      await sp.getByRole('group', { name: 'Relationship 6' }).waitFor();
      assert.equal(await sp.getByLabel('Company').first().inputValue(), 'Fabrikam Biologics');
      await sp.getByRole('button', { name: 'Submit the disclosure' }).click();
      await sp.getByText('Tick the box to confirm the disclosure is complete and correct.').first().waitFor();
      await check(sp, 'speaker-page-error');
      await sp.getByLabel(/I confirm this disclosure is complete and correct/).check();
      await sp.getByRole('button', { name: 'Submit the disclosure' }).click();
      await sp.getByText('Thank you: your disclosure is submitted.').waitFor();
    });
    await speaker.context.close();

    // Staff see it awaiting review and open the review form.
    await page.reload();
    assert.match(await page.textContent('main'), /Disclosure submitted, awaiting review/);
    await page.getByRole('link', { name: 'Dr. Test Speaker' }).click();
    await page.getByRole('heading', { name: 'Disclosure' }).waitFor();
    assert.match(await page.textContent('main'), /Fabrikam Biologics/);
    await check(page, 'staff-faculty-member');
  });
});
