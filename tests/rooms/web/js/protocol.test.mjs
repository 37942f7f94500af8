// The browser's protocol modules run without a DOM (Node has EventTarget and
// CustomEvent but no document): signalling against a fake WebSocket, and the SDP helpers.
// Run by tests/rooms/web/test_rooms_web_js.py; prints "ok" and exits 0 when all pass.
import assert from "node:assert/strict";
import { Signalling } from "../../../../static/js/protocol/signalling.js";
import { dropMdnsCandidates, limitOpusBitrate } from "../../../../static/js/protocol/peer.js";
import { RoomState } from "../../../../static/js/protocol/roomstate.js";

class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
    setTimeout(() => { this.readyState = 1; this.onopen?.(); }, 0);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close(code = 1000) { this.readyState = 3; setTimeout(() => this.onclose?.({ code }), 0); }
  receive(message) { this.onmessage?.({ data: JSON.stringify(message) }); }
}
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
const welcome = (token, resumed, seat = "S1") => ({
  type: "welcome", protocol: 1, seat_id: seat, resume_token: token, resumed,
  heartbeat_interval_s: 15, reconnect_grace_s: 30, max_message_bytes: 65536,
  you: { seat_id: seat, display_name: "Ada", roles: ["participant"], state: "present",
         hand_raised: false, muted: false, has_floor: false, may_publish: true },
});
const person = (seat, name, extra = {}) => ({ seat_id: seat, display_name: name, roles: ["participant"],
  state: "present", hand_raised: false, muted: false, has_floor: false, may_publish: true, ...extra });

// Hello, welcome, typed senders, pongs.
const s = new Signalling("ws://x/ws", { WebSocketImpl: FakeSocket, backoffMs: () => 1 });
const state = new RoomState(s, "MAIN");
s.connect();
await tick();
const first = FakeSocket.all[0];
assert.deepEqual(first.sent, [{ type: "hello", protocol: 1 }]);
first.receive(welcome("T1", false));
assert.equal(s.state, "open");
assert.deepEqual(first.sent.at(-1), { type: "join", room_id: "MAIN" }); // RoomState joins the page's room
first.receive({ type: "room_snapshot", reason: "joined", room: { room_id: "MAIN", kind: "breakout", title: "B", parent_id: null },
  you: person("S1", "Ada"), participants: [person("S1", "Ada"), person("S2", "Bruno")], breakout: null });
first.receive({ type: "presence_updated", room_id: "MAIN", participant: person("S2", "Bruno", { hand_raised: true }) });
assert.deepEqual(state.list().map((p) => [p.display_name, p.hand_raised]), [["Ada", false], ["Bruno", true]]);
s.chat("hi"); s.lowerHand("S2"); s.openBreakouts("random", [{ title: "A", seats: ["x"] }], 600); s.lowData(true);
assert.deepEqual(first.sent.slice(-4), [
  { type: "chat", text: "hi" },
  { type: "lower_hand", seat_id: "S2" },
  { type: "breakout_open", mode: "random", rooms: [{ title: "A" }], duration_s: 600 },
  { type: "low_data", enabled: true },
]);
first.receive({ type: "ping", nonce: "7" });
assert.deepEqual(first.sent.at(-1), { type: "pong", nonce: "7" });

// A dropped connection comes back with the resume token, and the seat is not listed twice.
s.dropConnection();
await tick(20);
const second = FakeSocket.all[1];
assert.ok(second, "reconnected");
assert.deepEqual(second.sent, [{ type: "hello", protocol: 1, resume_token: "T1" }]);
second.receive(welcome("T2", true));
second.receive({ type: "room_snapshot", reason: "resumed", room: { room_id: "MAIN", kind: "breakout", title: "B", parent_id: null },
  you: person("S1", "Ada"), participants: [person("S1", "Ada"), person("S2", "Bruno")], breakout: null });
second.receive({ type: "presence_updated", room_id: "MAIN", participant: person("S1", "Ada") });
assert.equal(s.connections, 2);
assert.equal(state.list().length, 2);
assert.equal(second.sent.filter((m) => m.type === "join").length, 0); // resumed: no second join

// next() settles on the answer, or on an error about the request.
const answered = s.next("answer", { about: "offer", timeoutMs: 1000 });
second.receive({ type: "answer", sdp: "v=0" });
assert.equal((await answered).sdp, "v=0");
const refused = s.next("answer", { about: "offer", timeoutMs: 1000 });
second.receive({ type: "error", code: "media_failed", message: "No.", about: "offer" });
await assert.rejects(refused, /No\./);

// A refused handshake (never welcomed) gives up instead of retrying for ever.
const lost = new Signalling("ws://x/ws", {
  WebSocketImpl: class extends FakeSocket { constructor(u) { super(u); setTimeout(() => this.close(1006), 1); } },
  backoffMs: () => 1,
});
lost.connect();
await tick(60);
assert.equal(lost.state, "closed");
s.close();

// SDP helpers.
const sdp = [
  "v=0", "m=audio 9 UDP/TLS/RTP/SAVPF 111 0", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtpmap:0 PCMU/8000",
  "a=candidate:1 1 udp 2122260223 3f1c6a0e-aaaa.local 50000 typ host",
  "a=candidate:2 1 udp 2122260223 127.0.0.1 50001 typ host", "",
].join("\r\n");
assert.ok(!dropMdnsCandidates(sdp).includes(".local"));
assert.ok(dropMdnsCandidates(sdp).includes("127.0.0.1 50001"));
assert.ok(limitOpusBitrate(sdp, 16000).includes("a=fmtp:111 minptime=10;useinbandfec=1;maxaveragebitrate=16000\r\n"));
console.log("ok");
