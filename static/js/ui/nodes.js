// Several nodes (docs/operations.md, "Several nodes"): a page follows its session's node.
//
// - The server answers a websocket for a session that another node owns with a "redirect"
//   message (docs/protocol.md): the page reloads at the same path on that node.
// - When the page's own node stops answering for RELOCATE_AFTER_MS (longer than a node takes
//   to be declared dead), the page goes to `relocateUrl`, the site's entry, which sends it on
//   to the session's new owner. Pages of a single-process server have no relocateUrl.

import { Signalling } from "../protocol/signalling.js";

export const RELOCATE_AFTER_MS = 7000;

/** @param {Signalling} signalling @param {string} relocateUrl */
export function followNodes(signalling, relocateUrl) {
  signalling.addEventListener("redirect", (event) => {
    const { url } = /** @type {CustomEvent} */ (event).detail;
    signalling.close();
    location.assign(String(url) + location.pathname + location.search);
  });
  if (!relocateUrl) return;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  signalling.addEventListener("state", (event) => {
    const { state } = /** @type {CustomEvent} */ (event).detail;
    if (state === "reconnecting" && timer === undefined) {
      timer = setTimeout(() => location.assign(relocateUrl), RELOCATE_AFTER_MS);
    } else if (state === "open") {
      clearTimeout(timer);
      timer = undefined;
    }
  });
}
