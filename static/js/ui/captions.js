// Live captions on the room page: the lines of the caption language the reader picked, with
// a short scroll-back, and the captioner's input. DOM only; messages per docs/protocol.md
// ("Extension: live captions").

/** @typedef {import("../protocol/signalling.js").Signalling} Signalling */
/** @typedef {{room_id: string, language: string, text: string, by: string, automatic: boolean, at: number}} CaptionLine */
/** @typedef {{room_id: string, language: string, state: "on"|"paused"|"standby"|"unavailable"}} CaptionStatus */

const KEEP = 50; // lines kept per language
const SHOW = 6; // lines shown: the latest, with a short scroll-back

/**
 * @param {HTMLElement} panel the #captions section
 * @param {Signalling} signalling
 */
export function mountCaptions(panel, signalling) {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (panel.querySelector(`#${id}`));
  const on = /** @type {HTMLInputElement} */ ($("captions-on"));
  const language = /** @type {HTMLSelectElement} */ ($("caption-language"));
  const list = $("caption-lines");
  const none = $("caption-none");
  const status = $("caption-status");
  /** Automatic captions' state per language: the floor's, and each captioned booth output's.
   * @type {Map<string, CaptionStatus>} */
  const automatic = new Map();
  /** @type {Map<string, CaptionLine[]>} */
  const lines = new Map();
  const saved = localStorage.getItem("caption-language");
  if (saved && [...language.options].some((o) => o.value === saved)) language.value = saved;
  on.checked = localStorage.getItem("captions-on") === "1";

  function render() {
    list.hidden = !on.checked;
    const shown = (lines.get(language.value) ?? []).slice(-SHOW);
    none.hidden = !on.checked || shown.length > 0;
    // The newest line stays in view, unless the reader has scrolled back to read an older one.
    const following = list.scrollHeight - list.scrollTop - list.clientHeight < 8;
    list.replaceChildren(
      ...shown.map((line) => {
        const item = document.createElement("li");
        item.lang = line.language;
        item.dir = "auto";
        item.textContent = line.text;
        if (line.automatic) {
          item.classList.add("automatic");
          const mark = document.createElement("span");
          mark.className = "caption-mark";
          mark.lang = document.documentElement.lang;
          mark.textContent = panel.dataset.automatic ?? "Automatic";
          item.prepend(mark, " ");
        }
        return item;
      }),
    );
    if (following) list.scrollTop = list.scrollHeight;
    // The automatic captions' state, in words, for the language they are in.
    const state = automatic.get(language.value)?.state ?? null;
    status.hidden = !on.checked || state === null;
    status.dataset.state = state ?? "";
    status.textContent = state ? (panel.dataset[`status${state[0].toUpperCase()}${state.slice(1)}`] ?? state) : "";
  }

  signalling.addEventListener("caption_status", (event) => {
    const status = /** @type {CaptionStatus} */ (/** @type {CustomEvent} */ (event).detail);
    automatic.set(status.language, status);
    render();
  });

  signalling.addEventListener("caption_line", (event) => {
    const line = /** @type {CaptionLine} */ (/** @type {CustomEvent} */ (event).detail);
    const kept = lines.get(line.language) ?? [];
    kept.push(line);
    if (kept.length > KEEP) kept.splice(0, kept.length - KEEP);
    lines.set(line.language, kept);
    if (line.language === language.value) render();
  });
  on.addEventListener("change", () => {
    localStorage.setItem("captions-on", on.checked ? "1" : "0");
    render();
  });
  language.addEventListener("change", () => {
    localStorage.setItem("caption-language", language.value);
    render();
  });

  const form = /** @type {HTMLFormElement|null} */ (panel.querySelector("#caption-form"));
  if (form) {
    const text = /** @type {HTMLInputElement} */ ($("caption-text"));
    const sendLanguage = /** @type {HTMLSelectElement} */ ($("caption-send-language"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      if (signalling.send({ type: "caption_send", language: sendLanguage.value, text: text.value })) {
        text.value = "";
        $("caption-error").textContent = "";
      }
    });
    signalling.addEventListener("error", (event) => {
      const m = /** @type {CustomEvent} */ (event).detail;
      if (m.about === "caption_send") {
        $("caption-error").textContent = (panel.dataset.refused ?? "%(reason)s").replace("%(reason)s", m.message);
      }
    });
  }
  render();
  return { lines, status: () => automatic.get(language.value) ?? null };
}
