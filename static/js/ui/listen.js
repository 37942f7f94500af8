// The room page of a listen-only seat (a plain participant in a session larger than its
// node; rooms/web/listen.py decides): the floor and a language, their pictures, the
// balance and the volume. Nothing that publishes or speaks in the room is shown. The seat
// moves to another node by itself (../protocol/listenseat.js). DOM only.

import { ListenSeat } from "../protocol/listenseat.js";
import { RoomPeer } from "../protocol/peer.js";
import { ORIGINAL, preferredChannel } from "../protocol/interpretation.js";
import { AudioOut, mountAudioControls } from "./audio.js";
import { errorBox } from "./errorbox.js";
import { VideoWall } from "./video.js";

const root = /** @type {HTMLElement} */ (document.getElementById("room"));
const data = root.dataset;
/** @type {Record<string, string>} */
const texts = JSON.parse(data.texts ?? "{}");
/** @type {Record<string, string>} */
const names = JSON.parse(data.languageNames ?? "{}");
/** @type {Record<string, string>} the sign languages' names, as the room page shows them */
const signNames = JSON.parse(data.signNames ?? "{}");
const preferred = /** @type {string[]} */ (JSON.parse(data.languages ?? "[]"));
const floorLanguages = /** @type {string[]} */ (JSON.parse(data.floorLanguages ?? "[]"));

/** @param {string} key @param {Record<string, string|number>} [values] */
const t = (key, values = {}) =>
  (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** A fresh connect token from this page's node (a form post with the page's CSRF token). */
async function connectToken() {
  const form = new FormData();
  form.set("csrf_token", data.csrf ?? "");
  const response = await fetch("/rooms/token", { method: "POST", body: form, credentials: "same-origin" });
  if (!response.ok) throw new Error(`token: ${response.status}`);
  return String((await response.json()).token);
}

const seat = new ListenSeat({ listenUrl: data.listenUrl ?? "", token: connectToken });
const audio = new AudioOut($("audio-out"));
audio.enableMix();

// Pictures: a floor slot's tile shows while its video track receives frames (the seat
// has no room view to name who is on it). The pinned slot: the signer of the sign language
// chosen, named after it ("American Sign Language, signing").
/** @type {(string|null)[]} */
const floorVideo = [];
/** @type {(string|null)[]} */
const pinnedVideo = [null];
const PINNED = "listen-pinned-0";
const wall = new VideoWall($("video"), {
  t,
  person: (id) => ({
    display_name: id === PINNED ? signNames[seat.language ?? ""] ?? seat.language ?? "" : t("floor_picture"),
    has_floor: false,
  }),
  isPlenary: () => true,
  levels: () => new Map(audio.readings().map((r) => [r.slot, r.peakDb])),
});
const showVideo = () =>
  wall.setSlots({ floor: [...floorVideo], floor_video: [...floorVideo], share: null, pinned: [...pinnedVideo] });
seat.addEventListener("slots", (event) => wall.setSlots(/** @type {CustomEvent} */ (event).detail));

/** @type {RoomPeer|null} */
let peer = null;
seat.addEventListener("welcome", async () => {
  if (peer) return; // later welcomes (a new seat): RoomPeer offers again by itself
  peer = new RoomPeer(/** @type {any} */ (seat), {
    iceServers: JSON.parse(data.iceServers ?? "[]"),
    floorSlots: Number(data.floorSlots ?? 3),
    mic: null,
    video: true, // the same layout as the room page's offer: the floor's pictures come too
    pinnedSlots: 1,
  });
  peer.addEventListener("state", (event) => {
    timeline.push([String(/** @type {CustomEvent} */ (event).detail), performance.now()]);
  });
  peer.addEventListener("track", (event) => {
    const { slot, index, track } = /** @type {CustomEvent} */ (event).detail;
    if (slot === "floor-video") {
      wall.attach(`floor-video-${index}`, track);
      const key = `listen-floor-${index}`;
      track.addEventListener("unmute", () => { floorVideo[index] = key; showVideo(); });
      track.addEventListener("mute", () => { floorVideo[index] = null; showVideo(); });
      if (!track.muted) { floorVideo[index] = key; showVideo(); }
    } else if (slot === "pinned" && index === 0) {
      wall.attach("pinned-0", track);
      track.addEventListener("unmute", () => { pinnedVideo[0] = PINNED; showVideo(); });
      track.addEventListener("mute", () => { pinnedVideo[0] = null; showVideo(); });
      if (!track.muted) { pinnedVideo[0] = PINNED; showVideo(); }
    } else if (slot === "floor" || slot === "channel") {
      audio.attach(slot === "channel" ? "channel" : `floor-${index}`, track);
    }
  });
  try {
    await peer.connect();
  } catch (error) {
    showError(String(/** @type {Error} */ (error).message ?? error));
  }
});

// The language picker: the original, the languages whose booth is on air, and the sign
// languages whose booth has a signer on air (watched in the pinned slot, the floor heard).
const box = $("picker");
const select = /** @type {HTMLSelectElement} */ ($("language-select"));
const balance = /** @type {HTMLInputElement} */ ($("balance"));
const note = $("floor-note");
const storeKey = `language:${data.sessionId ?? ""}`;
/** @type {string|null} */
let chosen = localStorage.getItem(storeKey);
balance.value = localStorage.getItem("balance") ?? balance.value;
/** @type {{language: string|null, heard: boolean}} */
let heard = { language: null, heard: false };
/** @param {string|null} language */
const isSign = (language) => language !== null && (seat.signLanguages.includes(language) || language in signNames);
/** @param {string|null} language whether its voice, or its signer, is on air at this node */
const onAir = (language) => language !== null && (seat.languages.includes(language) || seat.signLanguages.includes(language));

function renderLanguages() {
  // A language chosen stays offered while its booth is off air (or not relayed to this
  // node yet): the seat hears the floor, and the interpreter as soon as one is on air.
  const kept = chosen && chosen !== ORIGINAL && !onAir(chosen) ? [chosen] : [];
  const offered = [ORIGINAL, ...seat.languages, ...seat.signLanguages, ...kept];
  box.hidden = offered.length === 1;
  const current = [...select.options].map((o) => o.value).join(" ");
  if (current !== offered.join(" ")) {
    select.replaceChildren(
      ...offered.map((language) => {
        const option = document.createElement("option");
        option.value = language;
        option.textContent = language === ORIGINAL ? t("original") : names[language] ?? signNames[language] ?? language;
        if (language !== ORIGINAL) option.lang = language;
        return option;
      }),
    );
  }
  const channels = offered
    .filter((language) => !isSign(language))
    .map((language) => ({ language, name: language, booth: null, active: true }));
  const wanted = chosen && offered.includes(chosen) ? chosen : preferredChannel(channels, preferred, floorLanguages);
  select.value = wanted;
  const language = wanted === ORIGINAL ? null : wanted;
  // Its booth went off air (or is not relayed here): the floor comes up until it is back.
  if (language !== null && heard.language === language && heard.heard && !onAir(language)) {
    heard = { language, heard: false };
    renderMix();
  }
  // Asked again when its voice came on air since: the answer says it is heard.
  const cameOnAir = language !== null && !heard.heard && onAir(language);
  if (seat.language !== language || heard.language !== language || cameOnAir) seat.selectLanguage(language);
}

function renderMix() {
  const b = Number(balance.value);
  // As the server mixes a room seat (interpretation/domain/channel.py, balance_gains). The
  // floor comes up while no voice is heard in the chosen language; the channel stays open
  // (silent until then), so an interpreter's first words are heard before the page learns
  // that the booth is back on air.
  const [floor, channel] = [Math.min(1, 2 * (1 - b)), Math.min(1, 2 * b)];
  // A sign language has no voice: the floor alone, and the signer in the pinned slot.
  const signing = isSign(heard.language);
  wall.setSigning(signing);
  if (heard.language === null || signing) audio.setGains(1, 0);
  else audio.setGains(heard.heard ? floor : 1, channel);
  // The balance only does something between a spoken language's interpreter and the floor.
  $("balance-box").hidden = heard.language === null || signing;
  note.hidden = heard.language === null || heard.heard || signing;
  note.textContent = note.hidden ? "" : t("floor_booth_empty");
}

select.addEventListener("change", () => {
  chosen = select.value;
  localStorage.setItem(storeKey, chosen);
  seat.selectLanguage(chosen === ORIGINAL ? null : chosen);
});
balance.addEventListener("input", () => {
  localStorage.setItem("balance", balance.value);
  renderMix();
});
seat.addEventListener("language", (event) => {
  const { language, heard: on } = /** @type {CustomEvent} */ (event).detail;
  heard = { language: language ?? null, heard: Boolean(on) };
  renderMix();
});
seat.addEventListener("welcome", () => { heard = { language: null, heard: false }; renderLanguages(); renderCount(); });
seat.addEventListener("pong", () => { renderLanguages(); renderCount(); });

// What this mode is, and how many listen this way.
function renderCount() {
  const n = seat.listening;
  $("listen-count").textContent = n ? t("listening_n", { n: new Intl.NumberFormat(document.documentElement.lang).format(n) }) : "";
  $("listen-mode").textContent = t(seat.node === data.node ? "mode_origin" : "mode");
}

/** @type {[string, number][]} */
const timeline = [];
seat.addEventListener("welcome", () => timeline.push([`welcome ${seat.node}`, performance.now()]));
/** @type {string[]} every status the page has shown, in order (for tests) */
const statuses = [];
seat.addEventListener("state", (event) => {
  const { state } = /** @type {CustomEvent} */ (event).detail;
  const key = { connecting: "connecting", open: "listening", reconnecting: "reconnecting", closed: "offline" }[
    /** @type {string} */ (state)
  ];
  if (key) {
    $("room-status").textContent = t(key);
    statuses.push(t(key));
  }
  root.dataset.state = state;
});

const showError = errorBox($("room-error"));
mountAudioControls(audio, $("start-audio"), /** @type {HTMLInputElement} */ ($("volume")));

// Small hooks for tests and for looking inside by hand.
/** @type {any} */ (window).__listen = {
  get node() { return seat.node; },
  get state() { return seat.state; },
  get connections() { return seat.connections; },
  get languages() { return [...seat.languages]; },
  get signLanguages() { return [...seat.signLanguages]; },
  get language() { return seat.language; },
  get heard() { return { ...heard }; },
  get listening() { return seat.listening; },
  get statuses() { return [...statuses]; },
  /** [what, ms since the page started] for each seat and media connection (for tests) */
  get timeline() { return timeline.map(([what, at]) => [what, Math.round(at)]); },
  get peerState() { return peer?.pc?.connectionState ?? "new"; },
  /** @param {number[]} [probes] */
  readings: (probes) => audio.readings(probes),
  /** @param {number[]} [probes] what the listener hears after the mix */
  mixReading: (probes) => audio.mixReading(probes),
  videoTiles: () => wall.tiles.map((tile) => ({ ...tile })),
  /** The average colour of a tile's picture now ([r, g, b]), null without a frame. @param {string} key */
  pictureColour: (key) => {
    const video = /** @type {HTMLVideoElement|null} */ (document.querySelector(`#video [data-slot="${key}"] video`));
    if (!video || !video.videoWidth) return null;
    const canvas = document.createElement("canvas");
    canvas.width = 16;
    canvas.height = 16;
    const context = canvas.getContext("2d");
    if (!context) return null;
    context.drawImage(video, 0, 0, 16, 16);
    const pixels = context.getImageData(0, 0, 16, 16).data;
    const sum = [0, 0, 0];
    for (let i = 0; i < pixels.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += pixels[i + c];
    return sum.map((v) => Math.round(v / (pixels.length / 4)));
  },
};

seat.connect();
