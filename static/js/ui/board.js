// The organiser's live board: per room, each channel's state in words, who is on air,
// what the booth works from, how many listen; relay paths; problems in colour, and a calm
// green line when all is well. Refreshed by the server's "board" messages; a small form
// opens a booth by hand. DOM only.

import { Signalling } from "../protocol/signalling.js";
import { followNodes } from "./nodes.js";
import { Interpretation } from "../protocol/interpretation.js";
import { renderBoardFeeds } from "./feedhealth.js";

const root = /** @type {HTMLElement} */ (document.getElementById("board"));
const data = root.dataset;
/** @type {Record<string, string>} */
const texts = JSON.parse(data.texts ?? "{}");
/** @type {Record<string, string>} */
const languageNames = JSON.parse(data.languageNames ?? "{}");
const roomId = data.roomId ?? "";
/** @param {string} key @param {Record<string, string|number>} [values] */
const t = (key, values = {}) =>
  (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} tag a language, or a booth id ("es", or "es-en" for a bi-active booth) */
const languageName = (tag) => tag.split("-").length === 2 && !languageNames[tag]
  ? tag.split("-").map((part) => languageNames[part] ?? part).join(" ⇄ ")
  : languageNames[tag] ?? tag;
/**
 * @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children]
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const signalling = new Signalling(data.wsUrl ?? "");
followNodes(signalling, data.relocateUrl ?? "");
const board = new Interpretation(signalling);
signalling.addEventListener("welcome", () => board.watchBoard(roomId));
signalling.addEventListener("state", (event) => {
  const { state: s } = /** @type {CustomEvent} */ (event).detail;
  const key = { connecting: "connecting", open: "connected", reconnecting: "reconnecting", closed: "offline" }[
    /** @type {string} */ (s)
  ];
  if (key) $("board-status").textContent = t(key);
});

/** @param {any} b a board message @param {any} c a channel row */
function stateWord(b, c) {
  if (!c.booth) {
    return b.floor_speaking
      ? { text: t("state_floor_speaking"), tone: "live" }
      : { text: t("state_floor_silent"), tone: "" };
  }
  if (!c.active) {
    const working = b.channels.find((/** @type {any} */ o) => o.booth === c.booth && o.active);
    return { text: t("state_inactive", { language: languageName(working?.language ?? "") }), tone: "" };
  }
  const tone = { on_air: "live", handover_requested: "live", coughing: "warn", dropped: "bad" }[
    /** @type {string} */ (c.state)
  ] ?? (b.floor_speaking ? "bad" : "");
  return { text: t(`state_${c.state}`), tone };
}

/** @param {string} source */
const sourceWords = (source) =>
  source === "floor" ? t("floor") : t("relay_from", { language: languageName(source.slice(6)) });

/** A problem in the organiser's language, from its kind and the board's own facts. */
/** @param {any} b @param {any} p */
function problemText(b, p) {
  const row = b.channels.find((/** @type {any} */ c) => c.booth === p.booth && c.active);
  const relay = b.relays.find((/** @type {any} */ r) => r.booth === p.booth);
  const pivotRow = relay && b.channels.find((/** @type {any} */ c) => c.booth === relay.pivot && c.active);
  const values = {
    booth: languageName(p.booth ?? ""),
    name: row?.on_air_name ?? t("nobody"),
    pivot: relay ? languageName(relay.language) : "",
    language: pivotRow ? languageName(pivotRow.language) : "",
  };
  if (p.kind === "no_channel") {
    const offered = new Set(b.channels.map((/** @type {any} */ c) => c.language));
    const missing = Object.keys(b.listeners).filter((l) => l !== "original" && !offered.has(l) && b.listeners[l]);
    values.language = missing.map(languageName).join(", ");
  }
  return texts[`problem_${p.kind}`] ? t(`problem_${p.kind}`, values) : p.text;
}

/** @type {Map<string, string>} what was said per room, to announce only what is new */
const said = new Map();
/** @param {string} text */
function announce(text) {
  const region = $("board-announce");
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 50);
}

function render() {
  const rooms = [...board.boards.values()];
  const news = [];
  $("board-rooms").replaceChildren(
    ...rooms.map((b) => {
      const head = el("tr", {}, [
        ...["channel", "on_air", "state", "source", "listeners"].map((k) => el("th", { scope: "col" }, [t(k)])),
      ]);
      const rows = b.channels.map((/** @type {any} */ c) => {
        const word = stateWord(b, c);
        return el("tr", { "data-language": c.language, "data-active": String(c.active) }, [
          el("th", { scope: "row" }, [c.booth ? languageName(c.language) : t("original")]),
          el("td", {}, [c.booth && c.active ? (c.on_air_name ?? t("nobody")) : ""]),
          el("td", {}, [
            el("span", { class: "state-word", "data-tone": word.tone, "data-state": c.booth ? (c.active ? c.state : "inactive") : "floor" }, [word.text]),
            ...(c.floor_up && c.active ? [" ", el("span", { class: "state-word", "data-tone": "warn" }, [t("floor_up")])] : []),
          ]),
          el("td", {}, [c.booth ? sourceWords(c.source) : ""]),
          el("td", { class: "listeners" }, [String(c.listeners)]),
        ]);
      });
      const relays = b.relays.length
        ? b.relays.map((/** @type {any} */ r) =>
            el("li", {}, [t("relay", { booth: languageName(r.booth), pivot: languageName(r.pivot) })]))
        : [el("li", { class: "muted" }, [t("no_relays")])];
      const problems = b.problems.map((/** @type {any} */ p) => problemText(b, p));
      const key = problems.join("\n");
      if (said.has(b.room_id) && said.get(b.room_id) !== key && problems.length) news.push(...problems);
      said.set(b.room_id, key);
      const title = b.room_id === roomId ? t("main_room") : b.room_title;
      return el("section", { class: "panel board-room", "data-room-id": b.room_id, "aria-label": title }, [
        el("h2", {}, [title]),
        el("p", { class: "floor-line", "data-speaking": String(b.floor_speaking) }, [
          b.floor_speaking ? t("floor_speaking") : t("floor_silent"),
        ]),
        el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)]),
        el("ul", { class: "plain relays" }, relays),
        el("ul", { class: "problems" }, problems.length
          ? problems.map((text, i) => el("li", { "data-kind": b.problems[i].kind }, [text]))
          : [el("li", { class: "all-well" }, [t("all_well")])]),
      ]);
    }),
  );
  if (news.length) announce(news.join(" "));
  const select = /** @type {HTMLSelectElement} */ ($("booth-room"));
  const current = select.value;
  select.replaceChildren(
    ...rooms.map((b) => el("option", { value: b.room_id }, [b.room_id === roomId ? t("main_room") : b.room_title])),
  );
  if (rooms.some((b) => b.room_id === current)) select.value = current;
}

board.addEventListener("change", (event) => {
  const { what } = /** @type {CustomEvent} */ (event).detail;
  if (what === "board") {
    render();
    renderBoardFeeds([...board.boards.values()]);
  }
  else if (what === "error" && board.lastError) {
    $("board-error").textContent = board.lastError.message;
    $("board-error").hidden = false;
  }
});

$("booth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("board-error").hidden = true;
  const language = /** @type {HTMLSelectElement} */ ($("booth-language")).value;
  const retour = /** @type {HTMLSelectElement} */ ($("booth-retour")).value;
  const members = [.../** @type {HTMLSelectElement} */ ($("booth-members")).selectedOptions].map((o) => o.value);
  const target = /** @type {HTMLSelectElement} */ ($("booth-room")).value || roomId;
  board.openBooth(target, retour && retour !== language ? [language, retour] : [language], members);
});

/** @type {any} */ (window).__board = { boards: () => [...board.boards.values()] };

signalling.connect();
