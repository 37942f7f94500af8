// A line protocol over stdin/stdout that lets a Python test drive Debian's firefox-esr:
// one JSON command per line in, one JSON answer per line out. puppeteer-core speaks WebDriver
// BiDi to Firefox and downloads nothing.
//
// Commands: {"op": "goto", "url"}, {"op": "fill", "selector", "value"},
// {"op": "click", "selector"}, {"op": "select", "selector", "value"},
// {"op": "text", "selector"}, {"op": "eval", "expression"}, {"op": "close"}.
// Answers: {"ok": true, "value": ...} or {"ok": false, "error": "..."}.

import readline from "node:readline";
import puppeteer from "puppeteer-core";

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: process.env.FIREFOX ?? "/usr/bin/firefox-esr",
  headless: true,
  extraPrefsFirefox: {
    "media.navigator.streams.fake": true,
    "media.navigator.permission.disabled": true,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    "media.peerconnection.ice.loopback": true,
    "media.peerconnection.ice.obfuscate_host_addresses": false,
    "intl.accept_languages": process.env.FIREFOX_LANGUAGES ?? "en-GB,en",
  },
});
const page = await browser.newPage();
page.setDefaultTimeout(15000);

const ops = {
  goto: async (c) => { await page.goto(c.url, { waitUntil: "load" }); return page.url(); },
  fill: async (c) => {
    await page.locator(c.selector).fill(c.value);
    return null;
  },
  click: async (c) => {
    await Promise.all([
      c.navigates ? page.waitForNavigation({ waitUntil: "load" }) : Promise.resolve(),
      page.locator(c.selector).click(),
    ]);
    return page.url();
  },
  select: async (c) => { await page.select(c.selector, c.value); return null; },
  text: async (c) => page.$eval(c.selector, (el) => el.textContent),
  eval: async (c) => page.evaluate(c.expression),
  close: async () => { await browser.close(); return null; },
};

const lines = readline.createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ok: true, value: "ready" }) + "\n");
for await (const line of lines) {
  const command = JSON.parse(line);
  let answer;
  try {
    answer = { ok: true, value: await ops[command.op](command) };
  } catch (error) {
    answer = { ok: false, error: String(error?.message ?? error) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
  if (command.op === "close") break;
}
process.exit(0);
