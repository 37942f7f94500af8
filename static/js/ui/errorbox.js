// A room page's error line: shows a message for a few seconds, a newer one replacing it.

const SHOWN_MS = 8000;

/** @param {HTMLElement} box @returns {(message: string) => void} */
export function errorBox(box) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  return (message) => {
    box.textContent = message;
    box.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => (box.hidden = true), SHOWN_MS);
  };
}
