// The floor feed's health in words: on the interpreter's console (interpret/_feed_health.html)
// and, for every booth, on the organiser's board (interpret/_feed_health_board.html).
// DOM only; the readings come from ../protocol/feedhealth.js.

import { FeedMonitor } from "../protocol/feedhealth.js";

/** @typedef {import("../protocol/feedhealth.js").FeedReading} FeedReading */

/** @param {HTMLElement} element */
function textsOf(element) {
  /** @type {Record<string, string>} */
  const texts = JSON.parse(element.dataset.texts ?? "{}");
  /** @param {string} key @param {Record<string, string|number>} [values] */
  return (key, values = {}) =>
    (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? "")).replace(/%%/g, "%");
}

/** @param {number} pct */
const percent = (pct) => (pct >= 1 || pct === 0 ? String(Math.round(pct)) : pct.toFixed(1));

/**
 * "Floor feed: unstable, 2% loss": the state, then what made it less than good.
 * @param {{state: string, reasons: string[], lossPct: number, jitterMs: number, delayMs: number}} r
 * @param {(key: string, values?: Record<string, string|number>) => string} t
 */
export function feedWords(r, t) {
  const state = t(r.state);
  if (!r.reasons.length) return state;
  const value = { loss: percent(r.lossPct), jitter: Math.round(r.jitterMs), delay: Math.round(r.delayMs) };
  const reasons = r.reasons.map((key) => t(key, { value: value[/** @type {"loss"|"jitter"|"delay"} */ (key)] }));
  return t("with_reasons", { state, reasons: reasons.join(t("separator")) });
}

/**
 * Watch the console's floor slots and keep #floor-feed in words; each reading also goes to
 * `report` (the server shows it on the board).
 * @param {() => RTCPeerConnection|null} pc
 * @param {() => (string|null)[]} floorMids
 * @param {(reading: FeedReading) => void} report
 */
export function watchFloorFeed(pc, floorMids, report) {
  const element = document.getElementById("floor-feed");
  const details = document.getElementById("floor-feed-details");
  if (!element) return null;
  const t = textsOf(element);
  const monitor = new FeedMonitor(pc, floorMids, (reading) => {
    const words = feedWords(reading, t);
    // Only a change is announced (the element is a polite live region).
    if (element.textContent !== words) element.textContent = words;
    element.dataset.state = reading.state;
    if (details) {
      details.textContent = reading.state === "none"
        ? ""
        : t("details", { delay: Math.round(reading.delayMs), jitter: Math.round(reading.jitterMs), loss: percent(reading.lossPct) });
    }
    report(reading);
  });
  monitor.start();
  return monitor;
}

/**
 * The board's list: one line per booth member who reported, for every room shown.
 * @param {any[]} boards the server's "board" messages, one per room
 */
export function renderBoardFeeds(boards) {
  const section = document.getElementById("feed-health-board");
  const list = document.getElementById("feed-health-list");
  if (!section || !list) return;
  const t = textsOf(section);
  const items = [];
  for (const board of boards) {
    for (const feed of board.feeds ?? []) {
      const words = feedWords(
        { state: feed.state, reasons: feed.reasons, lossPct: feed.loss_pct, jitterMs: feed.jitter_ms, delayMs: feed.delay_ms },
        t,
      );
      const item = document.createElement("li");
      item.dataset.state = feed.state;
      item.dataset.booth = feed.booth;
      item.textContent = t("booth_line", { booth: feed.booth_name, name: feed.name, words });
      items.push(item);
    }
  }
  if (!items.length) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = t("no_reports");
    items.push(empty);
  }
  list.replaceChildren(...items);
}
