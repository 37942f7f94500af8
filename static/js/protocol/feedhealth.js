// The health of a received audio feed, from the browser's own statistics: how late it
// plays (delay), how unevenly it arrives (jitter), and how much of it was lost and had to
// be made up by the browser (loss, counted as concealed audio, so loss before the server
// shows too: the server renumbers the packets it forwards). No DOM.

/** @typedef {"good"|"unstable"|"poor"|"none"} FeedState */
/**
 * @typedef {object} FeedReading
 * @property {FeedState} state
 * @property {number} lossPct lost share of the last interval, 0 to 100
 * @property {number} jitterMs
 * @property {number} delayMs receive buffer plus half the round trip
 * @property {("loss"|"jitter"|"delay")[]} reasons what made it less than good, worst first
 */

// Where "good" ends and "poor" starts. Interpreters need a low, stable delay (ISO 20108).
export const LIMITS = {
  loss: { unstable: 1, poor: 5 }, // percent
  jitter: { unstable: 30, poor: 80 }, // ms
  delay: { unstable: 150, poor: 300 }, // ms
};

/**
 * The state of one interval's figures.
 * @param {{lossPct: number, jitterMs: number, delayMs: number, packets: number}} figures
 * @returns {FeedReading}
 */
export function classify({ lossPct, jitterMs, delayMs, packets }) {
  const values = { loss: lossPct, jitter: jitterMs, delay: delayMs };
  if (packets <= 0) return { state: "none", lossPct, jitterMs, delayMs, reasons: [] };
  /** @type {("loss"|"jitter"|"delay")[]} */
  const poor = [];
  /** @type {("loss"|"jitter"|"delay")[]} */
  const unstable = [];
  for (const key of /** @type {("loss"|"jitter"|"delay")[]} */ (["loss", "jitter", "delay"])) {
    if (values[key] >= LIMITS[key].poor) poor.push(key);
    else if (values[key] >= LIMITS[key].unstable) unstable.push(key);
  }
  const state = poor.length ? "poor" : unstable.length ? "unstable" : "good";
  return { state, lossPct, jitterMs, delayMs, reasons: [...poor, ...unstable] };
}

/**
 * Reads the inbound audio of some of a peer connection's transceivers every `intervalMs`
 * and hands each interval's reading to `onReading`. Of several mids (the floor slots), the
 * one that received the most packets in the interval is the feed.
 */
export class FeedMonitor {
  /**
   * @param {() => RTCPeerConnection|null} pc
   * @param {() => (string|null)[]} mids
   * @param {(reading: FeedReading) => void} onReading
   * @param {number} [intervalMs]
   */
  constructor(pc, mids, onReading, intervalMs = 2000) {
    this.pc = pc;
    this.mids = mids;
    this.onReading = onReading;
    this.intervalMs = intervalMs;
    /** @type {Map<string, any>} previous inbound-rtp by mid */
    this.previous = new Map();
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.timer = undefined;
  }

  start() {
    this.stop();
    this.timer = setInterval(() => this.read().catch(() => {}), this.intervalMs);
  }

  stop() {
    clearInterval(this.timer);
  }

  async read() {
    const pc = this.pc();
    if (!pc) return;
    const mids = new Set(this.mids().filter((mid) => mid !== null));
    const report = await pc.getStats();
    let rttMs = 0;
    /** @type {any[]} */
    const inbound = [];
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio" && mids.has(s.mid)) inbound.push(s);
      if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime) rttMs = s.currentRoundTripTime * 1000;
    });
    let best = null;
    for (const now of inbound) {
      const before = this.previous.get(now.mid);
      this.previous.set(now.mid, now);
      if (!before) continue;
      const d = (/** @type {string} */ key) => (now[key] ?? 0) - (before[key] ?? 0);
      const packets = d("packetsReceived");
      if (best && packets <= best.packets) continue;
      const samples = d("totalSamplesReceived");
      const lostPackets = Math.max(0, d("packetsLost"));
      const concealed = samples > 0 ? (100 * d("concealedSamples")) / samples : 0;
      const lost = packets + lostPackets > 0 ? (100 * lostPackets) / (packets + lostPackets) : 0;
      const emitted = d("jitterBufferEmittedCount");
      const bufferMs = emitted > 0 ? (1000 * d("jitterBufferDelay")) / emitted : 0;
      best = {
        packets,
        lossPct: Math.max(concealed, lost),
        jitterMs: (now.jitter ?? 0) * 1000,
        delayMs: bufferMs + rttMs / 2,
      };
    }
    if (best) this.onReading(classify(best));
  }
}
