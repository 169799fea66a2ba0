'use strict';
// Events in the browser: the public events list and an event's page (agenda, prices, the
// calendar file), the members-only page for a visitor and the member prices after signing in;
// then staff add an event (a time in the hour skipped when clocks go forward is refused with the
// input kept), add a session and a registration type, publish it and see it on the public
// page. Every page visited gets axe-core and the 360 px no-sideways-scroll check.

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

const GSCO = 'localhost';
const PASSWORD = 'chapterhouse-demo';

let server;
let browser;

before(async () => {
  server = await startServer({ name: 'server-events' });
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
  await waitForPath(page, landing);
}

test('visitors and members see events, agendas, prices and calendar files', { timeout: 180_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'events-public', async () => {
      await page.goto(server.url(GSCO, '/'));
      await page.getByRole('heading', { name: 'Upcoming events' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events', exact: true }).click();
      await waitForPath(page, '/events');
      await page.getByRole('heading', { name: 'Past events' }).waitFor();
      const list = await page.textContent('main');
      assert.match(list, /Advocacy briefing: the legislative session ahead/);
      assert.match(list, /Online/);
      assert.match(list, /12 seats left/);
      assert.match(list, /regional evening meeting/);
      assert.doesNotMatch(list, /Members' dinner/, 'members-only events are not listed to visitors');
      await check(page, 'events-list');

      await page.getByRole('link', { name: /GSCO Annual Meeting/ }).click();
      await waitForPath(page, /^\/events\/gsco-annual-meeting-\d+$/);
      const eventPath = new URL(page.url()).pathname;
      await page.getByRole('heading', { name: 'Agenda' }).waitFor();
      const body = await page.textContent('main');
      assert.match(body, /Live thoracic tumor board/);
      assert.match(body, /Members pay \$325\.00\./);
      assert.doesNotMatch(body, /Faculty/, 'complimentary types are not listed');
      await page.getByLabel('Registration code for Industry representative').waitFor();
      await check(page, 'event-page');

      // The calendar file is iCalendar in the society's zone.
      const ics = await page.request.get(server.url(GSCO, `${eventPath}/calendar.ics`));
      assert.equal(ics.status(), 200);
      assert.match(ics.headers()['content-type'], /^text\/calendar/);
      const text = await ics.text();
      assert.match(text, /DTSTART;TZID=America\/New_York:\d{8}T173000\r\n/);
      assert.match(text, /BEGIN:VTIMEZONE\r\nTZID:America\/New_York\r\n/);

      // A members-only event: a page saying so to visitors, the event itself to a member.
      const dinner = await page.request.get(server.url(GSCO, '/events.ics'));
      assert.doesNotMatch(await dinner.text(), /Members' dinner/);
      const refused = await page.goto(server.url(GSCO, '/events/members-dinner-and-journal-club'));
      assert.equal(refused.status(), 403);
      await page.getByRole('heading', { name: 'Members only' }).waitFor();
      await check(page, 'event-members-only');

      await page.getByRole('link', { name: 'Sign in', exact: true }).last().click();
      await page.getByLabel('Email address', { exact: true }).fill('member@gsco.example');
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await waitForPath(page, '/events/members-dinner-and-journal-club');
      await page.getByRole('heading', { name: "Members' dinner and journal club" }).waitFor();
      await page.goto(server.url(GSCO, eventPath));
      assert.match(await page.textContent('main'), /\$325\.00 \(member price\)/);
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});

test('staff add an event, fix a skipped-hour start, build its program and publish it', { timeout: 240_000 }, async () => {
  const { context, page } = await newPage(browser);
  try {
    await saveOnFailure(page, 'events-staff', async () => {
      await signIn(page, 'director@gsco.example', '/staff');
      await page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Events', exact: true }).click();
      await waitForPath(page, '/staff/events');
      await check(page, 'staff-events');

      await page.getByRole('link', { name: 'Add an event', exact: true }).click();
      await waitForPath(page, '/staff/events/new');
      await page.getByLabel('Title', { exact: true }).fill('Spring tumor board dinner');
      await page.getByLabel('Kind of event', { exact: true }).selectOption('meeting');
      // 2:30 am on 14 March 2027 does not exist in New Hampshire.
      await page.getByLabel('Starts', { exact: true }).fill('2027-03-14T02:30');
      await page.getByLabel('Ends', { exact: true }).fill('2027-03-14T21:00');
      await page.getByLabel('Place', { exact: true }).fill('The Red Blazer Restaurant');
      await page.getByLabel('Description', { exact: true }).fill('Cases and **dinner**.');
      await page.getByRole('button', { name: 'Add the event', exact: true }).click();
      await page.getByRole('alert').waitFor();
      assert.match(await page.textContent('.error-summary'), /does not exist in America\/New_York/);
      assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'Spring tumor board dinner');
      assert.equal(await page.getByLabel('Place', { exact: true }).inputValue(), 'The Red Blazer Restaurant');
      await check(page, 'staff-event-new-error');

      await page.getByLabel('Starts', { exact: true }).fill('2027-03-14T18:00');
      await page.getByRole('button', { name: 'Add the event', exact: true }).click();
      await waitForPath(page, /^\/staff\/events\/[^/]+$/);
      await page.getByText('Event added as a draft', { exact: false }).waitFor();
      const eventPath = new URL(page.url()).pathname;
      await check(page, 'staff-event-edit');

      // A session, on its own form.
      await page.locator('#f-s-title').fill('Case discussion');
      await page.locator('#f-s-starts').fill('2027-03-14T19:00');
      await page.locator('#f-s-ends').fill('2027-03-14T20:30');
      await page.locator('#f-s-room').fill('Back room');
      await page.getByRole('button', { name: 'Add the session', exact: true }).click();
      await page.getByText('Session saved.', { exact: true }).waitFor();

      // A registration type with a member price.
      await page.locator('#f-t-name').fill('Clinician');
      await page.locator('#f-t-price').fill('60');
      await page.locator('#f-t-member_price').fill('35');
      await page.locator('#f-t-cap').fill('30');
      await page.getByRole('button', { name: 'Add the registration type', exact: true }).click();
      await page.getByText('Registration type saved.', { exact: true }).waitFor();

      await page.getByRole('link', { name: 'Case discussion', exact: true }).click();
      await waitForPath(page, /\/sessions\//);
      await check(page, 'staff-event-session');
      await page.goto(server.url(GSCO, eventPath));
      await page.getByRole('link', { name: 'Clinician', exact: true }).click();
      await waitForPath(page, /\/types\//);
      assert.equal(await page.locator('#f-member_price').inputValue(), '35');
      await check(page, 'staff-event-type');

      await page.goto(server.url(GSCO, eventPath));
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      await page.getByText('Published: the event is on the events page.', { exact: true }).waitFor();
      await page.getByRole('link', { name: "View the event's page", exact: true }).click();
      await waitForPath(page, '/events/spring-tumor-board-dinner');
      const body = await page.textContent('main');
      assert.match(body, /Sunday 14 March 2027, 6:00 pm – 9:00 pm EDT/);
      assert.match(body, /Case discussion/);
      assert.match(body, /Back room/);
      assert.match(body, /30 seats left/);
      await check(page, 'staff-event-published');
      assertNoPageErrors(page);
    });
  } finally {
    await context.close();
  }
});
