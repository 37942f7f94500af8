// The browser's one RTCPeerConnection, following the slot convention of
// rooms/media/slots.py exactly: audio m-section 0 is the microphone, then the
// floor slots (recvonly), and the channel slot (recvonly) last. With video, the
// video m-sections follow: camera and screen (sendonly, tracks put on later with
// replaceTrack), one floor video slot per floor slot, the share slot, and the pinned
// slots. Negotiated once; the server switches what each slot carries without
// renegotiating. No DOM.
//
// Events: "track" (detail: {slot, index, track}, slot "floor", "channel",
// "floor-video", "share" or "pinned"), "state" (the RTCPeerConnection's connectionState).

/** @typedef {import("./signalling.js").Signalling} Signalling */
/**
 * @typedef {object} PeerOptions
 * @property {RTCIceServer[]} [iceServers]
 * @property {number} [floorSlots] 0 to 8; 3 is what the server recommends
 * @property {MediaStreamTrack|null} [mic] null: listen only
 * @property {boolean} [lowData]
 * @property {boolean} [video] offer the video slots (camera, screen, floor video, share)
 * @property {number} [pinnedSlots] 0 to 2 pinned video slots (with video)
 * @property {number} [gatherTimeoutMs]
 * @property {number} [answerTimeoutMs]
 */
/** @typedef {{slot: "floor"|"channel"|"floor-video"|"share"|"pinned", index: number, track: MediaStreamTrack}} SlotTrack */

export const LOW_DATA_BITRATE = 16000;
/** IPv4 (20) and UDP (8) headers: getStats counts from the UDP payload up. */
export const IP_UDP_HEADER_BYTES = 28;
/** A 360p camera: about 500 kbit/s (the server forwards it as it comes, to every viewer). */
export const CAMERA_BITRATE = 500_000;
export const CAMERA_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { max: 30 } };
/** A screen: full resolution, few frames a second (slides, documents). */
export const SCREEN_BITRATE = 1_200_000;
export const SCREEN_FRAME_RATE = 5;

/**
 * The SDP without mDNS `.local` candidates: the server could only resolve them by
 * multicast, and connects through a peer-reflexive candidate instead.
 * @param {string} sdp
 */
export function dropMdnsCandidates(sdp) {
  return sdp
    .split("\r\n")
    .filter((line) => !(line.startsWith("a=candidate:") && /\.local$/i.test(line.split(" ")[4] ?? "")))
    .join("\r\n");
}

/**
 * Ask for at most `bitrate` bits/s of Opus on every audio m-section (fmtp maxaveragebitrate).
 * @param {string} sdp
 * @param {number} bitrate
 */
export function limitOpusBitrate(sdp, bitrate) {
  const opus = new Set();
  for (const match of sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)) opus.add(match[1]);
  return sdp
    .split("\r\n")
    .map((line) => {
      const fmtp = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (!fmtp || !opus.has(fmtp[1])) return line;
      const params = fmtp[2].split(";").filter((p) => p && !p.startsWith("maxaveragebitrate="));
      params.push(`maxaveragebitrate=${bitrate}`);
      return `a=fmtp:${fmtp[1]} ${params.join(";")}`;
    })
    .join("\r\n");
}

/**
 * Ask for retransmission of lost audio: `a=rtcp-fb:<pt> nack` on Opus and RED in every
 * audio section. Chromium offers only transport-cc for Opus, and enables audio NACK
 * when its own description lists it; the server answers with it on the slots.
 * @param {string} sdp
 */
export function addAudioNack(sdp) {
  const lines = sdp.split("\r\n");
  /** @type {string[]} */
  const out = [];
  let audio = false;
  for (const line of lines) {
    if (line.startsWith("m=")) audio = line.startsWith("m=audio");
    out.push(line);
    const codec = audio ? /^a=rtpmap:(\d+) (opus|red)\/48000/i.exec(line) : null;
    if (codec && !lines.includes(`a=rtcp-fb:${codec[1]} nack`)) out.push(`a=rtcp-fb:${codec[1]} nack`);
  }
  return out.join("\r\n");
}

/** @param {RTCPeerConnection} pc @param {number} timeoutMs */
function gatheringComplete(pc, timeoutMs) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener("icegatheringstatechange", check);
      resolve(undefined);
    };
    const check = () => { if (pc.iceGatheringState === "complete") done(); };
    // aiortc answers with all its candidates and we do not trickle, so a late
    // candidate is lost anyway: send what we have after the timeout.
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener("icegatheringstatechange", check);
  });
}

export class RoomPeer extends EventTarget {
  /**
   * @param {Signalling} signalling
   * @param {PeerOptions} [options]
   */
  constructor(signalling, options = {}) {
    super();
    this.signalling = signalling;
    this.iceServers = options.iceServers ?? [];
    this.floorSlots = options.floorSlots ?? 3;
    this.mic = options.mic ?? null;
    this.lowData = options.lowData ?? false;
    this.video = options.video ?? false;
    this.pinnedSlots = options.pinnedSlots ?? 0;
    /** @type {MediaStreamTrack|null} */
    this.camera = null;
    /** @type {MediaStreamTrack|null} */
    this.screen = null;
    /** @type {RTCRtpTransceiver[]} camera, screen, floor video..., share, pinned... */
    this.videoTransceivers = [];
    this.gatherTimeoutMs = options.gatherTimeoutMs ?? 5000;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 15000;
    /** null until the server answers the first low_data; false if it has no low-data mode */
    this.lowDataSupported = /** @type {boolean|null} */ (null);
    /** @type {RTCPeerConnection|null} */
    this.pc = null;
    /** @type {RTCRtpTransceiver[]} mic, floor slots..., channel */
    this.transceivers = [];
    this.negotiations = 0;
    /** performance.now() when the connection last became connected */
    this.connectedAt = 0;
    /** @type {Promise<void>|null} */
    this._negotiating = null;
    signalling.addEventListener("welcome", (event) => this._welcomed(/** @type {CustomEvent} */ (event).detail));
  }

  /** Negotiate (again): a new connection, as the server replaces its peer on every offer. */
  connect() {
    const run = async () => {
      if (this._negotiating) await this._negotiating.catch(() => {});
      await this._negotiate();
    };
    const attempt = run();
    this._negotiating = attempt;
    attempt.finally(() => { if (this._negotiating === attempt) this._negotiating = null; }).catch(() => {});
    return attempt;
  }

  async _negotiate() {
    this.pc?.close();
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    this.pc = pc;
    const mic = this.mic
      ? pc.addTransceiver(this.mic, { direction: "sendonly" })
      : pc.addTransceiver("audio", { direction: "recvonly" });
    const floor = Array.from({ length: this.floorSlots }, () => pc.addTransceiver("audio", { direction: "recvonly" }));
    const channel = pc.addTransceiver("audio", { direction: "recvonly" });
    this.transceivers = [mic, ...floor, channel];
    this.videoTransceivers = [];
    if (this.video) {
      const send = () => pc.addTransceiver("video", { direction: "sendonly" });
      const receive = () => pc.addTransceiver("video", { direction: "recvonly" });
      const camera = send();
      const screen = send();
      if (this.camera) await camera.sender.replaceTrack(this.camera);
      if (this.screen) await screen.sender.replaceTrack(this.screen);
      this.videoTransceivers = [
        camera,
        screen,
        ...Array.from({ length: this.floorSlots }, receive),
        receive(),
        ...Array.from({ length: this.pinnedSlots }, receive),
      ];
    }
    pc.addEventListener("track", (event) => {
      // Match by transceiver, never by arrival order (the convention says so).
      if (pc !== this.pc) return;
      const detail = this._slotOf(event.transceiver, event.track);
      if (detail) this.dispatchEvent(new CustomEvent("track", { detail }));
    });
    pc.addEventListener("connectionstatechange", () => {
      if (pc !== this.pc) return;
      if (pc.connectionState === "connected") this.connectedAt = performance.now();
      this.dispatchEvent(new CustomEvent("state", { detail: pc.connectionState }));
      // ICE failed (a network change): negotiate again while signalling is up.
      if (pc.connectionState === "failed" && this.signalling.state === "open") this.connect().catch(() => {});
    });

    const offer = await pc.createOffer();
    try {
      await pc.setLocalDescription({ type: "offer", sdp: addAudioNack(offer.sdp ?? "") });
    } catch {
      await pc.setLocalDescription(offer); // a browser that refuses the added lines
    }
    await gatheringComplete(pc, this.gatherTimeoutMs);
    let sdp = dropMdnsCandidates(pc.localDescription?.sdp ?? "");
    if (this.lowData) sdp = limitOpusBitrate(sdp, LOW_DATA_BITRATE);
    const answered = this.signalling.next("answer", { about: "offer", timeoutMs: this.answerTimeoutMs });
    if (!this.signalling.offer(sdp)) {
      answered.catch(() => {});
      throw new Error("signalling is not connected");
    }
    const answer = await answered;
    if (pc !== this.pc) return; // superseded while waiting
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.negotiations += 1;
    await this._limitSending();
    await this._limitVideo();
  }

  /**
   * Which slot a transceiver is.
   * @param {RTCRtpTransceiver} transceiver @param {MediaStreamTrack} track
   * @returns {SlotTrack|null}
   */
  _slotOf(transceiver, track) {
    const at = this.transceivers.indexOf(transceiver);
    if (at === this.transceivers.length - 1) return { slot: "channel", index: 0, track };
    if (at >= 1) return { slot: "floor", index: at - 1, track };
    const v = this.videoTransceivers.indexOf(transceiver) - 2;
    if (v < 0) return null;
    if (v < this.floorSlots) return { slot: "floor-video", index: v, track };
    if (v === this.floorSlots) return { slot: "share", index: 0, track };
    return { slot: "pinned", index: v - this.floorSlots - 1, track };
  }

  /**
   * Send a camera track on the camera slot (null: stop), without renegotiating.
   * @param {MediaStreamTrack|null} track
   */
  async setCamera(track) {
    this.camera = track;
    await this.videoTransceivers[0]?.sender.replaceTrack(track);
    await this._limitVideo();
  }

  /**
   * Send a screen (getDisplayMedia) on the screen slot (null: stop).
   * @param {MediaStreamTrack|null} track
   */
  async setScreen(track) {
    if (track && "contentHint" in track) track.contentHint = "detail";
    this.screen = track;
    await this.videoTransceivers[1]?.sender.replaceTrack(track);
    await this._limitVideo();
  }

  /** Cap what we publish: the server forwards it unchanged to every viewer. */
  async _limitVideo() {
    const caps = [
      { sender: this.videoTransceivers[0]?.sender, maxBitrate: CAMERA_BITRATE, maxFramerate: 30, keep: "balanced" },
      { sender: this.videoTransceivers[1]?.sender, maxBitrate: SCREEN_BITRATE, maxFramerate: SCREEN_FRAME_RATE, keep: "maintain-resolution" },
    ];
    for (const { sender, maxBitrate, maxFramerate, keep } of caps) {
      if (!sender?.track) continue;
      const params = sender.getParameters();
      if (!params.encodings?.length) continue;
      for (const encoding of params.encodings) {
        encoding.maxBitrate = maxBitrate;
        encoding.maxFramerate = maxFramerate;
      }
      /** @type {any} */ (params).degradationPreference = keep;
      await sender.setParameters(params).catch(() => {});
    }
  }
  /** Mute the microphone locally (the track then sends silence). @param {boolean} enabled */
  setMicEnabled(enabled) {
    if (this.mic) this.mic.enabled = enabled;
  }

  /**
   * Low-data mode: our own microphone at 16 kbit/s, and the server's 9 kbit/s
   * renditions of every voice we hear. Resolves to whether the server supports it.
   * @param {boolean} enabled
   */
  async setLowData(enabled) {
    this.lowData = enabled;
    await this._limitSending();
    return this._tellServer();
  }

  async _tellServer() {
    const answered = this.signalling.next("low_data_set", { about: "low_data", timeoutMs: 5000 });
    if (!this.signalling.lowData(this.lowData)) {
      answered.catch(() => {});
      return false;
    }
    try {
      await answered;
      this.lowDataSupported = true;
    } catch (error) {
      // Older servers: "unknown_type"; servers without media: "media_unavailable".
      this.lowDataSupported = false;
    }
    return this.lowDataSupported;
  }

  async _limitSending() {
    const sender = this.transceivers[0]?.sender;
    if (!sender?.track) return;
    const params = sender.getParameters();
    if (!params.encodings?.length) return;
    for (const encoding of params.encodings) {
      if (this.lowData) encoding.maxBitrate = LOW_DATA_BITRATE;
      else delete encoding.maxBitrate;
    }
    await sender.setParameters(params).catch(() => {});
  }

  /** @param {any} welcome */
  _welcomed(welcome) {
    if (!this.pc) return; // the first connection: the page negotiates when it is ready
    // A resumed seat keeps its server peer: only a broken connection needs a new offer,
    // or a server that restarted (media_resumed false) while ours still looks connected.
    const kept = welcome.resumed && welcome.media_resumed !== false;
    if (!kept || this.pc.connectionState !== "connected") this.connect().catch(() => {});
    if (!welcome.resumed && this.lowData) this._tellServer().catch(() => {});
  }

  /**
   * Video frames and bytes received per video slot, and what we send (from getStats).
   * @returns {Promise<{slot: string, bytesReceived: number, framesDecoded: number}[]>}
   */
  async videoStats() {
    if (!this.pc) return [];
    const report = await this.pc.getStats();
    /** @type {Map<string, any>} */
    const byMid = new Map();
    report.forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") byMid.set(String(s.mid), s);
    });
    return this.videoTransceivers.slice(2).map((t) => {
      const s = byMid.get(String(t.mid)) ?? {};
      const slot = this._slotOf(t, t.receiver.track);
      return {
        slot: slot ? `${slot.slot}-${slot.index}` : "?",
        bytesReceived: s.bytesReceived ?? 0,
        framesDecoded: s.framesDecoded ?? 0,
      };
    });
  }

  /**
   * Packets and bytes received per slot (from getStats), for the page and its tests.
   * @returns {Promise<{slot: string, packetsReceived: number, bytesReceived: number}[]>}
   */
  async stats() {
    if (!this.pc) return [];
    const report = await this.pc.getStats();
    /** @type {Map<string, any>} */
    const byMid = new Map();
    report.forEach((s) => {
      if (s.type !== "inbound-rtp" || s.kind !== "audio") return;
      byMid.set(`mid:${s.mid}`, s);
      byMid.set(`track:${s.trackIdentifier}`, s);
    });
    return this.transceivers.slice(1).map((t, i, all) => {
      const s = byMid.get(`mid:${t.mid}`) ?? byMid.get(`track:${t.receiver.track.id}`) ?? {};
      return {
        slot: i === all.length - 1 ? "channel" : `floor-${i}`,
        packetsReceived: s.packetsReceived ?? 0,
        bytesReceived: s.bytesReceived ?? 0,
      };
    });
  }

  /**
   * What the browser has had to make up in the audio it received so far (every slot),
   * and what recovered it, from getStats: cumulative counts.
   * @returns {Promise<{concealed: number, total: number, packetsLost: number,
   *   packetsReceived: number, nacks: number, fec: number}|null>}
   */
  async audioLoss() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    const sum = { concealed: 0, total: 0, packetsLost: 0, packetsReceived: 0, nacks: 0, fec: 0 };
    report.forEach((s) => {
      if (s.type !== "inbound-rtp" || s.kind !== "audio") return;
      // Silence the browser inserted between talk spurts is not loss.
      sum.concealed += (s.concealedSamples ?? 0) - (s.silentConcealedSamples ?? 0);
      sum.total += s.totalSamplesReceived ?? 0;
      sum.packetsLost += Math.max(0, s.packetsLost ?? 0);
      sum.packetsReceived += s.packetsReceived ?? 0;
      sum.nacks += s.nackCount ?? 0;
      sum.fec += s.fecPacketsReceived ?? 0;
    });
    return sum;
  }

  /**
   * Everything this connection has received so far, as it came off the network: the
   * selected candidate pair's bytes (whole SRTP/SRTCP datagrams, every slot) plus the
   * IPv4 and UDP headers of each packet. What a participant's data plan pays for.
   * @returns {Promise<{bytes: number, packets: number, at: number}|null>}
   */
  async received() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    /** @type {any} */
    let pair = null;
    report.forEach((s) => {
      if (s.type === "transport" && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId) ?? pair;
    });
    if (!pair) {
      report.forEach((s) => { if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") pair = s; });
    }
    if (!pair) return null;
    const packets = pair.packetsReceived ?? 0;
    return { bytes: (pair.bytesReceived ?? 0) + IP_UDP_HEADER_BYTES * packets, packets, at: pair.timestamp };
  }

  close() {
    this.pc?.close();
    this.pc = null;
  }
}
