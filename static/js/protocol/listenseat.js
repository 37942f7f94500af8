// A listen-only seat (docs/protocol.md, "Listen-only seats"): ask where to listen, sit down
// there with a fresh connect token, and sit down again elsewhere when that node drains
// (close 1001) or stops answering. No DOM.
//
// It offers the subset of Signalling that RoomPeer uses (state, offer, next, lowData, the
// "welcome" event), so the room page's media code serves it unchanged. Every server message
// is dispatched as a CustomEvent named after its type ("welcome", "language", "pong"...);
// "state" events say "connecting", "open" (welcomed), "reconnecting" or "closed".

import { nextMessage } from "./signalling.js";

export const PROTOCOL_VERSION = 1;
export const PING_EVERY_MS = 5000;
/** Pings after a welcome come every second for this many: a new edge's languages arrive
 * within a second or two of its first listener, and the pong says when. */
export const EARLY_PINGS = 8;
/** No message for this long: the node stopped answering (it is named unreachable). */
export const SILENT_MS = 12000;
const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

/** @typedef {{type: string, [field: string]: any}} Message */
/** @typedef {{node: string, url: string, ws_url: string}} Where */
/**
 * @typedef {object} ListenSeatOptions
 * @property {string} listenUrl `/relay/listen?session=ID` on the page's own node
 * @property {() => Promise<string>} token a fresh connect token (one per websocket)
 * @property {typeof fetch} [fetchImpl]
 * @property {typeof WebSocket} [WebSocketImpl]
 */

export class ListenSeat extends EventTarget {
  /** @param {ListenSeatOptions} options */
  constructor(options) {
    super();
    this.listenUrl = options.listenUrl;
    this.token = options.token;
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.WebSocketImpl = options.WebSocketImpl ?? WebSocket;
    /** @type {"idle"|"connecting"|"open"|"reconnecting"|"closed"} */
    this.state = "idle";
    /** @type {string|null} the node this seat is on */
    this.node = null;
    /** @type {string|null} */
    this.seatId = null;
    /** @type {string[]} languages whose booth is on air */
    this.languages = [];
    /** @type {string[]} sign languages whose booth has a signer on air */
    this.signLanguages = [];
    /** @type {number|null} the session's listen-only seats on all nodes */
    this.listening = null;
    /** @type {string|null} the language chosen (null: the floor only) */
    this.language = null;
    /** Counts welcomes: each is a new seat (on the same node or another). */
    this.connections = 0;
    /** @type {WebSocket|null} */
    this.ws = null;
    this._attempt = 0;
    this._nonce = 0;
    this._lastHeard = 0;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this._pinger = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this._retry = undefined;
  }

  /** Sit down (once); later losses sit down again by themselves. */
  connect() {
    if (this.state !== "idle") return;
    this._sitDown("");
  }

  close() {
    this._setState("closed");
    clearTimeout(this._retry);
    clearInterval(this._pinger);
    this.ws?.close(1000, "bye");
    this.ws = null;
  }

  /** @param {Message} message */
  send(message) {
    if (!this.ws || this.ws.readyState !== 1 || this.state !== "open") return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** @param {string} sdp */
  offer(sdp) { return this.send({ type: "offer", sdp }); }

  /** @param {string|null} language null: the floor only */
  selectLanguage(language) {
    this.language = language;
    return this.send({ type: "select_language", language });
  }

  /** A listen-only seat has no low-data mode (RoomPeer asks; the answer is no). */
  lowData() { return false; }

  /**
   * The next message of `type` (or an error about `about`), within `timeoutMs`.
   * @param {string} type
   * @param {{about?: string, timeoutMs?: number}} [options]
   * @returns {Promise<Message>}
   */
  next(type, { about, timeoutMs = 10000 } = {}) {
    // The seat's errors name no message; an error while an offer waits is about it.
    const isAbout = (/** @type {Message} */ error) => about === "offer" && error.code === "media_failed";
    return nextMessage(this, type, isAbout, timeoutMs);
  }

  // Internals.

  /** @param {string} unreachable the node the last seat could not reach ("" if none) */
  async _sitDown(unreachable) {
    if (this.state === "closed") return;
    this._setState(this.connections === 0 && this._attempt === 0 ? "connecting" : "reconnecting");
    /** @type {Where} */
    let where;
    /** @type {string} */
    let token;
    try {
      const url = unreachable ? `${this.listenUrl}&unreachable=${encodeURIComponent(unreachable)}` : this.listenUrl;
      const response = await this.fetchImpl(url, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) throw new Error(`where to listen: ${response.status}`);
      where = await response.json();
      token = await this.token();
    } catch {
      this._again(unreachable); // the page's own node is unreachable, or it has no answer yet
      return;
    }
    if (this.state === "closed") return;
    const ws = new this.WebSocketImpl(`${where.ws_url}&token=${encodeURIComponent(token)}`);
    this.ws = ws;
    let welcomed = false;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION }));
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this._lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (message.type === "welcome") {
        welcomed = true;
        this._welcomed(message, where.node);
      } else if (message.type === "pong") {
        if (Array.isArray(message.languages)) this.languages = message.languages;
        if (Array.isArray(message.sign_languages)) this.signLanguages = message.sign_languages;
        if (typeof message.listening === "number") this.listening = message.listening;
      }
      this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      clearInterval(this._pinger);
      // 1001: the node drains and sends its seats away; it is still there, so ask again
      // plainly. Anything else before or after a welcome: the node did not answer.
      const lost = event.code === 1001 ? "" : where.node;
      if (welcomed) this._attempt = 0;
      this._again(lost);
    };
  }

  /** @param {Message} message @param {string} node */
  _welcomed(message, node) {
    this.node = message.node ?? node;
    this.seatId = message.seat_id;
    this.languages = message.languages ?? [];
    this.signLanguages = message.sign_languages ?? [];
    this.listening = message.listening ?? null;
    this.connections += 1;
    this._attempt = 0;
    this._lastHeard = Date.now();
    clearInterval(this._pinger);
    let ticks = 0;
    const every = PING_EVERY_MS / 1000;
    this._pinger = setInterval(() => {
      ticks += 1;
      if (Date.now() - this._lastHeard > SILENT_MS) this.ws?.close(4100, "the node stopped answering");
      else if (ticks <= EARLY_PINGS || ticks % every === 0) this.send({ type: "ping", nonce: String(++this._nonce) });
    }, 1000);
    this._setState("open");
    // The new seat hears what the old one did.
    if (this.language !== null) this.send({ type: "select_language", language: this.language });
  }

  /** @param {string} unreachable */
  _again(unreachable) {
    if (this.state === "closed") return;
    this._setState("reconnecting");
    const delay = BACKOFF_MS[Math.min(this._attempt, BACKOFF_MS.length - 1)];
    this._attempt += 1;
    // A drain's 1001 sits down again at once: the node asked for it.
    this._retry = setTimeout(() => this._sitDown(unreachable), unreachable || this._attempt > 1 ? delay : 0);
  }

  /** @param {"idle"|"connecting"|"open"|"reconnecting"|"closed"} state */
  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state } }));
  }
}
