'use strict';
// The browser story for the demo societies, run with `npm test` (node's built-in test runner).
// Every page visited gets an axe-core check and screenshots at 360 and 1280 px in e2e/artifacts/.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  startServer,
  launchBrowser,
  newPage,
  assertNoPageErrors,
  axe,
  shot,
  check,
  saveOnFailure,
  waitForPath,
  pathOf,
  PHONE,
} = require('./helpers');

const FIRST = 'localhost';
const BSOS = 'bsos.localhost';
const LINDENMERE = 'lindenmere.localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server' });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactly = (s) => new RegExp(`^\\s*${escapeRe(s)}\\s*$`, 'i');

/** Sign in on the current society's /sign-in page and land on /staff. */
async function signIn(page, email) {
  await page.getByLabel('Email address', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForPath(page, '/staff');
  await page.getByRole('heading', { name: 'Staff dashboard' }).waitFor();
}

/** From the staff area, follow the link "Pages" to /staff/pages. */
async function goToPages(page) {
  await page.getByRole('link', { name: 'Pages', exact: true }).first().click();
  await waitForPath(page, '/staff/pages');
}

/** On /staff/pages, open the editor of the page titled `title` (/staff/pages/<id>). */
async function openEditor(page, title) {
  await page.locator('table').getByRole('link', { name: exactly(title) }).click();
  await waitForPath(page, /^\/staff\/pages\/[^/]+$/);
}

test('story: browse, sign in, edit a page with the toolbar and live preview, sign out', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser);
  const marker = `Updated by the browser test ${Date.now()}`;
  try {
    await saveOnFailure(page, 'story', async () => {
      // 1. Home of the first demo society.
      await page.goto(server.url(FIRST, '/'));
      assert.equal(pathOf(page), '/');
      await page.locator('h1').first().waitFor({ state: 'visible' });
      const nav = page.locator('nav[aria-label="Main"]');
      assert.equal(await nav.count(), 1, 'one main navigation menu, nav[aria-label="Main"]');
      await check(page, '01-home');

      // 2. The menu link "About Us".
      await nav.getByRole('link', { name: 'About Us', exact: true }).click();
      await waitForPath(page, '/about');
      await page.locator('h1').first().waitFor({ state: 'visible' });
      await check(page, '02-about');

      // 3. Sign in from the header.
      await page.locator('header').getByRole('link', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/sign-in');
      await check(page, '03-sign-in');
      await signIn(page, 'director@gsco.example');
      await check(page, '04-staff-dashboard');

      // 4. Pages → "About Us" → edit with the toolbar and the live preview, then save.
      await goToPages(page);
      await check(page, '05-staff-pages');
      await openEditor(page, 'About Us');
      const title = page.getByLabel('Title', { exact: true });
      await title.waitFor();
      assert.equal(await title.inputValue(), 'About Us');
      const content = page.getByLabel('Content', { exact: true });
      assert.equal(await content.evaluate((el) => el.tagName), 'TEXTAREA', '"Content" is a textarea');
      const toolbar = page.getByRole('toolbar');
      await toolbar.first().waitFor({ state: 'visible' });
      await toolbar.first().getByRole('button', { name: 'Bold', exact: true }).waitFor({ state: 'visible' });
      await page.locator('#preview').waitFor({ state: 'attached' });
      await check(page, '06-staff-page-edit');

      // Type the text, then make "bold words" bold with the toolbar's Bold button.
      await content.fill(`${marker}\n\nSome bold words in the page.`);
      await content.evaluate((el) => {
        const start = el.value.indexOf('bold words');
        el.focus();
        el.setSelectionRange(start, start + 'bold words'.length);
      });
      await toolbar.first().getByRole('button', { name: 'Bold', exact: true }).click();
      const edited = await content.inputValue();
      assert.ok(edited.includes('**bold words**'), `the Bold button wraps the selection in ** (content now: ${JSON.stringify(edited)})`);
      await page.waitForFunction(
        (m) => (document.querySelector('#preview')?.textContent || '').includes(m),
        marker,
        { timeout: 15_000 },
      );
      await page.locator('#preview strong', { hasText: 'bold words' }).waitFor({ timeout: 15_000 });
      await check(page, '07-staff-page-preview');

      await page.getByRole('button', { name: 'Save page', exact: true }).click();
      await page.getByText('Page saved.', { exact: false }).first().waitFor({ state: 'visible' });
      await check(page, '08-staff-page-saved');

      // 5. The public page shows the new content.
      await page.goto(server.url(FIRST, '/about'));
      await page.getByText(marker).first().waitFor({ state: 'visible' });
      const html = await page.locator('main').first().innerHTML();
      assert.ok(html.includes('<strong>bold words</strong>'), 'the public page renders **bold words** as <strong>');
      await check(page, '09-about-updated');

      // 6. Sign out from the header.
      await page.locator('header').getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.locator('header').getByRole('link', { name: 'Sign in', exact: true }).waitFor({ state: 'visible' });
      assert.ok(!pathOf(page).startsWith('/staff'), `after signing out, a public page (got ${pathOf(page)})`);
      await check(page, '10-signed-out');

      await page.goto(server.url(FIRST, '/staff'));
      assert.equal(pathOf(page), '/sign-in', '/staff redirects to /sign-in once signed out');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('phone width: no horizontal scroll and a usable menu on every demo host', { timeout: 180_000 }, async () => {
  for (const host of [FIRST, BSOS, LINDENMERE]) {
    const { context, page } = await newPage(browser, { viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      await saveOnFailure(page, `phone-${host}`, async () => {
        await page.goto(server.url(host, '/'));
        assert.equal(pathOf(page), '/', `${host}: home page served at /`);
        await page.locator('h1').first().waitFor({ state: 'visible' });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= PHONE.width, `${host}: no horizontal scroll at 360 px (scrollWidth ${width})`);
        await axe(page, `${host} home at 360 px`);

        // The "About" link of the main menu: visible, or shown by a menu button.
        const nav = page.locator('nav[aria-label="Main"]');
        assert.equal(await nav.count(), 1, `${host}: one nav[aria-label="Main"]`);
        const about = nav.locator('a[href="/about"]').first();
        if (!(await about.isVisible())) {
          const toggle = page
            .getByRole('button', { name: /menu/i })
            .or(page.locator('summary', { hasText: /menu/i }))
            .first();
          assert.ok(await toggle.count(), `${host}: the About link is hidden and no menu button shows it`);
          await toggle.click();
          await about.waitFor({ state: 'visible', timeout: 5_000 });
          await axe(page, `${host} home at 360 px with the menu open`);
          await shot(page, `phone-${host}-menu-open`);
          await page.setViewportSize(PHONE);
        }
        const box = await about.boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, `${host}: the About link lies within the screen`);
        await shot(page, `phone-${host}-home`);
        await page.setViewportSize(PHONE);
        await about.click();
        await waitForPath(page, '/about');
        const aboutWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(aboutWidth <= PHONE.width, `${host}: /about has no horizontal scroll (scrollWidth ${aboutWidth})`);
        assertNoPageErrors(page);
      });
    } finally {
      await context.close();
    }
  }
});

test('without JavaScript: sign in, edit, server-side preview, save, see it published', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser, { javaScriptEnabled: false });
  const marker = `Edited without JavaScript ${Date.now()}`;
  try {
    await saveOnFailure(page, 'nojs', async () => {
      await page.goto(server.url(BSOS, '/sign-in'));
      assert.equal(pathOf(page), '/sign-in');
      await check(page, 'nojs-01-sign-in');
      await signIn(page, 'director@bsos.example');
      await check(page, 'nojs-02-staff-dashboard');

      await goToPages(page);
      await check(page, 'nojs-03-staff-pages');
      // The brief says "Mission and goals"; the demo content titles it "Mission and Goals".
      await openEditor(page, 'Mission and goals');
      const content = page.getByLabel('Content', { exact: true });
      await content.waitFor();
      assert.equal(await page.getByRole('toolbar').count(), 0, 'no formatting toolbar (its buttons need JavaScript)');
      await check(page, 'nojs-04-staff-page-edit');

      await content.fill(`${marker}\n\nPreviewed on the server with **strong text**.`);
      await page.getByRole('button', { name: 'Preview', exact: true }).click();
      await page.waitForLoadState('load');
      const preview = page.locator('#preview');
      assert.ok(await preview.count(), 'after "Preview", the form page has a #preview region');
      await preview.getByText(marker).first().waitFor({ state: 'visible' });
      await preview.locator('strong', { hasText: 'strong text' }).first().waitFor();
      assert.ok(
        (await page.getByLabel('Content', { exact: true }).inputValue()).includes(marker),
        'the previewed form keeps the edited content',
      );
      await check(page, 'nojs-05-staff-page-preview');

      // Preview must not publish.
      const { context: anon, page: anonPage } = await newPage(browser, { javaScriptEnabled: false });
      try {
        await anonPage.goto(server.url(BSOS, '/mission'));
        assert.equal(await anonPage.getByText(marker).count(), 0, 'the preview did not save the page');
      } finally {
        await anon.close();
      }

      await page.getByRole('button', { name: 'Save page', exact: true }).click();
      await page.getByText('Page saved.', { exact: false }).first().waitFor({ state: 'visible' });
      await check(page, 'nojs-06-staff-page-saved');

      // Published, seen by an anonymous visitor.
      const { context: visitor, page: publicPage } = await newPage(browser, { javaScriptEnabled: false });
      try {
        await saveOnFailure(publicPage, 'nojs-public', async () => {
          await publicPage.goto(server.url(BSOS, '/mission'));
          assert.equal(pathOf(publicPage), '/mission');
          await publicPage.getByText(marker).first().waitFor({ state: 'visible' });
          const html = await publicPage.locator('main').first().innerHTML();
          assert.ok(html.includes('<strong>strong text</strong>'), 'the public page renders the bold text');
          await check(publicPage, 'nojs-07-mission-public');
        });
      } finally {
        await visitor.close();
      }
    });
  } finally {
    await context.close();
  }
});

test('staff membership pages: add a level and a member, every page passes axe', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'membership', async () => {
      await page.goto(server.url(LINDENMERE, '/sign-in'));
      await signIn(page, 'director@lindenmere.example');

      await page.getByRole('link', { name: 'Levels', exact: true }).first().click();
      await waitForPath(page, '/staff/levels');
      await check(page, 'm1-levels');
      // A mistake is named and what was typed is kept.
      await page.getByLabel('Name', { exact: true }).fill('Clinical partner');
      await page.getByLabel('Fee (US dollars)', { exact: true }).fill('two hundred');
      await page.getByRole('button', { name: 'Add level', exact: true }).click();
      await page.getByText('Enter the yearly fee in dollars', { exact: false }).first().waitFor();
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Clinical partner');
      await check(page, 'm2-levels-error');
      await page.getByLabel('Fee (US dollars)', { exact: true }).fill('200');
      await page.getByRole('button', { name: 'Add level', exact: true }).click();
      await waitForPath(page, '/staff/levels');
      await page.locator('table').getByText('Clinical partner').waitFor();

      await page.getByRole('link', { name: 'Members', exact: true }).first().click();
      await waitForPath(page, '/staff/members');
      await check(page, 'm3-members');
      await page.getByRole('link', { name: 'Add a member', exact: true }).click();
      await waitForPath(page, '/staff/members/new');
      await check(page, 'm4-member-new');
      await page.getByLabel('Name', { exact: true }).fill('Dr Rosa Brandt');
      await page.getByLabel('Email address', { exact: true }).fill('rosa.brandt@example.org');
      await page.getByRole('button', { name: 'Add member', exact: true }).click();
      await page.getByText('Dr Rosa Brandt added as active', { exact: false }).waitFor();
      await check(page, 'm5-member-added');

      await page.goto(server.url(LINDENMERE, '/staff/members?q=rosa'));
      await page.locator('table').getByRole('cell', { name: 'Dr Rosa Brandt', exact: true }).waitFor();
      await check(page, 'm6-members-filtered');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
