// The room's pictures. One tile per floor slot the server filled (a name on every tile,
// the speaking one marked, the camera if it is on); the screen share large with the
// cameras beside it; otherwise, in a plenary, the floor speaker large. A sign-language
// interpreter, when the viewer watches a sign-language channel, is pinned beside the
// large picture: both stay visible, and either can be enlarged. Your own camera shows
// small. What each slot carries comes from the server's `slots` message; the
// tracks come from RoomPeer. DOM only: no protocol details.

/**
 * @typedef {object} Slots
 * @property {(string|null)[]} floor
 * @property {(string|null)[]} floor_video
 * @property {string|null} share
 * @property {(string|null)[]} pinned
 */
/**
 * @typedef {object} Tile
 * @property {string} key "floor-video-0", "share", "self"
 * @property {string|null} seatId
 * @property {string} name
 * @property {boolean} video whether a picture is expected
 * @property {boolean} large
 * @property {boolean} speaking
 * @property {boolean} [pinned] a sign-language interpreter, beside the large picture
 * @property {boolean} [enlarged] the bigger of the pair beside each other
 */

const SPEAKING_DB = -70;

export class VideoWall {
  /**
   * @param {HTMLElement} section the video section (hidden while there is nothing to show)
   * @param {{
   *   t: (key: string, values?: Record<string, string|number>) => string,
   *   person: (seatId: string) => {display_name: string, has_floor: boolean}|undefined,
   *   isPlenary: () => boolean,
   *   levels: () => Map<string, number>,
   * }} options
   */
  constructor(section, options) {
    this.section = section;
    this.main = /** @type {HTMLElement} */ (section.querySelector(".video-main"));
    this.grid = /** @type {HTMLElement} */ (section.querySelector(".video-grid"));
    this.options = options;
    /** @type {Map<string, MediaStreamTrack>} tracks by slot key */
    this.tracks = new Map();
    /** @type {Map<string, HTMLElement>} tile elements by key, kept so videos keep playing */
    this.elements = new Map();
    /** @type {Slots} */
    this.slots = { floor: [], floor_video: [], share: null, pinned: [] };
    /** @type {MediaStreamTrack|null} */
    this.local = null;
    /** @type {Tile[]} */
    this.tiles = [];
    /** @type {Map<string, number>} when each tile first showed a frame (performance.now()) */
    this.firstFrames = new Map();
    /** whether the viewer watches a sign-language channel (its pinned slot shows the signer) */
    this.signing = false;
    /** @type {string|null} the tile the viewer enlarged (null: the speaker's) */
    this.enlarged = null;
    setInterval(() => this._markSpeaking(), 300);
  }

  /** @param {string} key "floor-video-0", "share", "pinned-0" @param {MediaStreamTrack} track */
  attach(key, track) {
    this.tracks.set(key, track);
    // Play it now, in a tile not yet shown: a still screen's one frame may come before the
    // tile does, and a <video> attached later waits for the next frame.
    this._play(this.elements.get(key) ?? this._create(key), track);
  }

  /** @param {Slots} slots */
  setSlots(slots) {
    this.slots = slots;
    this.render();
  }

  /** Show the pinned slot (a sign-language channel chosen) or not. @param {boolean} on */
  setSigning(on) {
    this.signing = on;
    this.render();
  }

  /** Enlarge one of the pictures beside each other. @param {string} key */
  enlarge(key) {
    this.enlarged = key;
    this.render();
  }

  /** Your own camera (null: off). @param {MediaStreamTrack|null} track */
  setLocal(track) {
    this.local = track;
    this.render();
  }

  render() {
    const { t, person, isPlenary } = this.options;
    const name = (/** @type {string|null} */ seatId) => (seatId && person(seatId)?.display_name) || "";
    /** @type {Tile[]} */
    const tiles = [];
    if (this.slots.share) {
      tiles.push({
        key: "share", seatId: this.slots.share, name: t("screen_of", { name: name(this.slots.share) }),
        video: true, large: true, speaking: false,
      });
    }
    this.slots.floor.forEach((seatId, i) => {
      if (!seatId) return;
      tiles.push({
        key: `floor-video-${i}`, seatId, name: name(seatId),
        video: this.slots.floor_video[i] === seatId, large: false, speaking: false,
      });
    });
    if (!this.slots.share && isPlenary()) {
      // The floor speaker large: whoever has the floor and shows a camera, else the first camera.
      const cameras = tiles.filter((tile) => tile.video);
      const speaker = cameras.find((tile) => tile.seatId && person(tile.seatId)?.has_floor) ?? cameras[0];
      if (speaker) speaker.large = true;
    }
    if (this.signing) {
      this.slots.pinned.forEach((seatId, i) => {
        tiles.push({
          key: `pinned-${i}`, seatId,
          name: seatId ? t("signer_of", { name: name(seatId) }) : t("sign_nobody"),
          video: Boolean(seatId), large: true, speaking: false, pinned: true,
        });
      });
    }
    if (this.local) tiles.push({ key: "self", seatId: null, name: t("your_camera"), video: true, large: false, speaking: false });
    // Two large pictures side by side (the speaker or the share, and the signer): one is bigger.
    const pair = tiles.filter((tile) => tile.large);
    if (pair.length > 1) {
      const bigger = pair.find((tile) => tile.key === this.enlarged) ?? pair.find((tile) => !tile.pinned) ?? pair[0];
      for (const tile of pair) tile.enlarged = tile === bigger;
    }
    this.tiles = tiles;

    for (const [key, element] of this.elements) {
      if (!tiles.some((tile) => tile.key === key)) {
        element.remove();
        this.elements.delete(key);
      }
    }
    const large = [];
    const small = [];
    for (const tile of tiles) {
      const element = this._element(tile);
      (tile.large ? large : small).push(element);
    }
    this.main.replaceChildren(...large);
    this.grid.replaceChildren(...small);
    this.main.hidden = large.length === 0;
    this.main.classList.toggle("pair", large.length > 1);
    this.section.hidden = tiles.length === 0;
    this._markSpeaking();
  }

  /** A tile's element for slot ``key``, not yet shown. @param {string} key */
  _create(key) {
    const element = document.createElement("figure");
    element.dataset.slot = key;
    element.className = "tile";
    const video = document.createElement("video");
    video.autoplay = true;
    video.muted = true; // the voice plays through the audio slots
    video.playsInline = true;
    const caption = document.createElement("figcaption");
    // The name, then "Speaking" in words while they speak (not a colour alone).
    const name = document.createElement("span");
    name.className = "tile-name";
    const speaking = document.createElement("span");
    speaking.className = "tile-speaking";
    speaking.textContent = this.options.t("speaking");
    speaking.hidden = true;
    caption.append(name, speaking);
    const enlarge = document.createElement("button");
    enlarge.type = "button";
    enlarge.className = "enlarge secondary";
    enlarge.textContent = this.options.t("enlarge");
    enlarge.addEventListener("click", () => this.enlarge(key));
    element.append(video, caption, enlarge);
    this.elements.set(key, element);
    return element;
  }

  /** @param {Tile} tile */
  _element(tile) {
    const element = this.elements.get(tile.key) ?? this._create(tile.key);
    element.classList.toggle("pinned", Boolean(tile.pinned));
    element.classList.toggle("enlarged", Boolean(tile.enlarged));
    /** @type {HTMLElement} */ (element.querySelector(".enlarge")).hidden = tile.enlarged !== false;
    element.dataset.slot = tile.key;
    element.dataset.seatId = tile.seatId ?? "";
    element.classList.toggle("large", tile.large);
    element.classList.toggle("no-video", !tile.video);
    /** @type {HTMLElement} */ (element.querySelector(".tile-name")).textContent = tile.name;
    const track = tile.key === "self" ? this.local : this.tracks.get(tile.key);
    if (track && tile.video) this._play(element, track);
    return element;
  }

  /** @param {HTMLElement} element @param {MediaStreamTrack} track */
  _play(element, track) {
    const video = /** @type {HTMLVideoElement} */ (element.querySelector("video"));
    const current = /** @type {MediaStream|null} */ (video.srcObject);
    if (current?.getVideoTracks()[0] === track) return;
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {});
    const key = element.dataset.slot ?? "";
    if (!this.firstFrames.has(key) && "requestVideoFrameCallback" in video) {
      video.requestVideoFrameCallback(() => this.firstFrames.set(key, performance.now()));
    }
  }

  _markSpeaking() {
    const floor = this.tiles.filter((tile) => tile.key.startsWith("floor-video-"));
    if (!floor.length) return;
    const levels = this.options.levels();
    for (const tile of floor) {
      const index = tile.key.slice("floor-video-".length);
      tile.speaking = (levels.get(`floor-${index}`) ?? -Infinity) > SPEAKING_DB;
      const element = this.elements.get(tile.key);
      if (!element) continue;
      element.classList.toggle("speaking", tile.speaking);
      element.dataset.speaking = String(tile.speaking);
      /** @type {HTMLElement} */ (element.querySelector(".tile-speaking")).hidden = !tile.speaking;
    }
  }
}
