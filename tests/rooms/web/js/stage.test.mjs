// The lightning stage's protocol module without a DOM: countdown maths, sync after the
// room snapshot, the server clock offset, the typed senders.
// Run by tests/rooms/web/test_stage_js.py; prints "ok" and exits 0 when all pass.
import assert from "node:assert/strict";
import { StageClient, clockText, phaseOf } from "../../../../static/js/protocol/stage.js";

assert.deepEqual(
  [300, 60.5, 60, 20.2, 20, 0, -0.4, -12.7, -75].map((r) => [phaseOf(r), clockText(r)]),
  [
    ["running", "5:00"], ["running", "1:01"], ["one_minute", "1:00"], ["one_minute", "0:21"],
    ["twenty_seconds", "0:20"], ["twenty_seconds", "0:00"], ["overrun", "+0:00"],
    ["overrun", "+0:12"], ["overrun", "+1:15"],
  ],
);

class FakeSignalling extends EventTarget {
  constructor() { super(); this.sent = []; }
  send(message) { this.sent.push(message); return true; }
  deliver(message) { this.dispatchEvent(new CustomEvent(message.type, { detail: message })); }
}
const signalling = new FakeSignalling();
const stage = new StageClient(/** @type {any} */ (signalling), "ROOM");
signalling.deliver({ type: "room_snapshot", room: { room_id: "OTHER" } });
signalling.deliver({ type: "room_snapshot", room: { room_id: "ROOM" } });
assert.deepEqual(signalling.sent, [{ type: "stage_sync" }]);

// The server's clock runs 100 s ahead of this one; the countdown follows the server's.
const now = Date.now() / 1000 + 100;
const talk = (id, status) => ({ talk_id: id, title: `T${id}`, speaker_name: "S", language: "fr",
  language_name: "Français", seconds: 300, slides_url: "", status });
let changes = 0;
stage.addEventListener("change", () => { changes += 1; });
signalling.deliver({ type: "stage_state", room_id: "ELSEWHERE", state: "live" });
assert.equal(stage.state, null);
signalling.deliver({
  type: "stage_state", room_id: "ROOM", block_id: "7", state: "live", now, current: 0, next: 1,
  started_at: now - 250, ends_at: now + 50, extended_s: 0, warnings_s: [60, 20],
  talks: [talk("1", "live"), talk("2", "upcoming")],
});
assert.equal(changes, 1);
assert.ok(Math.abs(stage.remaining() - 50) < 1);
assert.equal(stage.phase(), "one_minute");
assert.equal(stage.current.talk_id, "1");
assert.equal(stage.next.talk_id, "2");

stage.start(); stage.advance(); stage.skip(); stage.extend(); stage.finish();
assert.deepEqual(signalling.sent.slice(1).map((m) => m.type),
  ["stage_start", "stage_advance", "stage_skip", "stage_extend", "stage_finish"]);
console.log("ok");
