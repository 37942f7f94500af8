// The interpreter's console: on air, handover or take over, cough (held), retour, the
// source selector, booth chat, "slow down", the partners and the turn countdown. It hears
// the floor in the floor slots and the relay or the partner on air in the channel slot.
// DOM only: messages go through ../protocol/interpretation.js; the server enforces one
// voice per booth, this page only asks.

import { Signalling } from "../protocol/signalling.js";
import { RoomPeer } from "../protocol/peer.js";
import { Interpretation } from "../protocol/interpretation.js";
import { AudioOut } from "./audio.js";

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
/** @param {string} tag */
const languageName = (tag) => languageNames[tag] ?? tag;

const resumeKey = `booth-resume:${roomId}`;
const signalling = new Signalling(data.wsUrl ?? "", { resumeToken: sessionStorage.getItem(resumeKey) });
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
  });
  peer.addEventListener("track", (event) => {
    const { slot, index, track } = /** @type {CustomEvent} */ (event).detail;
    audio.attach(slot === "channel" ? "channel" : `floor-${index}`, track);
  });
  try {
    await peer.connect();
  } catch (error) {
    showError(String(/** @type {Error} */ (error).message ?? error));
  }
});

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

// Controls.

$("on-air-button").addEventListener("click", () => booth.onAir(!booth.onAirMyself));
$("take-over-button").addEventListener("click", () => booth.takeOver());
$("handover-button").addEventListener("click", () => {
  const b = booth.booth;
  if (!b) return;
  if (b.pending && b.pending.by === b.you) booth.handover("cancel");
  else booth.handover(booth.onAirMyself ? "offer" : "request");
});
$("answer-accept").addEventListener("click", () => booth.handover("accept"));
$("answer-decline").addEventListener("click", () => booth.handover("decline"));
$("retour-button").addEventListener("click", () => booth.retour());
$("slow-down-button").addEventListener("click", () => booth.slowDownPlease());
const sourceSelect = /** @type {HTMLSelectElement} */ ($("source-select"));
sourceSelect.addEventListener("change", () => booth.setSource(sourceSelect.value));
const volume = /** @type {HTMLInputElement} */ ($("console-volume"));
volume.addEventListener("input", () => audio.setVolume(Number(volume.value)));

// Cough: a momentary mute while the button is held (pointer or keyboard). The local
// track goes quiet at once; the server mutes the channel and keeps the booth on air.
const cough = $("cough-button");
let coughing = false;
/** @param {boolean} on */
function setCough(on) {
  if (on === coughing || (on && !booth.onAirMyself)) return;
  coughing = on;
  peer?.setMicEnabled(!on);
  booth.cough(on);
  cough.setAttribute("aria-pressed", String(on));
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
cough.addEventListener("keyup", () => setCough(false));

$("booth-chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("booth-chat-text"));
  if (input.value.trim() && booth.boothChat(input.value.trim())) input.value = "";
});

// Rendering.

function render() {
  const b = booth.booth;
  if (!b) return;
  const mine = booth.onAirMyself;
  $("booth-name").textContent = b.languages.map(languageName).join(" ⇄ ");
  $("booth-room").textContent = b.room_title;
  const air = $("air-state");
  air.dataset.state = b.state;
  if (mine) air.textContent = t("you_on_air");
  else if (b.state === "dropped") air.textContent = t("dropped", { name: booth.memberName(b.on_air) });
  else if (b.on_air) air.textContent = t("partner_on_air", { name: booth.memberName(b.on_air) });
  else air.textContent = t("nobody_on_air");

  const onAir = $("on-air-button");
  onAir.textContent = mine ? t("go_off_air") : t("go_on_air");
  onAir.setAttribute("aria-pressed", String(mine));
  /** @type {HTMLButtonElement} */ (onAir).disabled = !mine && b.on_air !== null;
  /** @type {HTMLButtonElement} */ (cough).disabled = !mine;
  if (!mine && coughing) setCough(false);
  peer?.setMicEnabled(!coughing);

  const partners = b.members.filter((m) => m.person_id !== b.you);
  const handover = /** @type {HTMLButtonElement} */ ($("handover-button"));
  const pending = b.pending;
  const mineAsk = pending?.by === b.you;
  handover.textContent = mineAsk ? t("cancel_handover") : mine ? t("offer_handover") : t("request_handover");
  handover.disabled = !partners.length || (!mine && b.on_air === null) || (!!pending && !mineAsk);
  /** @type {HTMLButtonElement} */ ($("take-over-button")).disabled = mine || b.on_air === null;
  const forMe = !!pending && !mineAsk && (pending.kind === "request" ? mine : pending.to === null || pending.to === b.you);
  $("answer-accept").hidden = !forMe;
  $("answer-decline").hidden = !forMe;
  const pendingNote = $("pending-note");
  pendingNote.hidden = !pending;
  if (pending) {
    pendingNote.textContent = mineAsk
      ? t("waiting_answer")
      : pending.kind === "request"
        ? t("asks_for_air", { name: booth.memberName(pending.by) })
        : t("offers_air", { name: booth.memberName(pending.by) });
  }

  $("retour-button").hidden = b.languages.length < 2;
  $("output-language").textContent = t("working_into", { language: languageName(b.output_language) });
  sourceSelect.replaceChildren(
    ...b.sources.map((source) => {
      const option = document.createElement("option");
      option.value = source;
      option.textContent = source === "floor" ? t("floor") : t("relay_from", { language: languageName(source.slice(6)) });
      return option;
    }),
  );
  sourceSelect.value = b.source;

  const floorUp = $("floor-up-note");
  floorUp.hidden = !b.floor_up;
  floorUp.textContent = b.floor_up ? t("floor_up", { reason: b.floor_up }) : "";

  $("members").replaceChildren(
    ...b.members.map((m) => {
      const item = document.createElement("li");
      item.dataset.personId = m.person_id;
      const flags = [m.connected ? t("connected_member") : t("away_member")];
      if (m.person_id === b.you) flags.unshift(t("you"));
      if (m.person_id === b.on_air) flags.push(t("on_air"));
      item.textContent = `${m.name} · ${flags.join(" · ")}`;
      return item;
    }),
  );
  tick();
}

function tick() {
  const turn = booth.booth?.turn;
  const box = $("turn-countdown");
  if (!turn || turn.handover_at === null) {
    box.textContent = turn ? "" : t("no_turns");
    return;
  }
  const left = Math.max(0, Math.round(turn.handover_at - Date.now() / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const time = `${h ? `${h}:` : ""}${String(m).padStart(h ? 2 : 1, "0")}:${String(left % 60).padStart(2, "0")}`;
  box.dataset.secondsLeft = String(left);
  box.textContent = turn.current === null && turn.next === booth.booth?.you
    ? t("turn_starts", { time })
    : t("next_turn", { time, name: booth.memberName(turn.next) });
  if (left === 0 && signalling.state === "open") booth.enterBooth(roomId); // the plan moved on
}
setInterval(tick, 1000);

function renderChat() {
  $("booth-chat").replaceChildren(
    ...booth.chat.map((line) => {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = line.name;
      item.append(name, `: ${line.text}`);
      return item;
    }),
  );
}

booth.addEventListener("change", (event) => {
  const { what } = /** @type {CustomEvent} */ (event).detail;
  if (what === "booth") render();
  else if (what === "chat") renderChat();
  else if (what === "slow_down") showNote(t("slow_down_sent"));
  else if (what === "error" && booth.lastError) showError(booth.lastError.message);
});

/** @param {string} text */
function showNote(text) {
  const box = $("pending-note");
  box.textContent = text;
  box.hidden = false;
  setTimeout(render, 4000);
}

/** @type {any} */ (window).__booth = {
  get seatId() { return signalling.seatId; },
  get peerState() { return peer?.pc?.connectionState ?? "new"; },
  get booth() { return booth.booth; },
  get onAir() { return booth.onAirMyself; },
  chat: () => booth.chat.map((c) => ({ name: c.name, text: c.text })),
  /** @param {number[]} [probes] */
  readings: (probes) => audio.readings(probes),
};

signalling.connect();
