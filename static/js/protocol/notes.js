// Breakout notes (docs/protocol.md, "Extension: breakout notes"): one Yjs document per
// breakout room, merged with everyone else's edits. No DOM.

import * as Y from "../../vendor/yjs-13.6.33.mjs";

/** @typedef {import("./signalling.js").Signalling} Signalling */

/** @param {Uint8Array} bytes */
function toBase64(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** @param {string} text */
function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const REMOTE = "remote";

export class NotesClient extends EventTarget {
  /** @param {Signalling} signalling */
  constructor(signalling) {
    super();
    this.signalling = signalling;
    /** @type {string|null} */
    this.roomId = null;
    this.title = "";
    this.doc = new Y.Doc();
    this.text = this.doc.getText("notes");
    this.rapporteurSeat = /** @type {string|null} */ (null);
    this.rapporteurName = "";
    this.summary = "";
    this.limitBytes = 32768;
    signalling.addEventListener("notes_state", (event) => {
      const m = /** @type {CustomEvent} */ (event).detail;
      if (m.room_id !== this.roomId) this._reset(m.room_id);
      this.title = m.title;
      this.rapporteurSeat = m.rapporteur_seat;
      this.rapporteurName = m.rapporteur_name;
      this.summary = m.summary;
      this.limitBytes = m.limit_bytes;
      const server = fromBase64(m.update);
      Y.applyUpdate(this.doc, server, REMOTE);
      // Whatever was typed here while the connection was down, the server has yet to get.
      const missing = Y.encodeStateAsUpdate(this.doc, Y.encodeStateVectorFromUpdate(server));
      if (missing.length > 2) this.signalling.send({ type: "notes_edit", update: toBase64(missing) });
      this.dispatchEvent(new CustomEvent("change"));
    });
    signalling.addEventListener("notes_changed", (event) => {
      const m = /** @type {CustomEvent} */ (event).detail;
      if (m.room_id === this.roomId) Y.applyUpdate(this.doc, fromBase64(m.update), REMOTE);
    });
  }

  /** @param {string} roomId */
  _reset(roomId) {
    this.doc.destroy();
    this.doc = new Y.Doc();
    this.text = this.doc.getText("notes");
    this.roomId = roomId;
    // Send what this page types; what arrives from the server is already everyone's.
    this.doc.on("update", (/** @type {Uint8Array} */ update, /** @type {unknown} */ origin) => {
      if (origin !== REMOTE) this.signalling.send({ type: "notes_edit", update: toBase64(update) });
    });
    this.text.observe((event) => {
      this.dispatchEvent(new CustomEvent("text", { detail: { remote: event.transaction.origin === REMOTE, delta: event.delta } }));
    });
  }

  /** Ask for the notes of the room one is in (again after a reconnection). */
  open() {
    this.signalling.send({ type: "notes_open", room_id: null });
  }

  /** Turn the textarea's old value into its new one as one edit: keep the common ends. */
  /** @param {string} before @param {string} after */
  edit(before, after) {
    let start = 0;
    while (start < before.length && start < after.length && before[start] === after[start]) start++;
    let end = 0;
    while (
      end < before.length - start && end < after.length - start &&
      before[before.length - 1 - end] === after[after.length - 1 - end]
    ) end++;
    this.doc.transact(() => {
      const removed = before.length - start - end;
      if (removed > 0) this.text.delete(start, removed);
      const added = after.slice(start, after.length - end);
      if (added) this.text.insert(start, added);
    });
  }

  volunteer() {
    this.signalling.send({ type: "notes_rapporteur", seat_id: null });
  }

  /** @param {string} text */
  saveSummary(text) {
    if (this.roomId) this.signalling.send({ type: "notes_summary", room_id: this.roomId, text });
  }
}
