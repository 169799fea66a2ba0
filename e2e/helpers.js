'use strict';
// Shared helpers for the browser tests: start the Chapterhouse demo server, launch Debian's
// Chromium through playwright-core, run axe-core on a page, and take screenshots at a phone and
// a desktop width. Nothing here downloads a browser: Chromium comes from /usr/bin/chromium.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const E2E_DIR = __dirname;
const REPO_DIR = path.resolve(E2E_DIR, '..');
const ARTIFACTS = path.join(E2E_DIR, 'artifacts');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 360, height: 740 };

fs.mkdirSync(ARTIFACTS, { recursive: true });

/** The server binary: $CHAPTERHOUSE_BIN, else $CARGO_TARGET_DIR/debug/chapterhouse. */
function serverBinary() {
  if (process.env.CHAPTERHOUSE_BIN) return process.env.CHAPTERHOUSE_BIN;
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(REPO_DIR, 'target');
  return path.join(targetDir, 'debug', 'chapterhouse');
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/**
 * Start `chapterhouse serve --demo` on a free loopback port with a fresh data directory and wait
 * until GET /healthz answers 200. Returns { port, url(host, path), logFile, stop() }.
 */
async function startServer({ name = 'server', timeoutMs = 90_000 } = {}) {
  const bin = serverBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(
      `server binary not found at ${bin}: build it with \`cargo build -p chapterhouse\`, ` +
        'or set CHAPTERHOUSE_BIN (or CARGO_TARGET_DIR) to where it is',
    );
  }
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chapterhouse-e2e-'));
  const logFile = path.join(ARTIFACTS, `${name}.log`);
  const log = fs.createWriteStream(logFile);
  const args = ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir];
  log.write(`$ ${bin} ${args.join(' ')}\n`);
  const child = spawn(bin, args, {
    cwd: dataDir,
    env: { ...process.env, RUST_BACKTRACE: '1', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const collect = (chunk) => {
    output = (output + chunk.toString()).slice(-20_000);
    log.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      children.delete(child);
      resolve();
    });
  });

  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (exited) {
      throw new Error(
        `the server exited (${JSON.stringify(exited)}) before /healthz answered; its output:\n${output}`,
      );
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms; server output:\n${output}`);
    }
    await sleep(100);
  }
  log.write(`-- healthy after ${Date.now() - started} ms\n`);

  return {
    port,
    dataDir,
    logFile,
    /** URL of `pathname` on a demo host: 'localhost', 'bsos.localhost', ... */
    url(host, pathname = '/') {
      return `http://${host}:${port}${pathname}`;
    },
    output: () => output,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(timer);
      }
      log.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless. */
function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new context and page with sane timeouts, collecting uncaught page errors and console errors
 * (see `assertNoPageErrors`).
 */
async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  page.javaScriptEnabled = options.javaScriptEnabled !== false;
  page.pageErrors = [];
  page.consoleErrors = [];
  page.on('pageerror', (err) => page.pageErrors.push(String(err && err.stack ? err.stack : err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.consoleErrors.push(`${page.url()}: ${msg.text()}`);
  });
  return { context, page };
}

/** Fail on uncaught JavaScript errors and Content-Security-Policy violations seen by `page`. */
function assertNoPageErrors(page) {
  const csp = page.consoleErrors.filter((m) => /Content Security Policy/i.test(m));
  const problems = [...page.pageErrors.map((e) => `uncaught: ${e}`), ...csp.map((m) => `CSP: ${m}`)];
  assert.equal(problems.length, 0, `errors in the page:\n${problems.join('\n')}`);
}

const AXE_SOURCE_PATH = require.resolve('axe-core/axe.min.js');
let axeSource = null;

/** Do timers run in this page? (They don't when the context has JavaScript disabled.) */
async function timersRun(page) {
  const probe = page.evaluate(() => new Promise((resolve) => setTimeout(() => resolve(true), 0)));
  probe.catch(() => {});
  return Promise.race([probe, sleep(1_000).then(() => false)]);
}

/**
 * Run axe-core on the page and fail with a readable list of violations (id, help, targets).
 * axe is injected with a script tag; where the page's Content-Security-Policy or a context with
 * JavaScript disabled stops that script, it is evaluated through the DevTools protocol instead,
 * which neither blocks.
 */
async function axe(page, label = page.url()) {
  axeSource ??= fs.readFileSync(AXE_SOURCE_PATH, 'utf8');
  const loaded = () => page.evaluate(() => typeof window.axe === 'object');
  if (!(await loaded())) {
    try {
      await page.addScriptTag({ content: axeSource });
    } catch {
      /* blocked by CSP, or scripts are off: fall back below */
    }
    if (!(await loaded())) {
      await page.evaluate(axeSource);
    }
    // Drop the expected CSP complaint about our own inline script tag.
    page.consoleErrors = page.consoleErrors.filter((m) => !/Executing inline script violates/.test(m));
  }
  const scriptsOff =
    page.javaScriptEnabled === undefined ? !(await timersRun(page)) : !page.javaScriptEnabled;
  const violations = await page.evaluate(async (scriptsOff) => {
    if (scriptsOff) {
      // With JavaScript disabled the page's timers never fire, and axe schedules work with
      // setTimeout: run those callbacks as microtasks instead (only our evaluation runs here).
      window.setTimeout = (fn, _ms, ...args) => {
        Promise.resolve().then(() => fn(...args));
        return 0;
      };
      window.clearTimeout = () => {};
    }
    const result = await window.axe.run(document, {
      resultTypes: ['violations'],
      preload: !scriptsOff,
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, scriptsOff);
  if (violations.length) {
    const text = violations
      .map(
        (v) =>
          `- ${v.id} (${v.impact}): ${v.help}\n  ${v.helpUrl}\n` +
          v.nodes.map((n) => `    at ${n.target}\n      ${(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n'),
      )
      .join('\n');
    assert.fail(`axe found ${violations.length} accessibility violation(s) on ${label}:\n${text}`);
  }
}

function safeName(name) {
  return name.replace(/[^a-zA-Z0-9._-]+/g, '-');
}

/**
 * Save artifacts/<name>-360.png (360×740 viewport) and artifacts/<name>-1280.png (1280×900), both
 * of the full page, then put the viewport back as it was.
 */
async function shot(page, name) {
  const base = safeName(name);
  const before = page.viewportSize() || DESKTOP;
  await page.setViewportSize(PHONE);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  if (scrollWidth > PHONE.width) {
    // Every page must work on a phone: nothing may push the page wider than the screen.
    throw new Error(`${name} (${page.url()}) scrolls sideways at 360 px (scrollWidth ${scrollWidth})`);
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `${base}-360.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: path.join(ARTIFACTS, `${base}-1280.png`), fullPage: true });
  if (before.width !== DESKTOP.width || before.height !== DESKTOP.height) {
    await page.setViewportSize(before);
  }
}

/** axe, then both screenshots: what every visited page gets. */
async function check(page, name) {
  await axe(page, `${name} (${page.url()})`);
  await shot(page, name);
}

/** On failure, save a screenshot and the HTML of the page for the report, then rethrow. */
async function saveOnFailure(page, name, fn) {
  for (const ext of ['png', 'html']) {
    fs.rmSync(path.join(ARTIFACTS, `FAILED-${safeName(name)}.${ext}`), { force: true });
  }
  try {
    return await fn();
  } catch (err) {
    try {
      const base = `FAILED-${safeName(name)}`;
      await page.screenshot({ path: path.join(ARTIFACTS, `${base}.png`), fullPage: true, timeout: 10_000 });
      fs.writeFileSync(path.join(ARTIFACTS, `${base}.html`), `<!-- ${page.url()} -->\n${await page.content()}`);
    } catch {
      /* the page may be gone */
    }
    if (err && typeof err.message === 'string') {
      err.message += `\n(at ${page.url()}; see e2e/artifacts/FAILED-${safeName(name)}.png/.html)`;
    }
    throw err;
  }
}

/** Wait until the page's path is `pathname` (a string or a RegExp tested against the path). */
async function waitForPath(page, pathname, timeout = 20_000) {
  const matches = (u) => {
    const p = new URL(u).pathname;
    return typeof pathname === 'string' ? p === pathname : pathname.test(p);
  };
  await page.waitForURL(matches, { timeout });
  await page.waitForLoadState('load');
}

function pathOf(page) {
  return new URL(page.url()).pathname;
}

module.exports = {
  ARTIFACTS,
  DESKTOP,
  PHONE,
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
  serverBinary,
};
