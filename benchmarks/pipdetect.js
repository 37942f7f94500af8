// Pip onset detector, added to a page before its own scripts (Playwright add_init_script).
//
// It taps the page's own microphone (a wrapped getUserMedia) and every remote audio track
// (a wrapped RTCPeerConnection's "track" event). An AudioWorklet cuts each tap into blocks
// of 256 samples and computes a Goertzel power per pip frequency. A pip starts where a
// frequency's power passes THRESHOLD and is at least DOMINANCE times the power of every
// other frequency (without that, a pip's edges leak into the other frequency). Each onset
// is stamped on the performance clock (performance.timeOrigin + performance.now()), which
// browsers on one machine share, less the audio-context time since the block ended.
// Results: window.__pips.onsets.
//
// Video (for lip sync): the page's own camera and every remote video track are tapped too. Each
// tap plays its track in a tiny <video> of its own; requestVideoFrameCallback samples every
// frame into an 8×8 canvas, and a flash starts where the mean luma rises above FLASH_ON after
// having been below FLASH_OFF. A flash onset is recorded with hz 0, stamped with the frame's
// presentationTime (the same performance clock as the pips).
//
// Set window.__pipConfig = {freqs: [...]} in an earlier init script to change the frequencies.
(() => {
  if (window.__pips) return;
  const config = window.__pipConfig ?? {};
  const FREQS = config.freqs ?? [800, 2000];
  const BLOCK = 256;
  const THRESHOLD = config.threshold ?? 1e-4; // amplitude² of a sine: -40 dBFS
  const DOMINANCE = 4;
  const REFRACTORY_S = 0.5; // one onset per pip
  const FLASH_ON = 160; // mean luma (0–255) of a flash frame
  const FLASH_OFF = 64; // … and of the dark frames between flashes
  /** @type {{tap: string, hz: number, t: number, power: number}[]} */
  const onsets = [];
  /** @type {{tap: string, kind: string, at: number}[]} */
  const taps = [];
  const keep = []; // audio elements and nodes that must not be collected
  const peers = []; // every RTCPeerConnection of the page, for receiveStats()
  /** @type {Record<string, number[]>} each tap's peak power per frequency so far */
  const peaks = {};
  window.__pips = { onsets, taps, freqs: FREQS, errors: [], receiveStats, health };

  /**
   * What a run that found no pips at this page needs to tell why: the audio context's state
   * and clock against the performance clock (a context that stalled or fell behind), and each
   * tap's peak power per frequency (a tap that heard nothing, or pips too faint to count).
   */
  async function health() {
    const ctx = ready ? await ready : null;
    return {
      state: ctx?.state ?? "none",
      // how far the context's clock is behind the performance clock since it was created
      behindS: ctx ? (performance.now() - created) / 1000 - ctx.currentTime : 0,
      freqs: FREQS,
      peaks,
    };
  }

  /**
   * Each remote audio track's jitter buffer so far, cumulated as getStats gives them:
   * [peer:mid, jitterBufferDelay s, jitterBufferTargetDelay s, emitted samples, jitter s].
   * Two readings give the buffer's mean delay and target over the time between them.
   */
  async function receiveStats() {
    const out = [];
    for (const [i, pc] of peers.entries()) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((r) => {
        if (r.type !== "inbound-rtp" || r.kind !== "audio") return;
        out.push([`pc${i}:mid${r.mid}`, r.jitterBufferDelay ?? 0,
          r.jitterBufferTargetDelay ?? 0, r.jitterBufferEmittedCount ?? 0, r.jitter ?? 0]);
      });
    }
    return out;
  }

  const processor = `
    class PipTap extends AudioWorkletProcessor {
      constructor(options) {
        super();
        const o = options.processorOptions;
        this.freqs = o.freqs;
        this.coef = o.freqs.map((hz) => 2 * Math.cos((2 * Math.PI * hz) / sampleRate));
        this.buf = new Float32Array(${BLOCK});
        this.n = 0;
        this.present = o.freqs.map(() => false);
        this.last = o.freqs.map(() => -Infinity);
        this.peak = o.freqs.map(() => 0);
        this.blocks = 0;
      }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        if (!ch) return true;
        for (let i = 0; i < ch.length; i++) {
          this.buf[this.n++] = ch[i];
          if (this.n === ${BLOCK}) {
            this.block(currentFrame + i + 1);
            this.n = 0;
          }
        }
        return true;
      }
      block(endFrame) {
        const power = this.coef.map((c) => {
          let s1 = 0, s2 = 0;
          for (let i = 0; i < ${BLOCK}; i++) {
            const s = this.buf[i] + c * s1 - s2;
            s2 = s1;
            s1 = s;
          }
          return ((s1 * s1 + s2 * s2 - c * s1 * s2) * 4) / (${BLOCK} * ${BLOCK});
        });
        for (let k = 0; k < power.length; k++) {
          let other = 0;
          for (let j = 0; j < power.length; j++) if (j !== k) other = Math.max(other, power[j]);
          const present = power[k] > ${THRESHOLD} && power[k] >= ${DOMINANCE} * other;
          const t = endFrame / sampleRate;
          if (present && !this.present[k] && t - this.last[k] > ${REFRACTORY_S}) {
            this.last[k] = t;
            this.port.postMessage({ k, contextTime: t, power: power[k] });
          }
          this.present[k] = present;
          this.peak[k] = Math.max(this.peak[k], power[k]);
        }
        if (++this.blocks % 188 === 0) { // about once a second at 48 kHz
          this.port.postMessage({ peak: this.peak });
          this.peak = this.peak.map(() => 0);
        }
      }
    }
    registerProcessor("pip-tap", PipTap);
  `;

  /** @type {Promise<AudioContext>|null} */
  let ready = null;
  let created = 0;
  function context() {
    ready ??= (async () => {
      const ctx = new AudioContext({ sampleRate: 48000 });
      created = performance.now();
      const url = URL.createObjectURL(new Blob([processor], { type: "application/javascript" }));
      await ctx.audioWorklet.addModule(url);
      if (ctx.state === "suspended") await ctx.resume().catch(() => {});
      return ctx;
    })();
    return ready;
  }

  /**
   * The performance-clock time (ms since the epoch) of an audio-context time (s): the block
   * ended currentTime - contextTime ago. (AudioContext.getOutputTimestamp() would add each
   * browser's output latency; in one loaded run its stamps put a page's departures 1.5 s off.)
   */
  function stamp(ctx, contextTime) {
    return performance.timeOrigin + performance.now() - (ctx.currentTime - contextTime) * 1000;
  }

  /** @param {MediaStreamTrack} track @param {string} name @param {boolean} remote */
  async function tap(track, name, remote) {
    try {
      const stream = new MediaStream([track]);
      if (remote) {
        // Chromium feeds WebAudio nothing from a remote track unless a media element plays it.
        const element = new Audio();
        element.muted = true;
        element.srcObject = stream;
        element.play().catch(() => {});
        keep.push(element);
      }
      const ctx = await context();
      const source = ctx.createMediaStreamSource(stream);
      const node = new AudioWorkletNode(ctx, "pip-tap", {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { freqs: FREQS },
      });
      const mute = ctx.createGain();
      mute.gain.value = 0;
      source.connect(node).connect(mute).connect(ctx.destination); // pulled by the destination
      node.port.onmessage = ({ data }) => {
        if (data.peak) {
          peaks[name] = data.peak.map((p, k) => Math.max(p, peaks[name]?.[k] ?? 0));
          return;
        }
        onsets.push({ tap: name, hz: FREQS[data.k], power: data.power, t: stamp(ctx, data.contextTime) });
      };
      keep.push(source, node, mute);
      taps.push({ tap: name, kind: track.kind, at: performance.timeOrigin + performance.now() });
    } catch (error) {
      window.__pips.errors.push(`${name}: ${error}`);
    }
  }

  /** A camera or a remote video track: flash onsets (hz 0) from its frames' mean luma. */
  function tapVideo(track, name) {
    try {
      const video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      // Rendered (frame callbacks need a rendered element) but out of sight.
      video.style.cssText = "position:fixed;right:0;bottom:0;width:8px;height:8px;opacity:0.01;pointer-events:none";
      video.srcObject = new MediaStream([track]);
      const attach = () => document.documentElement.appendChild(video);
      if (document.documentElement) attach();
      else document.addEventListener("DOMContentLoaded", attach);
      video.play().catch(() => {});
      const canvas = document.createElement("canvas");
      canvas.width = 8;
      canvas.height = 8;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      let dark = false;
      let last = -Infinity;
      const onFrame = (_now, metadata) => {
        ctx.drawImage(video, 0, 0, 8, 8);
        const px = ctx.getImageData(0, 0, 8, 8).data;
        let luma = 0;
        for (let i = 0; i < px.length; i += 4) luma += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
        luma /= px.length / 4;
        const t = performance.timeOrigin + metadata.presentationTime;
        if (luma < FLASH_OFF) dark = true;
        else if (luma > FLASH_ON && dark && t - last > REFRACTORY_S * 1000) {
          dark = false;
          last = t;
          onsets.push({ tap: name, hz: 0, power: luma, t });
        }
        if (track.readyState === "live") video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      keep.push(video);
      taps.push({ tap: name, kind: track.kind, at: performance.timeOrigin + performance.now() });
    } catch (error) {
      window.__pips.errors.push(`${name}: ${error}`);
    }
  }

  const devices = navigator.mediaDevices;
  if (devices?.getUserMedia) {
    const getUserMedia = devices.getUserMedia.bind(devices);
    let mics = 0;
    let cams = 0;
    devices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      for (const track of stream.getAudioTracks()) tap(track, `mic${mics++}`, false);
      for (const track of stream.getVideoTracks()) tapVideo(track, `cam${cams++}`);
      return stream;
    };
  }

  const Original = window.RTCPeerConnection;
  if (Original) {
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        const pc = `pc${peers.length}`;
        peers.push(this);
        this.addEventListener("track", (event) => {
          const name = `${pc}:mid${event.transceiver?.mid ?? "?"}`;
          if (event.track.kind === "audio") tap(event.track, name, true);
          else if (event.track.kind === "video") tapVideo(event.track, name);
        });
      }
    };
  }

  // The room page's microphone constraints, so that the direct calls process sound as it does.
  const CALL_AUDIO = { echoCancellation: true, autoGainControl: true, noiseSuppression: true };

  /** Resolves once the peer has gathered its candidates (non-trickle SDP for another page). */
  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 5000); // loopback host candidates come at once; never hang a run
    });
  }

  const calls = [];
  let callStream = null;

  /**
   * The direct call of the benchmark's baseline: this page's microphone (and, with
   * {video: true}, its camera, in the same stream) to itself.
   */
  window.__pipDirectCall = async (options = {}) => {
    const opened = navigator.mediaDevices.getUserMedia({
      audio: CALL_AUDIO,
      video: options.video ? { width: 320, height: 240 } : false,
    });
    if (!options.video) callStream ??= opened; // calls to other pages send the same microphone
    const stream = await opened;
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    a.addEventListener("icecandidate", (e) => e.candidate && b.addIceCandidate(e.candidate));
    b.addEventListener("icecandidate", (e) => e.candidate && a.addIceCandidate(e.candidate));
    for (const track of stream.getTracks()) a.addTrack(track, stream);
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    window.__pipDirect = { a, b };
    return "started";
  };

  /**
   * A direct call from this page to a page of another browser, no server: the benchmark
   * carries the SDP between them. __pipCallOffer() here gives {id, sdp}; the other page's
   * __pipCallAnswer(sdp) gives the answer; __pipCallAccept(id, answer) here starts the call.
   * Every call of a page, its direct call to itself included, sends the same microphone stream
   * (one tap, one set of departures).
   */
  window.__pipCallOffer = async () => {
    callStream ??= navigator.mediaDevices.getUserMedia({ audio: CALL_AUDIO, video: false });
    const stream = await callStream;
    const pc = new RTCPeerConnection();
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    calls.push(pc);
    return { id: calls.length - 1, sdp: pc.localDescription.sdp };
  };
  window.__pipCallAnswer = async (sdp) => {
    const pc = new RTCPeerConnection();
    calls.push(pc);
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription.sdp;
  };
  window.__pipCallAccept = async (id, sdp) => {
    await calls[id].setRemoteDescription({ type: "answer", sdp });
    return "started";
  };
})();
