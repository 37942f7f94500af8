// The breakout notes panel of the room page: shared notes while in a breakout room, the
// rapporteur, and the rapporteur's summary (also after the breakouts close). Message shapes
// stay in ../protocol/notes.js; text from people goes through .value and textContent.

import { NotesClient } from "../protocol/notes.js";

/** @typedef {import("../protocol/signalling.js").Signalling} Signalling */
/** @typedef {import("../protocol/roomstate.js").RoomState} RoomState */

/**
 * Where a caret at `position` ends up after a remote change described by `delta`.
 * @param {number} position
 * @param {Array<{retain?: number, insert?: string|object, delete?: number}>} delta
 */
export function shift(position, delta) {
  let at = 0;
  let result = position;
  for (const op of delta) {
    if (op.retain) at += op.retain;
    else if (op.insert) {
      const length = typeof op.insert === "string" ? op.insert.length : 1;
      if (at <= position) result += length;
      at += length;
    } else if (op.delete) {
      if (at < position) result -= Math.min(op.delete, position - at);
    }
    if (at > position) break;
  }
  return Math.max(0, result);
}

/**
 * @param {HTMLElement} panel the #notes section
 * @param {Signalling} signalling
 * @param {RoomState} room
 */
export function mountNotes(panel, signalling, room) {
  const notes = new NotesClient(signalling);
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (panel.querySelector(`#${id}`));
  const area = /** @type {HTMLTextAreaElement} */ ($("notes-text"));
  const status = $("notes-status");
  const volunteer = /** @type {HTMLButtonElement} */ ($("rapporteur-volunteer"));
  const summaryForm = /** @type {HTMLFormElement} */ ($("summary-form"));
  const summaryText = /** @type {HTMLTextAreaElement} */ ($("summary-text"));
  const texts = panel.dataset;
  /** @param {string|undefined} template @param {Record<string, string>} values */
  const fill = (template, values) =>
    (template ?? "").replace(/%\((\w+)\)s/g, (_, key) => values[key] ?? "");
  let shown = "";
  /** The last breakout room this page was in, and whether its summary is ours to write. */
  let lastRoom = /** @type {string|null} */ (null);

  function render() {
    const inRoom = room.inBreakoutRoom;
    const mine = notes.rapporteurSeat !== null && notes.rapporteurSeat === signalling.seatId;
    const rapporteur = notes.rapporteurName;
    panel.hidden = !(inRoom || (mine && lastRoom !== null));
    $("notes-room").textContent = notes.title;
    area.readOnly = !inRoom;
    $("rapporteur-name").textContent = rapporteur
      ? fill(texts.rapporteur, { name: rapporteur })
      : texts.noRapporteur ?? "";
    volunteer.hidden = !inRoom || Boolean(rapporteur);
    summaryForm.hidden = !mine;
    if (document.activeElement !== summaryText) summaryText.value = notes.summary;
  }

  function showText(/** @type {any[]} */ delta) {
    const value = notes.text.toString();
    if (value === area.value) return;
    const [start, end] = [area.selectionStart, area.selectionEnd];
    area.value = value;
    if (document.activeElement === area) {
      area.setSelectionRange(shift(start, delta), shift(end, delta));
    }
    shown = value;
  }

  notes.addEventListener("change", () => {
    showText([]);
    render();
  });
  notes.addEventListener("text", (event) => {
    const { remote, delta } = /** @type {CustomEvent} */ (event).detail;
    if (remote) showText(delta);
  });
  area.addEventListener("input", () => {
    notes.edit(shown, area.value);
    shown = area.value;
  });
  volunteer.addEventListener("click", () => notes.volunteer());
  summaryForm.addEventListener("submit", (event) => {
    event.preventDefault();
    notes.saveSummary(summaryText.value);
    $("summary-saved").textContent = texts.saved ?? "";
  });
  signalling.addEventListener("error", (event) => {
    const m = /** @type {CustomEvent} */ (event).detail;
    if (m.about === "notes_edit") status.textContent = m.message;
  });
  room.addEventListener("change", (event) => {
    const what = /** @type {CustomEvent} */ (event).detail?.what;
    // Entering a breakout room, or coming back after a lost connection: (re)load the notes.
    if (room.inBreakoutRoom && (what === "room" || room.room?.room_id !== notes.roomId)) {
      lastRoom = room.room?.room_id ?? null;
      notes.open();
    }
    render();
  });
  render();
  return notes;
}
