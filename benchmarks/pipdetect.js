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
// Set window.__pipConfig = {freqs: [...]} in an earlier init script to change the frequencies.
(() => {
  if (window.__pips) return;
  const config = window.__pipConfig ?? {};
  const FREQS = config.freqs ?? [800, 2000];
  const BLOCK = 256;
  const THRESHOLD = config.threshold ?? 1e-4; // amplitude² of a sine: -40 dBFS
  const DOMINANCE = 4;
  const REFRACTORY_S = 0.5; // one onset per pip
  /** @type {{tap: string, hz: number, t: number, power: number}[]} */
  const onsets = [];
  /** @type {{tap: string, kind: string, at: number}[]} */
  const taps = [];
  const keep = []; // audio elements and nodes that must not be collected
  window.__pips = { onsets, taps, freqs: FREQS, errors: [] };

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
        }
      }
    }
    registerProcessor("pip-tap", PipTap);
  `;

  /** @type {Promise<AudioContext>|null} */
  let ready = null;
  function context() {
    ready ??= (async () => {
      const ctx = new AudioContext({ sampleRate: 48000 });
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
        onsets.push({ tap: name, hz: FREQS[data.k], power: data.power, t: stamp(ctx, data.contextTime) });
      };
      keep.push(source, node, mute);
      taps.push({ tap: name, kind: track.kind, at: performance.timeOrigin + performance.now() });
    } catch (error) {
      window.__pips.errors.push(`${name}: ${error}`);
    }
  }

  const devices = navigator.mediaDevices;
  if (devices?.getUserMedia) {
    const getUserMedia = devices.getUserMedia.bind(devices);
    let mics = 0;
    devices.getUserMedia = async (constraints) => {
      const stream = await getUserMedia(constraints);
      for (const track of stream.getAudioTracks()) tap(track, `mic${mics++}`, false);
      return stream;
    };
  }

  const Original = window.RTCPeerConnection;
  if (Original) {
    let peers = 0;
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        const pc = `pc${peers++}`;
        this.addEventListener("track", (event) => {
          if (event.track.kind !== "audio") return;
          tap(event.track, `${pc}:mid${event.transceiver?.mid ?? "?"}`, true);
        });
      }
    };
  }

  /** The direct call of the benchmark's baseline: this page's microphone to itself. */
  window.__pipDirectCall = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, autoGainControl: true, noiseSuppression: true },
    });
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    a.addEventListener("icecandidate", (e) => e.candidate && b.addIceCandidate(e.candidate));
    b.addEventListener("icecandidate", (e) => e.candidate && a.addIceCandidate(e.candidate));
    for (const track of stream.getAudioTracks()) a.addTrack(track, stream);
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    window.__pipDirect = { a, b };
    return "started";
  };
})();
