// The listener's language picker on the room page: the languages the room offers, each
// in its own name; the balance from floor only to interpreter only; the reason the floor
// is up; and, for a speaker, an interpreter's "slow down". The server decides the gains
// (floor fade included); this module only ramps to them. DOM only: messages go through
// ../protocol/interpretation.js.

import { Interpretation, ORIGINAL, preferredChannel } from "../protocol/interpretation.js";
import { announcer } from "./announce.js";

/** @typedef {import("../protocol/signalling.js").Signalling} Signalling */
/** @typedef {import("./audio.js").AudioOut} AudioOut */

/**
 * @param {object} parts
 * @param {Signalling} parts.signalling
 * @param {AudioOut} parts.audio
 * @param {HTMLElement} parts.root the #room element (data-languages, data-floor-languages)
 * @param {(key: string, values?: Record<string, string|number>) => string} parts.t
 */
export function setupPicker({ signalling, audio, root, t }) {
  const interpretation = new Interpretation(signalling);
  const box = /** @type {HTMLElement} */ (document.getElementById("picker"));
  const select = /** @type {HTMLSelectElement} */ (document.getElementById("language-select"));
  const balance = /** @type {HTMLInputElement} */ (document.getElementById("balance"));
  const note = /** @type {HTMLElement} */ (document.getElementById("floor-note"));
  const slowDown = /** @type {HTMLElement} */ (document.getElementById("slow-down-note"));
  const preferred = /** @type {string[]} */ (JSON.parse(root.dataset.languages ?? "[]"));
  const floorLanguages = /** @type {string[]} */ (JSON.parse(root.dataset.floorLanguages ?? "[]"));
  const storeKey = `language:${root.dataset.sessionId ?? ""}`;
  const announce = announcer("room-announce");
  /** @type {string|null} */
  let chosen = localStorage.getItem(storeKey);
  balance.value = localStorage.getItem("balance") ?? balance.value;

  const choose = () => {
    if (!interpretation.interpreted) return;
    interpretation.selectLanguage(select.value, Number(balance.value));
  };

  // Each room (main, breakout) says what it offers when we enter it.
  signalling.addEventListener("room_snapshot", () => interpretation.listChannels());
  select.addEventListener("change", () => {
    chosen = select.value;
    localStorage.setItem(storeKey, chosen);
    choose();
  });
  balance.addEventListener("change", () => {
    localStorage.setItem("balance", balance.value);
    choose();
  });

  interpretation.addEventListener("change", (event) => {
    const { what } = /** @type {CustomEvent} */ (event).detail;
    if (what === "channels") renderChannels();
    else if (what === "mix") renderMix();
    else if (what === "slow_down") renderSlowDown();
  });

  function renderChannels() {
    box.hidden = !interpretation.interpreted;
    if (!interpretation.interpreted) {
      audio.setGains(1, 0); // a room without booths: the floor as it is
      note.hidden = true;
      return;
    }
    const offered = interpretation.spokenChannels;
    select.replaceChildren(
      ...offered.map((c) => {
        const option = document.createElement("option");
        option.value = c.language;
        option.textContent = c.language === ORIGINAL ? t("original") : c.name;
        if (c.language !== ORIGINAL) option.lang = c.language;
        return option;
      }),
    );
    // This page's own choice; else the seat's, kept by the server (the page came to another
    // node, whose origin has no localStorage of ours); else the person's languages.
    const kept = interpretation.chosen;
    const wanted = chosen && offered.some((c) => c.language === chosen)
      ? chosen
      : kept && offered.some((c) => c.language === kept)
        ? kept
        : preferredChannel(offered, preferred, floorLanguages);
    const changed = select.value !== wanted || interpretation.mix?.language !== wanted;
    select.value = wanted;
    audio.enableMix();
    if (changed) choose();
  }

  function renderMix() {
    const mix = interpretation.mix;
    if (!mix) return;
    audio.setGains(mix.floor, mix.interpreter);
    const before = note.dataset.reason ?? "";
    if ((mix.reason ?? "") !== before) {
      // The floor comes up (or the interpreter is back): said once, when it changes.
      if (mix.reason) announce(t(`floor_${mix.reason}`));
      else if (before && mix.language !== ORIGINAL) announce(t("interpreter_back"));
    }
    note.hidden = !mix.reason;
    note.dataset.reason = mix.reason ?? "";
    note.textContent = mix.reason ? t(`floor_${mix.reason}`) : "";
  }

  function renderSlowDown() {
    const signal = interpretation.slowDown;
    if (!signal) return;
    slowDown.textContent = t("slow_down");
    slowDown.hidden = false;
    announce(t("slow_down"));
    slowDown.dataset.at = String(signal.at);
    setTimeout(() => { if (slowDown.dataset.at === String(signal.at)) slowDown.hidden = true; }, 8000);
  }

  // The sign-language channel: watched in the pinned video slot, apart from the audio.
  const signBox = /** @type {HTMLElement} */ (document.getElementById("sign-picker"));
  const signSelect = /** @type {HTMLSelectElement} */ (document.getElementById("sign-select"));
  const signNames = /** @type {Record<string, string>} */ (JSON.parse(root.dataset.signNames ?? "{}"));
  const signKey = `sign:${root.dataset.sessionId ?? ""}`;
  /** @type {string|null} */
  let signChosen = localStorage.getItem(signKey);
  signSelect.addEventListener("change", () => {
    signChosen = signSelect.value;
    localStorage.setItem(signKey, signChosen);
    interpretation.selectSignLanguage(signChosen || null);
  });
  interpretation.addEventListener("change", (event) => {
    if (/** @type {CustomEvent} */ (event).detail.what === "channels") renderSignChannels();
  });

  function renderSignChannels() {
    const offered = interpretation.signChannels;
    signBox.hidden = offered.length === 0;
    const none = document.createElement("option");
    none.value = "";
    none.textContent = t("sign_none");
    signSelect.replaceChildren(
      none,
      ...offered.map((c) => {
        const option = document.createElement("option");
        option.value = c.language;
        option.textContent = signNames[c.language] ?? c.name;
        return option;
      }),
    );
    // Someone who has not chosen gets the first sign language they registered with.
    const wanted = signChosen !== null
      ? signChosen
      : preferred.find((tag) => offered.some((c) => c.language === tag)) ?? "";
    const known = wanted === "" || offered.some((c) => c.language === wanted);
    signSelect.value = known ? wanted : "";
    if (offered.length && (signSelect.value || null) !== interpretation.signLanguage) {
      interpretation.selectSignLanguage(signSelect.value || null);
    }
  }

  return {
    interpretation,
    get signLanguage() { return interpretation.signLanguage; },
    get language() { return interpretation.mix?.language ?? null; },
    get mix() { return interpretation.mix; },
  };
}
