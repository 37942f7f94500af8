// The lightning stage extension (docs/protocol.md, "Extension: lightning stage"): the
// last stage_state, the host's typed senders, and the countdown maths. No DOM.
//
// The server sends stage_state only when something changes; the countdown runs here,
// from ends_at and the server's clock (`now`), corrected for this machine's clock.

/** @typedef {import("./signalling.js").Signalling} Signalling */
/**
 * @typedef {object} StageTalk
 * @property {string} talk_id
 * @property {string} title
 * @property {string} speaker_name
 * @property {string} language
 * @property {string} language_name
 * @property {number} seconds
 * @property {string} slides_url
 * @property {"upcoming"|"live"|"given"|"skipped"} status
 */
/**
 * @typedef {object} StageState
 * @property {string} room_id
 * @property {string} block_id
 * @property {"waiting"|"live"|"finished"} state
 * @property {number} now server time, Unix seconds
 * @property {number|null} current index of the talk on stage
 * @property {number|null} next index of who is up next
 * @property {number|null} started_at
 * @property {number|null} ends_at
 * @property {number} extended_s
 * @property {number[]} warnings_s e.g. [60, 20]
 * @property {StageTalk[]} talks
 */
/** @typedef {"running"|"one_minute"|"twenty_seconds"|"overrun"} Phase */

/**
 * How the countdown looks with `remaining` seconds left (negative: over time).
 * @param {number} remaining
 * @param {number[]} warnings the thresholds in seconds, the gentle one first
 * @returns {Phase}
 */
export function phaseOf(remaining, warnings = [60, 20]) {
  if (remaining < 0) return "overrun";
  if (remaining <= warnings[1]) return "twenty_seconds";
  if (remaining <= warnings[0]) return "one_minute";
  return "running";
}

/**
 * "4:05" while time is left (rounded up), "+0:12" once over time.
 * @param {number} remaining
 */
export function clockText(remaining) {
  if (remaining < 0) {
    const over = Math.floor(-remaining);
    return `+${Math.floor(over / 60)}:${String(over % 60).padStart(2, "0")}`;
  }
  const left = Math.ceil(remaining);
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
}

export class StageClient extends EventTarget {
  /**
   * @param {Signalling} signalling
   * @param {string} roomId the stage's room (the block's main room)
   */
  constructor(signalling, roomId) {
    super();
    this.signalling = signalling;
    this.roomId = roomId;
    /** @type {StageState|null} */
    this.state = null;
    /** Seconds to add to this machine's clock to get the server's. */
    this.offsetS = 0;
    signalling.addEventListener("stage_state", (event) => {
      const message = /** @type {StageState} */ (/** @type {CustomEvent} */ (event).detail);
      if (message.room_id !== this.roomId) return;
      this.offsetS = message.now - Date.now() / 1000;
      this.state = message;
      this.dispatchEvent(new CustomEvent("change"));
    });
    // Whoever (re)enters the room asks where the stage has got to.
    signalling.addEventListener("room_snapshot", (event) => {
      const message = /** @type {CustomEvent} */ (event).detail;
      if (message.room?.room_id === this.roomId) this.sync();
    });
  }

  serverNow() {
    return Date.now() / 1000 + this.offsetS;
  }

  /** Seconds left of the talk on stage (negative once over), or null. */
  remaining() {
    const endsAt = this.state?.ends_at;
    return endsAt == null ? null : endsAt - this.serverNow();
  }

  /** @returns {Phase|null} */
  phase() {
    const left = this.remaining();
    return left === null ? null : phaseOf(left, this.state?.warnings_s);
  }

  get current() {
    const s = this.state;
    return s && s.current !== null ? s.talks[s.current] : null;
  }

  get next() {
    const s = this.state;
    return s && s.next !== null ? s.talks[s.next] : null;
  }

  // Typed senders (the host's are refused for anyone but organisers).
  sync() { return this.signalling.send({ type: "stage_sync" }); }
  start() { return this.signalling.send({ type: "stage_start" }); }
  advance() { return this.signalling.send({ type: "stage_advance" }); }
  skip() { return this.signalling.send({ type: "stage_skip" }); }
  extend() { return this.signalling.send({ type: "stage_extend" }); }
  finish() { return this.signalling.send({ type: "stage_finish" }); }
}
