// Browser test: start the built dynemud on a free port with a temporary data
// directory, load the console page in headless Debian Chromium (through
// playwright-core) and check what a person sees.
//
// Environment (set by ctest, see CMakeLists.txt):
//   DYNEMUD           path to the dynemud binary
//   DYNEMU_CONFIG     config file to start it with
//   DYNEMU_STATIC_DIR the static/ folder to serve
//   CHROMIUM          browser binary (default /usr/bin/chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const dynemud = process.env.DYNEMUD;
const configPath = process.env.DYNEMU_CONFIG;
const staticDir = process.env.DYNEMU_STATIC_DIR;
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

let server;
let baseUrl;
let context;
let work;

// Starts dynemud on 127.0.0.1:0 and resolves with the URL it prints.
function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      dynemud,
      [
        "--config", configPath,
        "--listen", "127.0.0.1:0",
        "--data-dir", path.join(work, "data"),
        "--static-dir", staticDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`dynemud did not start: ${out}${err}`)), 20000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/serving (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`dynemud exited with ${code}: ${err}`));
    });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

before(async () => {
  assert.ok(dynemud, "DYNEMUD must name the dynemud binary");
  assert.ok(configPath && staticDir, "DYNEMU_CONFIG and DYNEMU_STATIC_DIR must be set");
  work = mkdtempSync(path.join(tmpdir(), "dynemu-e2e-"));
  ({ child: server, url: baseUrl } = await startServer());
  context = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: browserPath,
    headless: true,
    args: [
      "--disable-gpu",
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

after(async () => {
  if (context) await context.close();
  if (server) {
    const code = await stopServer(server);
    assert.equal(code, 0, "dynemud exits 0 on SIGTERM");
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the console page shows dynemu and a live, connected server status", async () => {
  const version = await (await fetch(new URL("/api/v1/version", baseUrl))).json();
  assert.equal(version.name, "dynemu");

  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));

  const response = await page.goto(baseUrl);
  assert.equal(response.status(), 200);
  assert.equal(await page.title(), "dynemu console");
  assert.equal((await page.locator(".brand-name").textContent()).trim(), "dynemu");

  // The status panel turns connected once the events WebSocket delivers.
  await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 15000 });
  assert.equal((await page.locator("#conn-text").textContent()).trim(), "Connected");
  await page.waitForFunction(
    (v) => document.getElementById("status-version").textContent === v,
    version.version,
    { timeout: 15000 },
  );
  assert.equal(await page.locator("#status-sessions").textContent(), "0");
  assert.match(await page.locator("#status-uptime").textContent(), /^\d+s$|^\d+m/);

  // The machines area says honestly that there are none yet.
  const machines = await page.locator("#machines-empty").textContent();
  assert.match(machines, /No machines yet/);
  assert.match(machines, /session support/);
  assert.equal(await page.locator(".machines .btn").isDisabled(), true);

  // The round trip over the WebSocket is measured (ping/pong).
  await page.waitForFunction(
    () => /ms$/.test(document.getElementById("status-rtt").textContent),
    null,
    { timeout: 15000 },
  );

  assert.deepEqual(problems, []);
  await page.close();
});

test("the page shows disconnected when the server goes away", async () => {
  const page = await context.newPage();
  await page.goto(baseUrl);
  await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 15000 });
  const code = await stopServer(server);
  assert.equal(code, 0, "dynemud exits 0 on SIGTERM");
  server = null;
  await page.locator('#conn[data-state="disconnected"]').waitFor({ timeout: 15000 });
  assert.equal((await page.locator("#conn-text").textContent()).trim(), "Disconnected");
  await page.close();
});
