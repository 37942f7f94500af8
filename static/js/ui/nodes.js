// Several nodes (docs/operations.md, "Several nodes"): a page follows its session's node.
//
// - The server answers a websocket for a session that another node owns with a "redirect"
//   message (docs/protocol.md): the page reloads at the same path on that node.
// - When the page's own node stops answering for RELOCATE_AFTER_MS (longer than a node takes
//   to be declared dead), the page goes to `relocateUrl`, the site's entry, which sends it on
//   to the session's new owner. Pages of a single-process server have no relocateUrl.
// - Either way the page carries its seat's resume token in the new URL's fragment
//   (`#resume=…`: never sent to a server, removed from the address bar at once), since the
//   other node is another origin whose sessionStorage does not have it. The new owner took
//   the session over from the old node's snapshot, so the page sits down on the same seat.

import { Signalling } from "../protocol/signalling.js";

export const RELOCATE_AFTER_MS = 7000;

const CARRIED = /^#resume=([A-Za-z0-9_-]+)$/;

/** The resume token a page brought from another node (see above), once; null if none. */
export function carriedResumeToken() {
  const found = CARRIED.exec(location.hash);
  if (!found) return null;
  history.replaceState(history.state, "", location.pathname + location.search);
  return found[1];
}

/** @param {Signalling} signalling */
function carry(signalling) {
  const token = signalling.resumeToken;
  return token && /^[A-Za-z0-9_-]+$/.test(token) ? `#resume=${token}` : "";
}

/** @param {Signalling} signalling @param {string} relocateUrl */
export function followNodes(signalling, relocateUrl) {
  signalling.addEventListener("redirect", (event) => {
    const { url } = /** @type {CustomEvent} */ (event).detail;
    const fragment = carry(signalling);
    signalling.close();
    location.assign(String(url) + location.pathname + location.search + fragment);
  });
  if (!relocateUrl) return;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  signalling.addEventListener("state", (event) => {
    const { state } = /** @type {CustomEvent} */ (event).detail;
    if (state === "reconnecting" && timer === undefined) {
      timer = setTimeout(() => location.assign(relocateUrl + carry(signalling)), RELOCATE_AFTER_MS);
    } else if (state === "open") {
      clearTimeout(timer);
      timer = undefined;
    }
  });
}
