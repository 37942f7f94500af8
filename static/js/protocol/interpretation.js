// The interpretation extension of the protocol (docs/protocol.md, "Extension:
// interpretation"): language channels and the listener's mix, the booth console,
// the organiser's board. Typed senders and the state kept from server messages. No DOM.
//
// Events: "change" (detail: {what}), what is "channels", "mix", "sign", "booth", "chat",
// "slow_down", "board" or "error".

/** @typedef {import("./signalling.js").Signalling} Signalling */
/** @typedef {{language: string, name: string, booth: string|null, active: boolean, sign?: boolean}} Channel */
/** @typedef {{language: string, balance: number, floor: number, interpreter: number, reason: string|null}} Mix */
/** @typedef {{person_id: string, name: string, connected: boolean}} Member */
/**
 * @typedef {object} BoothView
 * @property {string} room_id
 * @property {string} room_title
 * @property {string} booth
 * @property {string[]} languages
 * @property {string} output_language
 * @property {string} source
 * @property {string[]} sources
 * @property {string[]} live_sources
 * @property {string} state
 * @property {string|null} on_air
 * @property {boolean} coughing
 * @property {{kind: string, by: string, to: string|null}|null} pending
 * @property {Member[]} members
 * @property {string} you
 * @property {{current: string|null, next: string|null, handover_at: number|null, seconds_to_handover: number|null}|null} turn
 * @property {string|null} floor_up
 * @property {boolean} [signs] a sign-language booth: the interpreters' cameras are its output
 */

export const ORIGINAL = "original";
const INTERPRETATION_ERRORS = new Set([
  "list_channels", "select_language", "select_sign_language", "booth_enter", "on_air", "handover", "take_over", "cough",
  "retour", "booth_source", "booth_chat", "slow_down", "booth_open", "board_watch", "feed_health",
]);

/**
 * The channel to choose for someone who has not chosen: their first preferred language
 * that the room offers, the original if the floor speaks it first, else the original.
 * @param {Channel[]} channels
 * @param {string[]} preferred registration languages, in order
 * @param {string[]} floorLanguages
 */
export function preferredChannel(channels, preferred, floorLanguages) {
  const base = (/** @type {string} */ tag) => tag.toLowerCase().split("-")[0];
  for (const tag of preferred) {
    if (floorLanguages.some((f) => base(f) === base(tag))) return ORIGINAL;
    const found = channels.find((c) => c.language !== ORIGINAL && base(c.language) === base(tag));
    if (found) return found.language;
  }
  return ORIGINAL;
}

export class Interpretation extends EventTarget {
  /** @param {Signalling} signalling */
  constructor(signalling) {
    super();
    this.signalling = signalling;
    /** @type {string|null} */
    this.roomId = null;
    /** @type {Channel[]} */
    this.channels = [];
    /** @type {Mix|null} */
    this.mix = null;
    /** @type {string|null} the language the server says this seat chose (a page on a new node) */
    this.chosen = null;
    /** @type {string|null} the sign-language channel this seat watches */
    this.signLanguage = null;
    /** @type {BoothView|null} */
    this.booth = null;
    /** @type {{name: string, text: string, at: number}[]} */
    this.chat = [];
    /** @type {{booth: string, at: number}|null} */
    this.slowDown = null;
    /** @type {Map<string, any>} board by room id */
    this.boards = new Map();
    /** @type {{code: string, message: string, about: string|null}|null} */
    this.lastError = null;
    const on = (/** @type {string} */ type, /** @type {(m: any) => void} */ handle) =>
      signalling.addEventListener(type, (event) => handle(/** @type {CustomEvent} */ (event).detail));
    on("channels", (m) => {
      this.roomId = m.room_id;
      this.channels = m.channels;
      if (m.chosen) this.chosen = m.chosen;
      this._changed("channels");
    });
    on("mix", (m) => { this.mix = m; this._changed("mix"); });
    on("sign_language", (m) => { this.signLanguage = m.language; this._changed("sign"); });
    on("booth_state", (m) => { this.booth = m; this._changed("booth"); });
    on("booth_chat_message", (m) => {
      this.chat.push({ name: m.name, text: m.text, at: m.at });
      this.chat = this.chat.slice(-200);
      this._changed("chat");
    });
    on("slow_down_requested", (m) => { this.slowDown = { booth: m.booth, at: m.at }; this._changed("slow_down"); });
    on("board", (m) => { this.boards.set(m.room_id, m); this._changed("board"); });
    on("error", (m) => {
      if (!INTERPRETATION_ERRORS.has(m.about)) return;
      this.lastError = m;
      this._changed("error");
    });
  }

  /** What one can listen to: the original and the spoken channels. */
  get spokenChannels() {
    return this.channels.filter((c) => !c.sign);
  }

  /** What one can watch: the sign-language channels (seen in a pinned video slot). */
  get signChannels() {
    return this.channels.filter((c) => c.sign);
  }

  /** Spoken languages offered beyond the original: does this room carry interpretation? */
  get interpreted() {
    return this.spokenChannels.length > 1;
  }

  // Typed senders, one per client message of the extension.

  listChannels() { return this.signalling.send({ type: "list_channels" }); }
  /** @param {string} language @param {number} balance 0 floor only .. 1 interpreter only */
  selectLanguage(language, balance) {
    return this.signalling.send({ type: "select_language", language, balance });
  }
  /** @param {string|null} language a sign-language channel, or null for none */
  selectSignLanguage(language) {
    return this.signalling.send({ type: "select_sign_language", language });
  }
  /** @param {string} roomId */
  enterBooth(roomId) { return this.signalling.send({ type: "booth_enter", room_id: roomId }); }
  /** @param {boolean} on */
  onAir(on) { return this.signalling.send({ type: "on_air", on }); }
  /** @param {"request"|"offer"|"accept"|"decline"|"cancel"} action */
  handover(action) { return this.signalling.send({ type: "handover", action }); }
  takeOver() { return this.signalling.send({ type: "take_over" }); }
  /** @param {boolean} coughing */
  cough(coughing) { return this.signalling.send({ type: "cough", coughing }); }
  retour() { return this.signalling.send({ type: "retour" }); }
  /** @param {string} source "floor" or "relay:<language>" */
  setSource(source) { return this.signalling.send({ type: "booth_source", source }); }
  /** @param {string} text */
  boothChat(text) { return this.signalling.send({ type: "booth_chat", text }); }
  slowDownPlease() { return this.signalling.send({ type: "slow_down" }); }
  /** @param {string} roomId @param {string[]} languages @param {string[]} members person ids */
  openBooth(roomId, languages, members) {
    return this.signalling.send({ type: "booth_open", room_id: roomId, languages, members });
  }
  /** @param {string} roomId */
  watchBoard(roomId) { return this.signalling.send({ type: "board_watch", room_id: roomId }); }
  /**
   * The console's floor feed, for the organiser's board.
   * @param {import("./feedhealth.js").FeedReading} r
   */
  reportFeed(r) {
    return this.signalling.send({
      type: "feed_health", state: r.state, reasons: r.reasons,
      loss_pct: Math.round(r.lossPct * 10) / 10, jitter_ms: Math.round(r.jitterMs), delay_ms: Math.round(r.delayMs),
    });
  }

  // What the console reads.

  /** Whether this seat's person holds the air. */
  get onAirMyself() {
    return !!this.booth && this.booth.on_air === this.booth.you;
  }

  /** @param {string|null} personId */
  memberName(personId) {
    return this.booth?.members.find((m) => m.person_id === personId)?.name ?? personId ?? "";
  }

  /** @param {string} what */
  _changed(what) {
    this.dispatchEvent(new CustomEvent("change", { detail: { what } }));
  }
}
