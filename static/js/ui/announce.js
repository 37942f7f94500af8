// Say a change to screen readers through the page's polite live region (the same words
// are on screen). Emptied first and filled a moment later, so a repeated sentence is said again.

/** @param {string} id the live region's id @returns {(text: string) => void} */
export function announcer(id) {
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  return (text) => {
    const region = document.getElementById(id);
    if (!region || !text) return;
    region.textContent = "";
    clearTimeout(timer);
    timer = setTimeout(() => (region.textContent = text), 50);
  };
}
