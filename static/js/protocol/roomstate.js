// What the browser knows about its room, kept from the server's messages: the room,
// the people in it (by seat id, never twice), chat, breakouts, broadcasts and help
// requests. No DOM: the UI renders it on "change" events (detail: {what}).

/** @typedef {import("./signalling.js").Signalling} Signalling */
/**
 * @typedef {object} Person
 * @property {string} seat_id
 * @property {string} display_name
 * @property {string[]} roles
 * @property {"present"|"away"} state
 * @property {boolean} hand_raised
 * @property {boolean} muted
 * @property {boolean} has_floor
 * @property {boolean} may_publish
 * @property {boolean} [mute_held] an organiser muted them; only an organiser lifts it
 * @property {boolean} [unmute_asked] they asked the organisers to lift it
 * @property {boolean} [camera] their camera is on
 * @property {boolean} [sharing] they share their screen
 */
/** @typedef {{room_id: string, kind: string, title: string, parent_id: string|null}} Room */
/** @typedef {{room_id: string, title: string}} BreakoutRoom */
/**
 * @typedef {object} Breakout
 * @property {string} breakout_id
 * @property {string} main_room_id
 * @property {"by_hand"|"random"|"self_select"} mode
 * @property {string} state
 * @property {number|null} ends_at Unix seconds
 * @property {BreakoutRoom[]} rooms
 */
/** @typedef {{seat_id: string, display_name: string, text: string, at: number}} ChatLine */
/** @typedef {{from_name: string, text: string, at: number}} BroadcastLine */
/**
 * @typedef {object} HelpRequest
 * @property {string} request_id
 * @property {string} seat_id
 * @property {string} display_name
 * @property {string} room_id
 * @property {string} room_title
 * @property {string} text
 * @property {number} at
 */

const KEEP_CHAT = 500;

export class RoomState extends EventTarget {
  /**
   * @param {Signalling} signalling
   * @param {string} mainRoomId the session's main room, joined on the first connection
   */
  constructor(signalling, mainRoomId) {
    super();
    this.signalling = signalling;
    this.mainRoomId = mainRoomId;
    /** @type {Room|null} */
    this.room = null;
    /** @type {Person|null} */
    this.you = null;
    /** @type {Map<string, Person>} */
    this.people = new Map();
    /** @type {Breakout|null} */
    this.breakout = null;
    /** @type {ChatLine[]} */
    this.chat = [];
    /** @type {BroadcastLine[]} */
    this.broadcasts = [];
    /** @type {Map<string, HelpRequest>} */
    this.help = new Map();
    /** @type {{code: string, message: string, about: string|null}|null} */
    this.lastError = null;
    this._wanted = mainRoomId; // where to go back to if the seat was lost
    const on = (/** @type {string} */ type, /** @type {(m: any) => void} */ handle) =>
      signalling.addEventListener(type, (event) => handle(/** @type {CustomEvent} */ (event).detail));
    on("welcome", (m) => this._welcome(m));
    on("room_snapshot", (m) => this._snapshot(m));
    on("room_left", () => { this.room = null; this.people.clear(); this._changed("room"); });
    on("presence_joined", (m) => this._person(m.room_id, m.participant));
    on("presence_updated", (m) => this._person(m.room_id, m.participant));
    on("presence_left", (m) => {
      if (m.room_id === this.room?.room_id && this.people.delete(m.seat_id)) this._changed("people");
    });
    on("chat_message", (m) => {
      if (m.room_id !== this.room?.room_id) return;
      this.chat.push({ seat_id: m.seat_id, display_name: m.display_name, text: m.text, at: m.at });
      if (this.chat.length > KEEP_CHAT) this.chat.splice(0, this.chat.length - KEEP_CHAT);
      this._changed("chat");
    });
    on("breakouts_opened", (m) => { this.breakout = m.breakout; this._changed("breakout"); });
    on("breakouts_countdown", (m) => {
      if (this.breakout?.breakout_id !== m.breakout_id) return;
      this.breakout = { ...this.breakout, state: "countdown", ends_at: m.ends_at };
      this._changed("breakout");
    });
    on("breakouts_closed", () => { this.breakout = null; this._changed("breakout"); });
    on("broadcast", (m) => {
      this.broadcasts.push({ from_name: m.from_name, text: m.text, at: m.at });
      this._changed("broadcasts");
    });
    on("help_requested", (m) => { this.help.set(m.request.request_id, m.request); this._changed("help"); });
    on("help_list", (m) => {
      this.help = new Map(m.requests.map((/** @type {HelpRequest} */ r) => [r.request_id, r]));
      this._changed("help");
    });
    on("help_resolved", (m) => { if (this.help.delete(m.request_id)) this._changed("help"); });
    on("error", (m) => {
      this.lastError = { code: m.code, message: m.message, about: m.about ?? null };
      // A breakout room we may no longer enter after a lost seat: the main room then.
      if (m.about === "join" && this._wanted !== this.mainRoomId) {
        this._wanted = this.mainRoomId;
        signalling.join(this.mainRoomId);
      }
      this._changed("error");
    });
  }

  get isOrganiser() {
    return this.you?.roles.includes("organiser") ?? false;
  }

  /** Whether the current room is one of the breakout's rooms. */
  get inBreakoutRoom() {
    return this.room?.parent_id != null;
  }

  /** People in the room, in a stable order: by name, then seat. */
  list() {
    return [...this.people.values()].sort(
      (a, b) => a.display_name.localeCompare(b.display_name) || a.seat_id.localeCompare(b.seat_id),
    );
  }

  /** @param {any} welcome */
  _welcome(welcome) {
    this.you = welcome.you;
    if (!welcome.resumed) {
      // A new seat (the first connection, or the old seat expired): enter the room again.
      this.room = null;
      this.people.clear();
      this.signalling.join(this._wanted);
    }
    this._changed("you");
  }

  /** @param {any} snapshot */
  _snapshot(snapshot) {
    this.room = snapshot.room;
    this._wanted = snapshot.room.room_id;
    this.you = snapshot.you;
    this.people = new Map(snapshot.participants.map((/** @type {Person} */ p) => [p.seat_id, p]));
    this.breakout = snapshot.breakout;
    if (snapshot.reason !== "resumed" || !this.chat.length) this.chat = [];
    if (this.isOrganiser && this.breakout) this.signalling.helpList();
    this._changed("room");
  }

  /** @param {string} roomId @param {Person} person */
  _person(roomId, person) {
    if (roomId !== this.room?.room_id) return;
    this.people.set(person.seat_id, person);
    if (person.seat_id === this.you?.seat_id) this.you = person;
    this._changed("people");
  }

  /** @param {string} what */
  _changed(what) {
    this.dispatchEvent(new CustomEvent("change", { detail: { what } }));
  }
}
