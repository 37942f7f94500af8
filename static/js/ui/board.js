// The organiser's live board: per room, the channels and who is on air, listeners per
// language, relay paths and problems, refreshed by the server's "board" messages; and a
// small form to open a booth by hand. DOM only.

import { Signalling } from "../protocol/signalling.js";
import { Interpretation } from "../protocol/interpretation.js";

const root = /** @type {HTMLElement} */ (document.getElementById("board"));
const data = root.dataset;
/** @type {Record<string, string>} */
const texts = JSON.parse(data.texts ?? "{}");
const roomId = data.roomId ?? "";
/** @param {string} key @param {Record<string, string|number>} [values] */
const t = (key, values = {}) =>
  (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
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
const board = new Interpretation(signalling);
signalling.addEventListener("welcome", () => board.watchBoard(roomId));
signalling.addEventListener("state", (event) => {
  const { state: s } = /** @type {CustomEvent} */ (event).detail;
  const key = { connecting: "connecting", open: "connected", reconnecting: "reconnecting", closed: "offline" }[
    /** @type {string} */ (s)
  ];
  if (key) $("board-status").textContent = t(key);
});

function render() {
  const rooms = [...board.boards.values()];
  $("board-rooms").replaceChildren(
    ...rooms.map((b) => {
      const rows = b.channels.map((/** @type {any} */ c) =>
        el("tr", { "data-language": c.language }, [
          el("td", {}, [c.booth ? c.name : t("original")]),
          el("td", {}, [c.booth ? (c.on_air_name ?? t("nobody")) : ""]),
          el("td", {}, [c.state ?? ""]),
          el("td", {}, [c.source ?? ""]),
          el("td", { class: "listeners" }, [String(c.listeners)]),
          el("td", {}, [c.floor_up ? t("floor_up", { reason: c.floor_up }) : ""]),
        ]),
      );
      const relays = b.relays.length
        ? b.relays.map((/** @type {any} */ r) => el("li", {}, [t("relay", r)]))
        : [el("li", { class: "muted" }, [t("no_relays")])];
      const problems = b.problems.length
        ? b.problems.map((/** @type {any} */ p) => el("li", { "data-kind": p.kind }, [p.text]))
        : [el("li", { class: "muted ok" }, [t("no_problems")])];
      return el("section", { class: "panel board-room", "data-room-id": b.room_id }, [
        el("h2", {}, [b.room_id === roomId ? t("main_room") : b.room_title]),
        el("p", { class: "muted" }, [b.floor_speaking ? t("floor_speaking") : t("floor_silent")]),
        el("table", {}, [el("tbody", {}, rows)]),
        el("ul", { class: "plain" }, relays),
        el("ul", { class: "plain problems" }, problems),
      ]);
    }),
  );
  const select = /** @type {HTMLSelectElement} */ ($("booth-room"));
  const current = select.value;
  select.replaceChildren(
    ...rooms.map((b) => el("option", { value: b.room_id }, [b.room_id === roomId ? t("main_room") : b.room_title])),
  );
  if (rooms.some((b) => b.room_id === current)) select.value = current;
}

board.addEventListener("change", (event) => {
  const { what } = /** @type {CustomEvent} */ (event).detail;
  if (what === "board") render();
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
