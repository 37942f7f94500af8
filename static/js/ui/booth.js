// The interpreter's console (docs/console.md): one large mic key, the cough key (held),
// the handover with the partner's name, the source keys (floor, relays) showing which is
// live, separate source and partner volumes, the turns with a countdown, the booth chat,
// and keyboard shortcuts (M mic, C cough held, H handover; with Alt while typing).
// DOM only: messages go through ../protocol/interpretation.js; the server enforces one
// voice per booth, this page only asks.

import { Signalling } from "../protocol/signalling.js";
import { carriedResumeToken, followNodes } from "./nodes.js";
import { RoomPeer } from "../protocol/peer.js";
import { Interpretation } from "../protocol/interpretation.js";
import { AudioOut } from "./audio.js";
import { watchFloorFeed } from "./feedhealth.js";
import { VideoWall } from "./video.js";
import { CAMERA_CONSTRAINTS } from "../protocol/peer.js";

const root = /** @type {HTMLElement} */ (document.getElementById("console"));
const data = root.dataset;
/** @type {Record<string, string>} */
const texts = JSON.parse(data.texts ?? "{}");
/** @type {Record<string, string>} */
const languageNames = JSON.parse(data.languageNames ?? "{}");
const roomId = data.roomId ?? "";

/** @param {string} key @param {Record<string, string|number>} [values] */
const t = (key, values = {}) =>
  (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
const button = (id) => /** @type {HTMLButtonElement} */ ($(id));
/** @param {string} tag */
const languageName = (tag) => languageNames[tag] ?? tag;

const resumeKey = `booth-resume:${roomId}`;
const signalling = new Signalling(data.wsUrl ?? "", { resumeToken: carriedResumeToken() ?? sessionStorage.getItem(resumeKey) });
followNodes(signalling, data.relocateUrl ?? "");
const booth = new Interpretation(signalling);
const audio = new AudioOut($("audio-out"));
/** @type {RoomPeer|null} */
let peer = null;

const micReady = navigator.mediaDevices
  ?.getUserMedia({ audio: { echoCancellation: true, autoGainControl: false, noiseSuppression: false } })
  .then((stream) => stream.getAudioTracks()[0] ?? null)
  .catch(() => null) ?? Promise.resolve(null);

signalling.addEventListener("welcome", async () => {
  if (signalling.resumeToken) sessionStorage.setItem(resumeKey, signalling.resumeToken);
  booth.enterBooth(roomId); // every welcome: the server puts this seat (back) in its booth
  if (peer) return;
  peer = new RoomPeer(signalling, {
    iceServers: JSON.parse(data.iceServers ?? "[]"),
    floorSlots: Number(data.floorSlots ?? 3),
    mic: await micReady,
    // The speaker's picture and the shared screen; one pinned slot for a signer's partner.
    // Never low-data: interpreters work from the speaker's original stream.
    video: true,
    pinnedSlots: 1,
  });
  peer.addEventListener("track", (event) => {
    const { slot, index, track } = /** @type {CustomEvent} */ (event).detail;
    if (slot === "floor-video" || slot === "pinned") wall.attach(`${slot}-${index}`, track);
    else if (slot === "share") wall.attach("share", track);
    else audio.attach(slot === "channel" ? "channel" : `floor-${index}`, track);
  });
  const floorMids = () => (peer ? peer.transceivers.slice(1, -1).map((t) => t.mid) : []);
  watchFloorFeed(() => peer?.pc ?? null, floorMids, (reading) => booth.reportFeed(reading));
  if (camera) await peer.setCamera(camera);
  try {
    await peer.connect();
  } catch (error) {
    showError(String(/** @type {Error} */ (error).message ?? error));
  }
});

// What the floor shows: the speaker large, the shared screen beside; names are not needed
// here (the console knows booths, not the room's seats), so tiles say what they are.
const wall = new VideoWall($("speaker-view"), {
  t,
  person: () => ({ display_name: t("floor_speaker"), has_floor: true }),
  isPlenary: () => true,
  levels: () => new Map(audio.readings().map((r) => [r.slot, r.peakDb])),
});
signalling.addEventListener("slots", (event) => wall.setSlots(/** @type {CustomEvent} */ (event).detail));

// A sign-language booth: the interpreters' cameras are its output (the server shows the one
// on air to the viewers of that channel); the partner off air sees the colleague on air.
/** @type {MediaStreamTrack|null} */
let camera = null;
let cameraAsked = false;
async function syncSigning() {
  const signs = Boolean(booth.booth?.signs);
  wall.setSigning(signs && !booth.onAirMyself);
  if (!signs || cameraAsked) return;
  cameraAsked = true;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: CAMERA_CONSTRAINTS });
    camera = stream.getVideoTracks()[0] ?? null;
  } catch {
    showError(t("camera_failed"));
    return;
  }
  await peer?.setCamera(camera);
  wall.setLocal(camera);
}

signalling.addEventListener("state", (event) => {
  const { state: s } = /** @type {CustomEvent} */ (event).detail;
  const key = { connecting: "connecting", open: "connected", reconnecting: "reconnecting", closed: "offline" }[
    /** @type {string} */ (s)
  ];
  if (key) $("console-status").textContent = t(key);
});

/** @type {ReturnType<typeof setTimeout>|undefined} */
let errorTimer;
/** @param {string} message */
function showError(message) {
  const box = $("console-error");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (box.hidden = true), 8000);
}

/** Say a change to screen readers (the polite live region); the same words are on screen. */
/** @param {string} text */
function announce(text) {
  const region = $("console-announce");
  region.textContent = "";
  // A fresh text node after a tick: screen readers speak a repeated sentence again.
  setTimeout(() => (region.textContent = text), 50);
}

// Audio: the floor slots carry the floor; the channel slot carries the relay (while you
// are on air, or nobody is) or your partner on air. Two volumes, one per voice.

const sourceVolume = /** @type {HTMLInputElement} */ ($("source-volume"));
const partnerVolume = /** @type {HTMLInputElement} */ ($("partner-volume"));
sourceVolume.value = localStorage.getItem("console-source-volume") ?? sourceVolume.value;
partnerVolume.value = localStorage.getItem("console-partner-volume") ?? partnerVolume.value;
audio.onblocked = () => (button("start-audio").hidden = false);
button("start-audio").addEventListener("click", async () => {
  await audio.resume();
  button("start-audio").hidden = true;
});
function applyVolumes() {
  const b = booth.booth;
  const partnerOnAir = !!b && b.on_air !== null && b.on_air !== b.you;
  audio.enableMix();
  audio.setGains(Number(sourceVolume.value), Number(partnerOnAir ? partnerVolume.value : sourceVolume.value), 0.1);
}
for (const [input, key] of /** @type {[HTMLInputElement, string][]} */ ([
  [sourceVolume, "console-source-volume"],
  [partnerVolume, "console-partner-volume"],
])) {
  input.addEventListener("input", () => {
    localStorage.setItem(key, input.value);
    applyVolumes();
  });
}

// Controls.

function toggleMic() {
  const b = booth.booth;
  if (!b) return;
  if (booth.onAirMyself) booth.onAir(false);
  else if (b.on_air === null) booth.onAir(true);
}
/** The H key and the handover button: accept what is offered, else ask or offer, else cancel. */
function handoverKey() {
  const b = booth.booth;
  if (!b) return;
  if (!button("answer-accept").hidden) booth.handover("accept");
  else if (!button("handover-button").hidden && !button("handover-button").disabled) handoverButton();
}
function handoverButton() {
  const b = booth.booth;
  if (!b) return;
  if (b.pending && b.pending.by === b.you) booth.handover("cancel");
  else booth.handover(booth.onAirMyself ? "offer" : "request");
}

button("on-air-button").addEventListener("click", toggleMic);
button("take-over-button").addEventListener("click", () => booth.takeOver());
button("handover-button").addEventListener("click", handoverButton);
button("answer-accept").addEventListener("click", () => booth.handover("accept"));
button("answer-decline").addEventListener("click", () => booth.handover("decline"));
button("retour-button").addEventListener("click", () => booth.retour());
button("slow-down-button").addEventListener("click", () => booth.slowDownPlease());

// Cough: a momentary mute while the key is held (pointer, Space/Enter on the key, or C
// anywhere). The local track goes quiet at once; the server mutes the channel and keeps
// the booth on air.
const cough = button("cough-button");
let coughing = false;
/** @param {boolean} on */
function setCough(on) {
  if (on === coughing || (on && !booth.onAirMyself)) return;
  coughing = on;
  peer?.setMicEnabled(!on);
  booth.cough(on);
  cough.setAttribute("aria-pressed", String(on));
  root.classList.toggle("coughing", on);
}
cough.addEventListener("pointerdown", () => setCough(true));
for (const type of ["pointerup", "pointerleave", "pointercancel", "blur"]) {
  cough.addEventListener(type, () => setCough(false));
}
cough.addEventListener("keydown", (event) => {
  if ((event.key === " " || event.key === "Enter") && !event.repeat) {
    event.preventDefault();
    setCough(true);
  }
});
cough.addEventListener("keyup", (event) => {
  if (event.key === " " || event.key === "Enter") setCough(false);
});

// Shortcuts by physical key (event.code), so they work with any keyboard layout. While
// typing in a field they need Alt, so that the letters still reach the chat.
document.addEventListener("keydown", (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  const typing = target.matches?.("input[type=text], textarea, select, [contenteditable]");
  if ((typing && !event.altKey) || event.ctrlKey || event.metaKey) return;
  if (event.code === "KeyM" && !event.repeat) {
    event.preventDefault();
    toggleMic();
  } else if (event.code === "KeyC") {
    event.preventDefault();
    if (!event.repeat) setCough(true);
  } else if (event.code === "KeyH" && !event.repeat) {
    event.preventDefault();
    handoverKey();
  }
});
document.addEventListener("keyup", (event) => {
  if (event.code === "KeyC") setCough(false);
});
window.addEventListener("blur", () => setCough(false));

$("booth-chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("booth-chat-text"));
  if (input.value.trim() && booth.boothChat(input.value.trim())) input.value = "";
});

// Rendering.

/** @type {{onAir: string|null, pending: string, floorUp: string|null}|null} */
let previous = null;
/** @type {string|null} the handover just done, shown for a few seconds */
let handoverDone = null;
/** @type {ReturnType<typeof setTimeout>|undefined} */
let doneTimer;

/** @param {string} source */
function sourceLabel(source) {
  return source === "floor" ? t("floor") : t("relay_from", { language: languageName(source.slice(6)) });
}

function render() {
  const b = booth.booth;
  if (!b) return;
  const mine = booth.onAirMyself;
  const partners = b.members.filter((m) => m.person_id !== b.you);
  const partnerNames = partners.map((m) => m.name).join(", ");
  $("booth-name").textContent = b.languages.map(languageName).join(" ⇄ ");
  $("booth-room").textContent = b.room_title;
  $("output-language").textContent = t("working_into", { language: languageName(b.output_language) });
  root.dataset.air = mine ? (b.state === "coughing" ? "coughing" : "on_air") : b.on_air ? "partner" : "off";

  // The air.
  const air = $("air-state");
  air.dataset.state = b.state;
  if (mine && b.state === "coughing") air.textContent = t("coughing");
  else if (mine) air.textContent = t("you_on_air");
  else if (b.state === "dropped") air.textContent = t("dropped", { name: booth.memberName(b.on_air) });
  else if (b.on_air) air.textContent = t("partner_on_air", { name: booth.memberName(b.on_air) });
  else air.textContent = t("nobody_on_air");

  const onAir = button("on-air-button");
  $("mic-label").textContent = mine ? (b.state === "coughing" ? t("coughing_short") : t("on_air")) : t("mic_off");
  $("mic-action").textContent = mine ? t("go_off_air") : b.on_air === null ? t("go_on_air") : t("partner_has_air");
  onAir.setAttribute("aria-pressed", String(mine));
  onAir.disabled = !mine && b.on_air !== null;
  onAir.title = onAir.disabled ? t("partner_on_air", { name: booth.memberName(b.on_air) }) : "";
  cough.hidden = !mine;
  if (!mine && coughing) setCough(false);
  peer?.setMicEnabled(!coughing);

  const retour = button("retour-button");
  retour.hidden = b.languages.length < 2;
  if (b.languages.length > 1) {
    const other = b.languages.find((l) => l !== b.output_language) ?? b.output_language;
    retour.textContent = t("switch_into", { language: languageName(other) });
  }

  // The handover, seen the same way by both partners.
  const pending = b.pending;
  const mineAsk = pending?.by === b.you;
  const forMe = !!pending && !mineAsk && (pending.kind === "request" ? mine : pending.to === null || pending.to === b.you);
  const box = $("handover");
  const line = $("handover-state");
  let handoverText = "";
  if (pending) {
    const by = booth.memberName(pending.by);
    const to = pending.to ? booth.memberName(pending.to) : partnerNames;
    box.dataset.state = pending.kind === "request" ? "requested" : "offered";
    if (mineAsk) {
      handoverText = pending.kind === "request"
        ? t("you_asked", { name: booth.memberName(b.on_air) })
        : t("you_offered", { name: to });
    } else {
      handoverText = pending.kind === "request" ? t("asks_for_air", { name: by }) : t("offers_air", { name: by });
    }
  } else if (handoverDone) {
    box.dataset.state = "accepted";
    handoverText = handoverDone;
  } else {
    box.dataset.state = "none";
    handoverText = partners.length ? t("no_handover") : t("alone_in_booth");
  }
  line.textContent = handoverText;

  const handover = button("handover-button");
  handover.textContent = mineAsk ? t("cancel_handover") : mine ? t("offer_handover") : t("request_handover");
  handover.hidden = !partners.length || forMe || (!!pending && !mineAsk) || (!mine && b.on_air === null && !mineAsk);
  button("answer-accept").hidden = !forMe;
  button("answer-decline").hidden = !forMe;
  button("take-over-button").hidden = mine || b.on_air === null;

  // What you hear: one key per source, the live ones lit.
  const live = new Set(b.live_sources ?? []);
  $("source-keys").replaceChildren(
    ...b.sources.map((source) => {
      const key = document.createElement("button");
      key.type = "button";
      key.className = "source-key";
      key.dataset.source = source;
      key.setAttribute("aria-pressed", String(source === b.source));
      const label = document.createElement("span");
      label.textContent = sourceLabel(source);
      const state = document.createElement("span");
      state.className = "source-live";
      state.dataset.live = String(live.has(source));
      state.textContent = live.has(source) ? t("live") : t("silent");
      key.append(label, state);
      key.addEventListener("click", () => { if (source !== b.source) booth.setSource(source); });
      return key;
    }),
  );

  const floorUp = $("floor-up-note");
  floorUp.hidden = !b.floor_up;
  floorUp.textContent = b.floor_up ? t(`floor_up_${b.floor_up}`) : "";

  $("members").replaceChildren(
    ...b.members.map((m) => {
      const item = document.createElement("li");
      item.dataset.personId = m.person_id;
      item.dataset.connected = String(m.connected);
      if (m.person_id === b.on_air) item.dataset.onAir = "true";
      const name = document.createElement("strong");
      name.textContent = m.person_id === b.you ? t("you_named", { name: m.name }) : m.name;
      const flags = [m.connected ? t("connected_member") : t("away_member")];
      if (m.person_id === b.on_air) flags.unshift(b.state === "dropped" ? t("dropped_short") : t("on_air"));
      const state = document.createElement("span");
      state.className = "member-state";
      state.textContent = flags.join(" · ");
      item.append(name, " ", state);
      return item;
    }),
  );

  // Tell screen readers what changed, in the words shown.
  const now = { onAir: b.on_air, pending: pending ? `${pending.kind}:${pending.by}` : "", floorUp: b.floor_up };
  if (previous) {
    if (now.pending && now.pending !== previous.pending) announce(handoverText);
    else if (previous.pending && !now.pending && now.onAir !== previous.onAir && now.onAir) {
      handoverDone = mine ? t("handover_done_you") : t("handover_done", { name: booth.memberName(b.on_air) });
      clearTimeout(doneTimer);
      doneTimer = setTimeout(() => { handoverDone = null; render(); }, 6000);
      box.dataset.state = "accepted";
      line.textContent = handoverDone;
      announce(handoverDone);
    } else if (now.onAir !== previous.onAir) announce(air.textContent ?? "");
    if (now.floorUp && now.floorUp !== previous.floorUp) announce(floorUp.textContent ?? "");
  }
  previous = now;
  applyVolumes();
  tick();
}

function tick() {
  const b = booth.booth;
  const turn = b?.turn;
  const box = $("turn-countdown");
  const nowS = Date.now() / 1000;
  for (const item of document.querySelectorAll("#turns li")) {
    const li = /** @type {HTMLElement} */ (item);
    li.classList.toggle("current", Number(li.dataset.start) <= nowS && nowS < Number(li.dataset.end));
  }
  if (!turn || turn.handover_at === null) {
    box.textContent = turn ? "" : t("no_turns");
    box.hidden = !!turn;
    return;
  }
  box.hidden = false;
  const left = Math.max(0, Math.round(turn.handover_at - nowS));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const time = `${h ? `${h}:` : ""}${String(m).padStart(h ? 2 : 1, "0")}:${String(left % 60).padStart(2, "0")}`;
  box.dataset.secondsLeft = String(left);
  box.dataset.soon = String(left <= 60);
  box.textContent = turn.next === b?.you
    ? t("turn_starts", { time })
    : t("next_turn", { time, name: booth.memberName(turn.next) });
  if (left === 0 && signalling.state === "open") booth.enterBooth(roomId); // the plan moved on
}
setInterval(tick, 1000);

function renderChat() {
  const log = $("booth-chat");
  log.replaceChildren(
    ...booth.chat.map((line) => {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = line.name;
      item.append(name, `: ${line.text}`);
      return item;
    }),
  );
  log.scrollTop = log.scrollHeight;
}

booth.addEventListener("change", (event) => {
  const { what } = /** @type {CustomEvent} */ (event).detail;
  if (what === "booth") {
    render();
    syncSigning();
  } else if (what === "chat") renderChat();
  else if (what === "slow_down") showNote(t("slow_down_sent"));
  else if (what === "error" && booth.lastError) showError(booth.lastError.message);
});

/** @param {string} text */
function showNote(text) {
  const note = $("slow-down-sent");
  note.textContent = text;
  note.hidden = false;
  announce(text);
  setTimeout(() => (note.hidden = true), 5000);
}

/** @type {any} */ (window).__booth = {
  get seatId() { return signalling.seatId; },
  get peerState() { return peer?.pc?.connectionState ?? "new"; },
  get booth() { return booth.booth; },
  get onAir() { return booth.onAirMyself; },
  chat: () => booth.chat.map((c) => ({ name: c.name, text: c.text })),
  /** @param {number[]} [probes] */
  readings: (probes) => audio.readings(probes),
  /** The pictures as the console shows them: slot, what it is, large, picture expected. */
  videoTiles: () => wall.tiles.map((tile) => ({ ...tile })),
  videoStats: () => peer?.videoStats() ?? Promise.resolve([]),
  get cameraOn() { return Boolean(camera); },
};

signalling.connect();
