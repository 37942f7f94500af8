// The live room page: renders RoomState into the DOM and turns clicks into the
// signalling client's typed senders. Message shapes stay in ../protocol/.
// Text from people only ever goes through textContent.

import { Signalling } from "../protocol/signalling.js";
import { carriedResumeToken, followNodes } from "./nodes.js";
import { RoomPeer } from "../protocol/peer.js";
import { RoomState } from "../protocol/roomstate.js";
import { AudioOut, mountAudioControls } from "./audio.js";
import { errorBox } from "./errorbox.js";
import { DataMeter, LowDataSwitch } from "./lowdata.js";
import { SoundLossNote } from "./soundloss.js";
import { setupPicker } from "./picker.js";
import { mountCaptions } from "./captions.js";
import { mountNotes } from "./notes.js";
import { mountStage } from "./stage.js";
import { VideoWall } from "./video.js";
import { CAMERA_CONSTRAINTS, SCREEN_FRAME_RATE } from "../protocol/peer.js";

/** @typedef {import("../protocol/roomstate.js").Person} Person */

const root = /** @type {HTMLElement} */ (document.getElementById("room"));
const data = root.dataset;
/** @type {Record<string, string>} */
const texts = JSON.parse(data.texts ?? "{}");
const config = {
  roomId: data.roomId ?? "",
  wsUrl: data.wsUrl ?? "",
  iceServers: JSON.parse(data.iceServers ?? "[]"),
  roles: /** @type {string[]} */ (JSON.parse(data.roles ?? "[]")),
  floorSlots: Number(data.floorSlots ?? 3),
  dataUse: JSON.parse(data.dataUse ?? "{}"),
};

/** @param {string} key @param {Record<string, string|number>} [values] */
const t = (key, values = {}) =>
  (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/**
 * @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children]
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}
/** @param {string} label @param {() => void} onClick @param {string} [cls] */
function button(label, onClick, cls = "secondary") {
  const b = /** @type {HTMLButtonElement} */ (el("button", { type: "button", class: cls }, [label]));
  b.addEventListener("click", onClick);
  return b;
}

// A reload within the grace resumes the same seat instead of leaving a ghost behind.
const resumeKey = `room-resume:${config.roomId}`;
const signalling = new Signalling(config.wsUrl, { resumeToken: carriedResumeToken() ?? sessionStorage.getItem(resumeKey) });
followNodes(signalling, data.relocateUrl ?? "");
signalling.addEventListener("welcome", () => {
  if (signalling.resumeToken) sessionStorage.setItem(resumeKey, signalling.resumeToken);
});
const state = new RoomState(signalling, config.roomId);
const audio = new AudioOut($("audio-out"));
const picker = setupPicker({ signalling, audio, root, t });
/** @type {RoomPeer|null} */
let peer = null;

// Video: the tiles, and your own camera and screen (asked only when you turn them on).
const wall = new VideoWall($("video"), {
  t,
  person: (seatId) => state.people.get(seatId),
  isPlenary: () => state.room?.kind === "plenary",
  levels: () => new Map(audio.readings().map((r) => [r.slot, r.peakDb])),
});
/** @type {MediaStreamTrack|null} */
let cameraTrack = null;
/** @type {MediaStreamTrack|null} */
let screenTrack = null;
const canCamera = Boolean(navigator.mediaDevices?.getUserMedia);
const canShare = Boolean(navigator.mediaDevices?.getDisplayMedia);
signalling.addEventListener("slots", (event) => wall.setSlots(/** @type {CustomEvent} */ (event).detail));
picker.interpretation.addEventListener("change", (event) => {
  if (/** @type {CustomEvent} */ (event).detail.what === "sign") wall.setSigning(Boolean(picker.signLanguage));
});

// Microphone: asked once; without one (or refused) the page listens and chats.
const micReady = navigator.mediaDevices
  ?.getUserMedia({ audio: { echoCancellation: true, autoGainControl: true, noiseSuppression: true } })
  .then((stream) => stream.getAudioTracks()[0] ?? null)
  .catch(() => null) ?? Promise.resolve(null);

const lowData = new LowDataSwitch(
  /** @type {HTMLInputElement} */ ($("low-data")),
  $("data-use"),
  config.dataUse,
  texts,
  async (enabled) => (peer ? peer.setLowData(enabled) : true),
);
const dataMeter = new DataMeter($("data-now"), texts.data_now ?? "", async () => (peer ? peer.received() : null));
const soundLoss = new SoundLossNote($("sound-loss"), t, async () => (peer ? peer.audioLoss() : null));

signalling.addEventListener("welcome", async () => {
  if (peer) return; // later welcomes: RoomPeer renegotiates by itself when needed
  const mic = await micReady;
  if (!mic) {
    $("mic-note").textContent = t("no_mic");
    $("mic-note").hidden = false;
  }
  peer = new RoomPeer(signalling, {
    iceServers: config.iceServers,
    floorSlots: config.floorSlots,
    mic,
    lowData: lowData.enabled,
    video: true,
    pinnedSlots: 1, // a sign-language interpreter, when a sign-language channel is chosen
  });
  peer.addEventListener("track", (event) => {
    const { slot, index, track } = /** @type {CustomEvent} */ (event).detail;
    if (slot === "floor-video" || slot === "pinned") wall.attach(`${slot}-${index}`, track);
    else if (slot === "share") wall.attach("share", track);
    else audio.attach(slot === "channel" ? "channel" : `floor-${index}`, track);
  });
  syncMic();
  try {
    // Low-data first: the server then never sends this seat a video frame, not even one.
    if (lowData.enabled) await peer.setLowData(true);
    await peer.connect();
  } catch (error) {
    showError(String(/** @type {Error} */ (error).message ?? error));
  }
});

// Connection status.
signalling.addEventListener("state", (event) => {
  const { state: s, code } = /** @type {CustomEvent} */ (event).detail;
  const key = { connecting: "connecting", open: "connected", reconnecting: "reconnecting", closed: "offline" }[
    /** @type {string} */ (s)
  ];
  // 4003: this person opened the room in another tab or window (one seat per room).
  if (key) $("room-status").textContent = t(s === "closed" && code === 4003 ? "seat_taken" : key);
});

const showError = errorBox($("room-error"));
mountAudioControls(audio, $("start-audio"), /** @type {HTMLInputElement} */ ($("volume")));
const delay = /** @type {HTMLInputElement} */ ($("listen-delay"));
const seconds = new Intl.NumberFormat(document.documentElement.lang, { maximumFractionDigits: 1 });
delay.addEventListener("input", () => {
  audio.setDelay(Number(delay.value));
  $("listen-delay-value").textContent = `${seconds.format(audio.delayS)} s`;
});

// Your own hand and microphone.
$("hand-button").addEventListener("click", () => {
  if (state.you?.hand_raised) signalling.lowerHand();
  else signalling.raiseHand();
});
$("mute-button").addEventListener("click", () => {
  if (state.you?.mute_held) {
    // An organiser's mute holds: only they lift it, so ask them.
    signalling.askUnmute();
    return;
  }
  const muted = !(state.you?.muted ?? false);
  if (muted) peer?.setMicEnabled(false); // stop sending at once; the server confirms
  signalling.muteSelf(muted);
});

function syncMic() {
  // The server's word decides: an organiser may mute us, and unmuting needs the floor.
  peer?.setMicEnabled(!(state.you?.muted ?? false));
}

$("camera-button").addEventListener("click", async () => {
  if (cameraTrack) {
    signalling.camera(false);
    await stopCamera();
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: CAMERA_CONSTRAINTS });
    cameraTrack = stream.getVideoTracks()[0] ?? null;
  } catch {
    showError(t("camera_failed"));
    return;
  }
  await peer?.setCamera(cameraTrack);
  wall.setLocal(cameraTrack);
  cameraConfirmed = false;
  signalling.camera(true);
  renderYou();
});

$("share-button").addEventListener("click", async () => {
  if (screenTrack) {
    signalling.share(false);
    await stopScreen();
    return;
  }
  $("share-note").hidden = true;
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: SCREEN_FRAME_RATE } });
    screenTrack = stream.getVideoTracks()[0] ?? null;
  } catch {
    showError(t("share_failed"));
    return;
  }
  if (!screenTrack) return;
  screenTrack.addEventListener("ended", () => {
    signalling.share(false);
    stopScreen();
  });
  await peer?.setScreen(screenTrack);
  shareConfirmed = false;
  signalling.share(true);
  renderYou();
});

async function stopCamera() {
  cameraTrack?.stop();
  cameraTrack = null;
  wall.setLocal(null);
  await peer?.setCamera(null);
  renderYou();
}

async function stopScreen() {
  screenTrack?.stop();
  screenTrack = null;
  await peer?.setScreen(null);
  renderYou();
}

// Once the server has confirmed our camera (or share), its "off" means it turned it off:
// the floor taken back, an organiser stopped the share, or another share replaced ours.
let cameraConfirmed = false;
let shareConfirmed = false;
let staleCameraOff = false;
let staleShareOff = false;
function syncVideo() {
  const you = state.you;
  if (!you) return;
  if (cameraTrack && you.camera) cameraConfirmed = true;
  else if (cameraTrack && cameraConfirmed) stopCamera();
  if (screenTrack && you.sharing) shareConfirmed = true;
  else if (screenTrack && shareConfirmed) stopScreen();
  // A reload resumes the seat with its camera or share still on, but this page has no such
  // track: everyone would watch a frozen or black picture. Turn them off, once each time.
  if (you.camera && !cameraTrack) {
    if (!staleCameraOff) signalling.camera(false);
    staleCameraOff = true;
  } else staleCameraOff = false;
  if (you.sharing && !screenTrack) {
    if (!staleShareOff) signalling.share(false);
    staleShareOff = true;
  } else staleShareOff = false;
}
// Someone else ended our share (an organiser, a newer share, the stage moving on): say why.
signalling.addEventListener("share_stopped", (event) => {
  const { reason } = /** @type {CustomEvent} */ (event).detail;
  if (screenTrack) stopScreen();
  const note = $("share-note");
  note.textContent = t(`share_stopped_${reason}`);
  note.hidden = false;
});
// A refused camera or share: stop what we started.
signalling.addEventListener("error", (event) => {
  const about = /** @type {CustomEvent} */ (event).detail.about;
  if (about === "camera" && cameraTrack) stopCamera();
  if (about === "share" && screenTrack) stopScreen();
});

// Chat.
$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("chat-text"));
  const text = input.value.trim();
  if (text && signalling.chat(text)) input.value = "";
});

// Help (participants in a breakout room).
$("help-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("help-text"));
  if (signalling.askForHelp(input.value.trim())) input.value = "";
});

$("back-to-main").addEventListener("click", () => {
  if (state.breakout) signalling.join(state.breakout.main_room_id);
  else signalling.join(config.roomId);
});

function renderRoom() {
  $("room-title").textContent = state.room && state.room.parent_id ? `· ${state.room.title}` : "";
  $("help-form").hidden = !state.inBreakoutRoom || state.isOrganiser;
  renderYou();
  renderPeople();
  renderChat();
  renderBreakout();
  renderHelp();
}

function renderYou() {
  const you = state.you;
  $("hand-button").textContent = you?.hand_raised ? t("lower_hand") : t("raise_hand");
  const held = you?.mute_held ?? false;
  const asked = you?.unmute_asked ?? false;
  const muteButton = $("mute-button");
  muteButton.textContent = held ? t("ask_unmute") : you?.muted ? t("unmute_self") : t("mute_self");
  muteButton.hidden = held && asked; // asked already: nothing more to press until they answer
  const note = $("mute-note");
  note.textContent = held ? (asked ? t("unmute_asked_self") : t("mute_held_self")) : "";
  note.hidden = !held;
  syncMic();
  // Camera and share buttons only where they apply: the server decides who may publish.
  const mayPublish = Boolean(you?.may_publish);
  $("camera-button").hidden = !canCamera || (!mayPublish && !cameraTrack);
  $("camera-button").textContent = cameraTrack ? t("camera_off") : t("camera_on");
  $("share-button").hidden = !canShare || (!mayPublish && !screenTrack);
  $("share-button").textContent = screenTrack ? t("share_stop") : t("share_start");
  syncVideo();
}

function renderPeople() {
  const list = $("people");
  const organiser = state.isOrganiser;
  list.replaceChildren(
    ...state.list().map((p) => {
      const flags = [];
      if (p.seat_id === state.you?.seat_id) flags.push(t("you"));
      if (p.state === "away") flags.push(t("away"));
      if (p.hand_raised) flags.push(`✋ ${t("hand")}`);
      if (p.mute_held) flags.push(t("muted_by_organiser"));
      else if (p.muted) flags.push(t("muted"));
      if (p.unmute_asked) flags.push(t("asks_unmute"));
      if (p.has_floor) flags.push(t("floor"));
      if (p.camera) flags.push(t("camera_is_on"));
      if (p.sharing) flags.push(t("sharing"));
      const item = el("li", { "data-seat-id": p.seat_id, "data-state": p.state }, [
        el("span", { class: "name" }, [p.display_name]),
        " ",
        ...p.roles.map((role) => el("span", { class: "tag role", "data-role": role }, [texts[`role_${role}`] ?? role])),
        " ",
        el("span", { class: "flags muted" }, [flags.join(" · ")]),
      ]);
      if (p.hand_raised || p.unmute_asked) item.classList.add("hand");
      if (organiser && p.seat_id !== state.you?.seat_id) item.append(organiserControls(p));
      return item;
    }),
  );
}

/** @param {Person} p */
function organiserControls(p) {
  const box = el("span", { class: "controls" });
  if (p.mute_held) box.append(button(t("allow_unmute"), () => signalling.allowUnmute(p.seat_id)));
  else box.append(button(t("mute"), () => signalling.mute(p.seat_id)));
  if (p.hand_raised) box.append(button(t("lower_hand"), () => signalling.lowerHand(p.seat_id)));
  if (p.sharing) box.append(button(t("stop_their_share"), () => signalling.stopShare(p.seat_id)));
  if (state.room?.kind === "plenary") {
    box.append(
      p.has_floor
        ? button(t("take_floor"), () => signalling.takeFloor(p.seat_id))
        : button(t("give_floor"), () => signalling.giveFloor(p.seat_id)),
    );
  }
  const targets = moveTargets().filter((r) => r.room_id !== state.room?.room_id);
  if (targets.length) {
    const select = /** @type {HTMLSelectElement} */ (el("select", { "aria-label": t("move_to") }, [
      el("option", { value: "" }, [t("move_to")]),
      ...targets.map((r) => el("option", { value: r.room_id }, [r.title])),
    ]));
    select.addEventListener("change", () => {
      if (select.value) signalling.move(p.seat_id, select.value);
    });
    box.append(select);
  }
  return box;
}

function moveTargets() {
  const main = state.breakout?.main_room_id ?? config.roomId;
  return [{ room_id: main, title: t("main_room") }, ...(state.breakout?.rooms ?? [])];
}

function renderChat() {
  $("chat-log").replaceChildren(
    ...state.chat.map((line) =>
      el("li", { "data-seat-id": line.seat_id }, [el("strong", {}, [line.display_name]), ": ", line.text]),
    ),
  );
}

function renderBreakout() {
  const b = state.breakout;
  $("breakout").hidden = !b && !state.inBreakoutRoom;
  $("back-to-main").hidden = !state.inBreakoutRoom;
  const mayChoose = b && (b.mode === "self_select" || state.isOrganiser);
  $("breakout-rooms").replaceChildren(
    ...(b?.rooms ?? []).map((r) => {
      const here = r.room_id === state.room?.room_id;
      const item = el("li", { "data-room-id": r.room_id }, [r.title]);
      if (here) item.classList.add("current");
      else if (mayChoose) {
        item.append(" ", button(t("join_room"), () =>
          state.isOrganiser ? signalling.join(r.room_id) : signalling.chooseBreakout(r.room_id)));
      }
      return item;
    }),
  );
  tick();
}

function tick() {
  const endsAt = state.breakout?.ends_at;
  const box = $("breakout-countdown");
  if (!endsAt) {
    box.textContent = "";
    return;
  }
  const left = Math.max(0, Math.round(endsAt - Date.now() / 1000));
  const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
  box.textContent = t("closes_in", { time });
  box.dataset.secondsLeft = String(left);
}
setInterval(tick, 1000);

function renderBroadcasts() {
  $("broadcasts").replaceChildren(
    ...state.broadcasts.slice(-5).map((b) => el("li", { class: "notice" }, [el("strong", {}, [b.from_name]), ": ", b.text])),
  );
}

function renderHelp() {
  const list = document.getElementById("help-list");
  if (!list) return;
  list.replaceChildren(
    ...[...state.help.values()].map((h) =>
      el("li", { "data-request-id": h.request_id }, [
        el("strong", {}, [h.display_name]),
        ` (${h.room_title})`,
        h.text ? `: ${h.text}` : "",
        " ",
        button(t("join_room"), () => signalling.join(h.room_id)),
        button(t("resolve"), () => signalling.resolveHelp(h.request_id)),
      ]),
    ),
  );
}

state.addEventListener("change", (event) => {
  const { what } = /** @type {CustomEvent} */ (event).detail;
  if (what === "room") renderRoom();
  else if (what === "people" || what === "you") {
    renderYou();
    renderPeople();
    wall.render();
  } else if (what === "chat") renderChat();
  else if (what === "breakout") {
    renderBreakout();
    renderPeople();
  } else if (what === "broadcasts") renderBroadcasts();
  else if (what === "help") renderHelp();
  else if (what === "error" && state.lastError) showError(state.lastError.message);
});

// The organiser's breakout controls (the server checks the role on every message).
const breakoutForm = document.getElementById("breakout-form");
if (breakoutForm) {
  const mode = /** @type {HTMLSelectElement} */ ($("breakout-mode"));
  const titles = /** @type {HTMLTextAreaElement} */ ($("breakout-titles"));
  const assign = $("breakout-assign");
  const roomTitles = () => {
    const listed = titles.value.split("\n").map((s) => s.trim()).filter(Boolean);
    return listed.length ? listed : [t("room_n", { n: 1 }), t("room_n", { n: 2 })];
  };
  const renderAssign = () => {
    assign.hidden = mode.value !== "by_hand";
    if (assign.hidden) return;
    const choices = roomTitles();
    assign.replaceChildren(
      ...state.list().filter((p) => !p.roles.includes("organiser")).map((p) => {
        const select = el("select", { "data-seat-id": p.seat_id, "aria-label": p.display_name },
          choices.map((title, i) => el("option", { value: String(i) }, [title])));
        return el("label", { class: "assign" }, [p.display_name, " ", select]);
      }),
    );
  };
  mode.addEventListener("change", renderAssign);
  titles.addEventListener("change", renderAssign);
  state.addEventListener("change", () => { if (!assign.hidden) renderAssign(); });
  /** @type {{title: string, people: string[]}[]} */
  const planned = JSON.parse(breakoutForm.dataset.planned || "[]");
  breakoutForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = Number(/** @type {HTMLInputElement} */ ($("breakout-minutes")).value);
    const duration = minutes > 0 ? minutes * 60 : null;
    if (mode.value === "planned") {
      // The plan names people; the server finds their seats (and skips anyone absent).
      const rooms = planned.map((r) => ({ title: r.title, seats: [], people: r.people }));
      signalling.openBreakouts("by_hand", rooms, duration);
      return;
    }
    const rooms = roomTitles().map((title) => ({ title, seats: /** @type {string[]} */ ([]) }));
    if (mode.value === "by_hand") {
      for (const select of assign.querySelectorAll("select")) {
        rooms[Number(select.value)]?.seats.push(select.dataset.seatId ?? "");
      }
    }
    signalling.openBreakouts(/** @type {any} */ (mode.value), rooms, duration);
  });
  $("broadcast-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($("broadcast-text"));
    if (signalling.broadcast(input.value.trim())) input.value = "";
  });
  $("countdown-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signalling.countdown(Number(/** @type {HTMLInputElement} */ ($("countdown-minutes")).value) * 60);
  });
  $("close-breakouts").addEventListener("click", () => signalling.closeBreakouts());
}

// A lightning block's stage panel, when the page has one.
const stagePanel = document.getElementById("stage");
if (stagePanel) mountStage(stagePanel, signalling, state, config.roomId);

// Live captions: the reader's caption language, and a captioner's input.
const captionsPanel = document.getElementById("captions");
if (captionsPanel) mountCaptions(captionsPanel, signalling);

// Breakout notes: shown in a breakout room, and to its rapporteur after the rooms close.
const notesPanel = document.getElementById("notes");
if (notesPanel) window.__notes = mountNotes(notesPanel, signalling, state);

// Small hooks for tests and for looking inside by hand (no scraping needed).
/** @type {any} */ (window).__room = {
  get seatId() { return signalling.seatId; },
  get roomId() { return state.room?.room_id ?? null; },
  get connections() { return signalling.connections; },
  get connectionState() { return signalling.state; },
  get negotiations() { return peer?.negotiations ?? 0; },
  get peerState() { return peer?.pc?.connectionState ?? "new"; },
  people: () => state.list().map((p) => ({ seatId: p.seat_id, name: p.display_name, roles: p.roles, state: p.state, hand: p.hand_raised, muted: p.muted, muteHeld: p.mute_held ?? false, unmuteAsked: p.unmute_asked ?? false })),
  chat: () => state.chat.map((c) => ({ name: c.display_name, text: c.text })),
  /** @param {number[]} [probes] */
  readings: (probes) => audio.readings(probes),
  /** @param {number[]} [probes] what the listener hears after the interpretation mix */
  mixReading: (probes) => audio.mixReading(probes),
  delay: () => audio.delayS,
  get language() { return picker.language; },
  get signLanguage() { return picker.signLanguage; },
  /** Enlarge one of the pictures side by side (test hook; the page has a button). @param {string} key */
  enlarge: (key) => wall.enlarge(key),
  get mix() { return picker.mix; },
  stats: () => peer?.stats() ?? Promise.resolve([]),
  /** everything received so far, headers included (what the data-use meter reads) */
  received: () => peer?.received() ?? Promise.resolve(null),
  /** the megabytes per hour the page shows as received now (null until measured) */
  get dataNow() { return dataMeter.megabytesPerHour; },
  get soundLoss() { return soundLoss.share; },
  audioLoss: () => (peer ? peer.audioLoss() : null),
  videoStats: () => peer?.videoStats() ?? Promise.resolve([]),
  /** The video tiles as the page shows them: slot, seat, name, large, speaking, picture expected. */
  videoTiles: () => wall.tiles.map((tile) => ({ ...tile })),
  /** Milliseconds from the media connection to each tile's first frame. */
  firstFrameMs: () => Object.fromEntries(
    [...wall.firstFrames].map(([key, at]) => [key, Math.round(at - (peer?.connectedAt ?? 0))])),
  dropConnection: () => signalling.dropConnection(),
};

signalling.connect();
