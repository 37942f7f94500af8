// The lightning stage panel of the room page: the talk on stage and its language, a
// countdown with its warnings and overrun, who is up next, and the host's controls.
// Message shapes stay in ../protocol/stage.js. Text from people goes through textContent.

import { StageClient, clockText } from "../protocol/stage.js";
import { announcer } from "./announce.js";

/** @typedef {import("../protocol/signalling.js").Signalling} Signalling */
/** @typedef {import("../protocol/roomstate.js").RoomState} RoomState */

/**
 * @param {HTMLElement} panel the #stage section
 * @param {Signalling} signalling
 * @param {RoomState} room
 * @param {string} roomId
 */
export function mountStage(panel, signalling, room, roomId) {
  /** @type {Record<string, string>} */
  const texts = JSON.parse(panel.dataset.stageTexts ?? "{}");
  /** @param {string} key @param {Record<string, string>} [values] */
  const t = (key, values = {}) =>
    (texts[key] ?? key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  /** @param {string} id */
  const $ = (id) => /** @type {HTMLElement} */ (panel.querySelector(`#${id}`));
  const stage = new StageClient(signalling, roomId);
  const announce = announcer("room-announce");
  let announcedTalk = "";

  function render() {
    const s = stage.state;
    if (!s) return;
    panel.dataset.state = s.state;
    const current = stage.current;
    $("stage-status").textContent =
      s.state === "waiting" ? t("waiting") : s.state === "finished" ? t("finished") : t("now");
    $("stage-current").hidden = !current;
    if (current && String(current.talk_id) !== announcedTalk) {
      announcedTalk = String(current.talk_id);
      announce(`${t("now")}: ${current.title} · ${current.speaker_name}`);
    }
    if (current) {
      $("stage-title").textContent = current.title;
      $("stage-speaker").textContent = current.speaker_name;
      const language = $("stage-language");
      language.textContent = current.language_name;
      language.setAttribute("lang", current.language);
      language.dataset.tag = current.language;
      const slides = /** @type {HTMLAnchorElement} */ ($("stage-slides"));
      slides.hidden = !current.slides_url;
      if (current.slides_url) slides.href = current.slides_url;
    }
    const next = stage.next;
    $("stage-next").textContent =
      s.state === "finished" ? "" : next ? `${t("next")}: ${next.title} · ${next.speaker_name} (${next.language_name})` : t("nobody_next");
    $("stage-next").dataset.talkId = next?.talk_id ?? "";
    $("stage-order").replaceChildren(
      ...s.talks.map((talk, index) => {
        const item = document.createElement("li");
        item.dataset.status = talk.status;
        item.dataset.talkId = talk.talk_id;
        const done = talk.status === "given" || talk.status === "skipped" ? ` · ${t(talk.status)}` : "";
        item.textContent = `${talk.title} · ${talk.speaker_name} · ${talk.language_name}${done}`;
        if (index === s.current) item.classList.add("current");
        return item;
      }),
    );
    const controls = panel.querySelector("#stage-controls");
    if (controls) {
      const live = s.state === "live";
      /** @param {string} id @param {boolean} shown */
      const show = (id, shown) => { $(id).hidden = !shown; };
      show("stage-start", s.state === "waiting");
      show("stage-advance", live);
      show("stage-skip", live);
      show("stage-extend", live);
      show("stage-finish", s.state !== "finished");
    }
    tick();
  }

  function tick() {
    const left = stage.remaining();
    const box = $("stage-countdown");
    const warning = $("stage-warning");
    const phase = stage.phase();
    if (left === null || !phase) {
      box.textContent = "";
      warning.hidden = true;
      delete warning.dataset.phase;
      return;
    }
    box.dataset.phase = phase;
    box.textContent = clockText(left);
    box.dataset.secondsLeft = String(Math.round(left));
    // Touch the alert only when the phase changes, so screen readers announce it once.
    if (warning.dataset.phase !== phase) {
      warning.dataset.phase = phase;
      warning.hidden = phase === "running";
      warning.textContent = phase === "running" ? "" : t(phase);
      if (phase !== "running") announce(t(phase));
    }
  }
  setInterval(tick, 250);

  stage.addEventListener("change", render);

  if (panel.querySelector("#stage-controls")) {
    $("stage-start").addEventListener("click", () => stage.start());
    $("stage-advance").addEventListener("click", () => stage.advance());
    $("stage-skip").addEventListener("click", () => stage.skip());
    $("stage-extend").addEventListener("click", () => stage.extend());
    $("stage-finish").addEventListener("click", () => stage.finish());
  }

  // Small hooks for tests (no scraping needed).
  /** @type {any} */ (window).__stage = {
    get state() { return stage.state?.state ?? null; },
    get current() { return stage.current?.talk_id ?? null; },
    get next() { return stage.next?.talk_id ?? null; },
    get phase() { return stage.phase(); },
    get remaining() { return stage.remaining(); },
    get youHaveFloor() { return room.you?.has_floor ?? false; },
  };
  return stage;
}
