// The signalling websocket client (docs/protocol.md): hello, heartbeats, silent
// reconnection that resumes the seat, typed senders. No DOM.
//
// Every server message is dispatched as a CustomEvent named after its type, with
// the message as `detail` ("welcome", "room_snapshot", "chat_message"...). The
// connection itself reports "state" events: detail is one of "connecting",
// "open" (welcomed), "reconnecting", "closed" (gave up, or closed on purpose).

export const PROTOCOL_VERSION = 1;

/** @typedef {{type: string, [field: string]: any}} Message */
/** @typedef {"idle"|"connecting"|"open"|"reconnecting"|"closed"} ConnectionState */
/**
 * @typedef {object} SignallingOptions
 * @property {number} [graceS] how long to keep trying to resume the seat (the server's grace)
 * @property {(attempt: number) => number} [backoffMs] delay before reconnection attempt n (1, 2...)
 * @property {typeof WebSocket} [WebSocketImpl]
 * @property {string|null} [resumeToken] resume this seat on the first connection (after a reload)
 */

// Close codes after which reconnecting would not help (docs/protocol.md).
// 4003: the same person sat down in this room elsewhere; coming back would push that seat out.
const FINAL_CLOSE_CODES = new Set([1008, 1009, 4001, 4002, 4003]);

/** @param {number} attempt */
function defaultBackoffMs(attempt) {
  const base = Math.min(250 * 2 ** (attempt - 1), 4000);
  return base / 2 + Math.random() * base / 2;
}

export class Signalling extends EventTarget {
  /**
   * @param {string} url the websocket URL (…/ws, or …/ws?token=… for non-browser clients)
   * @param {SignallingOptions} [options]
   */
  constructor(url, options = {}) {
    super();
    this.url = url;
    this.graceS = options.graceS ?? 30;
    this.backoffMs = options.backoffMs ?? defaultBackoffMs;
    this.WebSocketImpl = options.WebSocketImpl ?? WebSocket;
    /** @type {ConnectionState} */
    this.state = "idle";
    /** @type {string|null} */
    this.seatId = null;
    /** @type {string|null} */
    this.resumeToken = options.resumeToken ?? null;
    /** @type {WebSocket|null} */
    this.ws = null;
    this.heartbeatS = 15;
    /** Counts welcomes, so a test or a UI can tell a resumed connection from the first. */
    this.connections = 0;
    /** @type {number|null} */
    this._lostAt = null;
    this._attempt = 0;
    this._lastHeard = 0;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this._watchdog = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this._retry = undefined;
    this._nonce = 0;
  }

  /** Open the connection (once); later drops reconnect by themselves. */
  connect() {
    if (this.state !== "idle") return;
    this._open();
  }

  /** Close on purpose: no reconnection. */
  close() {
    this._setState("closed");
    clearTimeout(this._retry);
    clearInterval(this._watchdog);
    this.ws?.close(1000, "bye");
    this.ws = null;
  }

  /** Drop the socket as if the network had failed (tests and the "reconnect" button). */
  dropConnection() {
    this.ws?.close(4100, "client dropped the connection");
  }

  /**
   * Send one message; false when not connected (the caller decides whether to retry).
   * @param {Message} message
   */
  send(message) {
    if (!this.ws || this.ws.readyState !== 1 || this.state !== "open") return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  // Typed senders, one per client message of docs/protocol.md.

  /** @param {string} roomId */
  join(roomId) { return this.send({ type: "join", room_id: roomId }); }
  leave() { return this.send({ type: "leave" }); }
  raiseHand() { return this.send({ type: "raise_hand" }); }
  /** @param {string} [seatId] someone else's hand (organisers) */
  lowerHand(seatId) {
    return this.send(seatId ? { type: "lower_hand", seat_id: seatId } : { type: "lower_hand" });
  }
  /** @param {string} text */
  chat(text) { return this.send({ type: "chat", text }); }
  /** @param {boolean} muted */
  muteSelf(muted) { return this.send({ type: "mute_self", muted }); }
  /** @param {string} seatId */
  mute(seatId) { return this.send({ type: "mute", seat_id: seatId }); }
  askUnmute() { return this.send({ type: "ask_unmute" }); }
  /** @param {string} seatId lift an organiser's mute (organisers) */
  allowUnmute(seatId) { return this.send({ type: "allow_unmute", seat_id: seatId }); }
  /** @param {string} seatId @param {string} roomId */
  move(seatId, roomId) { return this.send({ type: "move", seat_id: seatId, room_id: roomId }); }
  /** @param {string} seatId */
  giveFloor(seatId) { return this.send({ type: "give_floor", seat_id: seatId }); }
  /** @param {string} seatId */
  takeFloor(seatId) { return this.send({ type: "take_floor", seat_id: seatId }); }
  /**
   * @param {"by_hand"|"random"|"self_select"} mode
   * @param {{title: string, seats?: string[], people?: string[]}[]} rooms
   * @param {number|null} [durationS]
   */
  openBreakouts(mode, rooms, durationS = null) {
    /** @type {Message} */
    const message = {
      type: "breakout_open",
      mode,
      rooms: rooms.map((r) => (mode === "by_hand"
        ? { title: r.title, seats: r.seats ?? [], ...(r.people?.length ? { people: r.people } : {}) }
        : { title: r.title })),
    };
    if (durationS) message.duration_s = Math.round(durationS);
    return this.send(message);
  }
  /** @param {string} roomId */
  chooseBreakout(roomId) { return this.send({ type: "breakout_choose", room_id: roomId }); }
  /** @param {number} seconds */
  countdown(seconds) { return this.send({ type: "breakout_countdown", seconds: Math.round(seconds) }); }
  /** @param {string} text */
  broadcast(text) { return this.send({ type: "breakout_broadcast", text }); }
  closeBreakouts() { return this.send({ type: "breakout_close" }); }
  /** @param {string} [text] */
  askForHelp(text = "") { return this.send({ type: "help_request", text }); }
  helpList() { return this.send({ type: "help_list" }); }
  /** @param {string} requestId */
  resolveHelp(requestId) { return this.send({ type: "help_resolve", request_id: requestId }); }
  /** @param {string} sdp */
  offer(sdp) { return this.send({ type: "offer", sdp }); }
  /** @param {boolean} on */
  camera(on) { return this.send({ type: "camera", on }); }
  /** @param {boolean} on */
  share(on) { return this.send({ type: "share", on }); }
  /** @param {string} seatId organisers: stop someone's screen share */
  stopShare(seatId) { return this.send({ type: "stop_share", seat_id: seatId }); }
  /** @param {boolean} enabled the low-data extension (docs/protocol.md) */
  lowData(enabled) { return this.send({ type: "low_data", enabled }); }

  /**
   * The next message of `type` (or an error about `about`), within `timeoutMs`.
   * @param {string} type
   * @param {{about?: string, timeoutMs?: number}} [options]
   * @returns {Promise<Message>}
   */
  next(type, { about, timeoutMs = 10000 } = {}) {
    return nextMessage(this, type, (error) => Boolean(about) && error.about === about, timeoutMs);
  }

  // Internals.

  _open() {
    this._setState(this._lostAt === null ? "connecting" : "reconnecting");
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = () => {
      /** @type {Message} */
      const hello = { type: "hello", protocol: PROTOCOL_VERSION };
      if (this.resumeToken) hello.resume_token = this.resumeToken;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (event) => {
      if (ws !== this.ws) return;
      this._lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      this._receive(message);
    };
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      clearInterval(this._watchdog);
      this._lost(event.code);
    };
  }

  /** @param {Message} message */
  _receive(message) {
    if (message.type === "ping") {
      this.ws?.send(JSON.stringify({ type: "pong", nonce: message.nonce }));
    } else if (message.type === "welcome") {
      this.seatId = message.seat_id;
      this.resumeToken = message.resume_token;
      this.heartbeatS = message.heartbeat_interval_s ?? this.heartbeatS;
      this.graceS = message.reconnect_grace_s ?? this.graceS;
      this._lostAt = null;
      this._attempt = 0;
      this.connections += 1;
      this._startWatchdog();
      this._setState("open");
    } else if (message.type === "presence_batch") {
      // A large room's presence, coalesced by the server: each event as if sent alone.
      for (const each of message.events ?? []) this._receive(each);
      return;
    }
    this.dispatchEvent(new CustomEvent(message.type, { detail: message }));
    this.dispatchEvent(new CustomEvent("message", { detail: message }));
  }

  /** A connection that hears nothing for two heartbeats is dead even if no close came. */
  _startWatchdog() {
    clearInterval(this._watchdog);
    this._lastHeard = Date.now();
    const silenceMs = (this.heartbeatS * 2 + 5) * 1000;
    this._watchdog = setInterval(() => {
      if (Date.now() - this._lastHeard > silenceMs) this.ws?.close(4100, "heartbeat lost");
      else if (this.ws?.readyState === 1) this.ws.send(JSON.stringify({ type: "ping", nonce: String(++this._nonce) }));
    }, this.heartbeatS * 1000);
  }

  /** @param {number} code */
  _lost(code) {
    if (this.state === "closed") return;
    // A refused handshake (HTTP 403) looks like any failed connection (1006): never
    // welcomed after a few tries means we are not let in.
    if (FINAL_CLOSE_CODES.has(code) || (this.connections === 0 && this._attempt >= 3)) {
      this._setState("closed", code);
      return;
    }
    const now = Date.now();
    if (this._lostAt === null) this._lostAt = now;
    this._attempt += 1;
    const delay = this.backoffMs(this._attempt);
    // Past the grace the seat is gone anyway; keep trying with a fresh seat (no token).
    if (now + delay - this._lostAt > this.graceS * 1000) this.resumeToken = null;
    this._setState("reconnecting");
    this._retry = setTimeout(() => this._open(), delay);
  }

  /** @param {ConnectionState} state @param {number} [code] */
  _setState(state, code) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, code } }));
  }
}

/**
 * The next `type` event's message from `target`, or a rejection for the first error event
 * that `isAbout` claims (its message and code), or for no message within `timeoutMs`.
 * @param {EventTarget} target
 * @param {string} type
 * @param {(error: Message) => boolean} isAbout
 * @param {number} timeoutMs
 * @returns {Promise<Message>}
 */
export function nextMessage(target, type, isAbout, timeoutMs) {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      target.removeEventListener(type, onMessage);
      target.removeEventListener("error", onError);
    };
    /** @param {Event} event */
    const onMessage = (event) => { done(); resolve(/** @type {CustomEvent} */ (event).detail); };
    /** @param {Event} event */
    const onError = (event) => {
      const error = /** @type {CustomEvent} */ (event).detail;
      if (isAbout(error)) {
        done();
        reject(Object.assign(new Error(error.message), { code: error.code }));
      }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`no ${type} within ${timeoutMs} ms`)); }, timeoutMs);
    target.addEventListener(type, onMessage);
    target.addEventListener("error", onError);
  });
}
