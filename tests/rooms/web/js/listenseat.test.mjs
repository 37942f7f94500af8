// The listen-only seat's client (static/js/protocol/listenseat.js) against a fake
// WebSocket and a fake /relay/listen: where it sits down, what it says, and where it goes
// when its node drains (1001) or stops answering. Run by tests/rooms/web/test_rooms_web_js.py.
import assert from "node:assert/strict";
import { ListenSeat } from "../../../../static/js/protocol/listenseat.js";

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
const asked = [];
let next = "b";
const fetchImpl = async (url) => {
  asked.push(url);
  const node = next;
  return { ok: true, json: async () => ({ node, url: `http://${node}`, ws_url: `ws://${node}/relay/ws?session=1` }) };
};
let tokens = 0;
const seat = new ListenSeat({
  listenUrl: "/relay/listen?session=1", token: async () => `T${++tokens}`, fetchImpl, WebSocketImpl: FakeSocket,
});
const states = [];
seat.addEventListener("state", (event) => states.push(event.detail.state));

// It asks where, sits down there with a fresh token, and says hello.
seat.connect();
await tick();
assert.deepEqual(asked, ["/relay/listen?session=1"]);
const first = FakeSocket.all[0];
assert.equal(first.url, "ws://b/relay/ws?session=1&token=T1");
assert.deepEqual(first.sent, [{ type: "hello", protocol: 1 }]);
first.receive({ type: "welcome", seat_id: "listen-1", languages: ["es"], listen_only: true, node: "b", listening: 3 });
assert.equal(seat.state, "open");
assert.deepEqual([seat.node, seat.languages, seat.listening], ["b", ["es"], 3]);
assert.ok(seat.selectLanguage("es"));
assert.deepEqual(first.sent.at(-1), { type: "select_language", language: "es" });
assert.equal(seat.lowData(), false); // RoomPeer asks; a listen-only seat has no low-data mode

// The node drains (1001): ask again plainly, at once; the new seat hears Spanish too.
next = "c";
first.close(1001);
await tick(20);
assert.equal(asked.at(-1), "/relay/listen?session=1");
const second = FakeSocket.all[1];
assert.equal(second.url, "ws://c/relay/ws?session=1&token=T2");
second.receive({ type: "welcome", seat_id: "listen-2", languages: [], listen_only: true, node: "c", listening: 3 });
assert.deepEqual(second.sent.at(-1), { type: "select_language", language: "es" });
second.receive({ type: "pong", nonce: "1", languages: ["es", "fr"], listening: 4 });
assert.deepEqual([seat.languages, seat.listening], [["es", "fr"], 4]);

// The node dies (no close handshake): ask again naming it, and sit down elsewhere.
next = "d";
second.close(1006);
await tick(400);
assert.equal(asked.at(-1), "/relay/listen?session=1&unreachable=c");
assert.equal(FakeSocket.all[2].url, "ws://d/relay/ws?session=1&token=T3");
FakeSocket.all[2].receive({ type: "welcome", seat_id: "listen-3", languages: ["es"], listen_only: true, node: "d" });
assert.equal(seat.connections, 3);
assert.deepEqual(states, ["connecting", "open", "reconnecting", "open", "reconnecting", "open"]);

seat.close();
assert.equal(seat.state, "closed");
console.log("ok");
