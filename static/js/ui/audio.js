// Playing what the room sends: one <audio> element per remote track, a master
// volume, and an AnalyserNode per slot (a level meter for the page, readings for tests).

const FFT_SIZE = 8192; // bins of about 6 Hz at 48 kHz
const SILENT_DB = -200; // getFloatFrequencyData gives -Infinity for silence; JSON cannot carry it
export const MAX_DELAY_S = 30; // a listener may line up with a livestream this far behind

export class AudioOut {
  /** @param {HTMLElement} container where the (hidden) audio elements live */
  constructor(container) {
    this.container = container;
    this.volume = 1;
    /** @type {Map<string, {element: HTMLAudioElement, stream: MediaStream, analyser: AnalyserNode|null, mixSource?: MediaStreamAudioSourceNode}>} */
    this.slots = new Map();
    /** @type {AudioContext|null} */
    this.context = null;
    /** Set when the browser refused to start playback without a click. */
    this.blocked = false;
    this.onblocked = () => {};
    /** @type {{floor: GainNode, channel: GainNode, master: GainNode, delay: DelayNode, analyser: AnalyserNode}|null} */
    this.mix = null;
    /** Seconds by which everything heard is held back (floor and channel together). */
    this.delayS = 0;
  }

  /**
   * Play through WebAudio from now on: the floor slots share one gain, the channel slot
   * has its own (a listener's interpretation mix). The <audio> elements stay, muted:
   * without them Chromium feeds WebAudio no data from a remote track.
   */
  enableMix() {
    if (this.mix) return;
    this.context ??= new AudioContext({ sampleRate: 48000 });
    const ctx = this.context;
    const master = ctx.createGain();
    master.gain.value = this.volume;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = FFT_SIZE;
    analyser.smoothingTimeConstant = 0.5;
    // The delay sits after the mix, so the floor and the interpretation stay in step.
    const delay = ctx.createDelay(MAX_DELAY_S);
    delay.delayTime.value = this.delayS;
    master.connect(delay);
    delay.connect(ctx.destination);
    delay.connect(analyser);
    const floor = ctx.createGain();
    const channel = ctx.createGain();
    floor.connect(master);
    channel.connect(master);
    this.mix = { floor, channel, master, delay, analyser };
    for (const [name, slot] of this.slots) this._mixIn(name, slot);
    if (ctx.state === "suspended") {
      ctx.resume().catch(() => {});
      this.blocked = true;
      this.onblocked();
    }
  }

  /**
   * Ramp the floor and channel gains (0..1) over `rampS` seconds: never a jump.
   * @param {number} floor @param {number} channel @param {number} [rampS]
   */
  setGains(floor, channel, rampS = 0.4) {
    if (!this.mix || !this.context) return;
    const now = this.context.currentTime;
    for (const [node, value] of /** @type {[GainNode, number][]} */ ([[this.mix.floor, floor], [this.mix.channel, channel]])) {
      node.gain.cancelScheduledValues(now);
      node.gain.setValueAtTime(node.gain.value, now);
      node.gain.linearRampToValueAtTime(value, now + rampS);
    }
  }

  /**
   * The mixed output's reading (what the listener hears), like readings() for one slot.
   * @param {number[]} [probes]
   */
  mixReading(probes = []) {
    if (!this.mix) return null;
    if (this.context?.state === "suspended") this.context.resume().catch(() => {});
    return this._read("mix", this.mix.analyser, probes);
  }

  /** @param {string} name @param {{element: HTMLAudioElement, stream: MediaStream, mixSource?: MediaStreamAudioSourceNode}} slot */
  _mixIn(name, slot) {
    if (!this.mix || !this.context) return;
    slot.mixSource?.disconnect();
    slot.mixSource = this.context.createMediaStreamSource(slot.stream);
    slot.mixSource.connect(name === "channel" ? this.mix.channel : this.mix.floor);
    slot.element.muted = true;
  }

  /**
   * Play `track` in slot `name` ("floor-0", "channel"), replacing what the slot played.
   * @param {string} name @param {MediaStreamTrack} track
   */
  attach(name, track) {
    let slot = this.slots.get(name);
    if (!slot) {
      const element = document.createElement("audio");
      element.autoplay = true;
      element.dataset.slot = name;
      this.container.append(element);
      slot = { element, stream: new MediaStream(), analyser: null };
      this.slots.set(name, slot);
    }
    // A new stream per track: Chromium's WebAudio keeps reading a source's old track otherwise.
    slot.stream = new MediaStream([track]);
    slot.element.srcObject = slot.stream;
    slot.element.volume = this.volume;
    slot.element.muted = this.volume === 0;
    slot.analyser = null;
    this._mixIn(name, slot);
    slot.element.play().catch(() => {
      this.blocked = true;
      this.onblocked();
    });
  }

  /**
   * Hold back everything heard by `seconds` (0 to 30), e.g. to match a delayed livestream.
   * It plays through WebAudio from then on; the <audio> elements stay muted.
   * @param {number} seconds
   */
  setDelay(seconds) {
    this.delayS = Math.max(0, Math.min(MAX_DELAY_S, Number.isFinite(seconds) ? seconds : 0));
    if (this.delayS > 0) this.enableMix();
    if (this.mix && this.context) this.mix.delay.delayTime.setValueAtTime(this.delayS, this.context.currentTime);
  }

  /** @param {number} volume 0 to 1 */
  setVolume(volume) {
    this.volume = Math.max(0, Math.min(1, volume));
    if (this.mix) this.mix.master.gain.value = this.volume;
    for (const { element } of this.slots.values()) {
      element.volume = this.volume;
      element.muted = this.volume === 0 || this.mix !== null;
    }
  }

  /** After a click: start what autoplay refused, and the analysers' context. */
  async resume() {
    this.blocked = false;
    await Promise.all([...this.slots.values()].map(({ element }) => element.play().catch(() => {})));
    await this.context?.resume();
  }

  /** @param {{stream: MediaStream, analyser: AnalyserNode|null}} slot */
  _analyser(slot) {
    if (slot.analyser) return slot.analyser;
    this.context ??= new AudioContext({ sampleRate: 48000 });
    const analyser = this.context.createAnalyser();
    analyser.fftSize = FFT_SIZE;
    analyser.smoothingTimeConstant = 0.5;
    this.context.createMediaStreamSource(slot.stream).connect(analyser);
    slot.analyser = analyser;
    return analyser;
  }

  /**
   * Per slot: the strongest frequency and its level, and the level at each of `probes` Hz.
   * @param {number[]} [probes]
   * @returns {{slot: string, peakHz: number, peakDb: number, probes: Record<string, number>}[]}
   */
  readings(probes = []) {
    const out = [];
    if (this.context?.state === "suspended") this.context.resume().catch(() => {});
    for (const [name, slot] of this.slots) out.push(this._read(name, this._analyser(slot), probes));
    return out;
  }

  /**
   * @param {string} name @param {AnalyserNode} analyser @param {number[]} probes
   * @returns {{slot: string, peakHz: number, peakDb: number, probes: Record<string, number>}}
   */
  _read(name, analyser, probes) {
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const hzPerBin = (this.context?.sampleRate ?? 48000) / analyser.fftSize;
    let peak = 1;
    for (let i = 2; i < bins.length; i++) if (bins[i] > bins[peak]) peak = i;
    const level = (/** @type {number} */ db) => (Number.isFinite(db) ? db : SILENT_DB);
    /** @type {Record<string, number>} */
    const probed = {};
    for (const hz of probes) {
      // The loudest of the three bins around hz, so a tone between bins is not missed.
      const at = Math.round(hz / hzPerBin);
      probed[String(hz)] = Math.max(...[at - 1, at, at + 1].map((i) => level(bins[i] ?? -Infinity)));
    }
    return { slot: name, peakHz: Math.round(peak * hzPerBin), peakDb: level(bins[peak]), probes: probed };
  }

  /** The loudest level over every slot, in dB (for the page's "someone is speaking" cue). */
  loudness() {
    return Math.max(SILENT_DB, ...this.readings().map((r) => r.peakDb));
  }
}

/**
 * The room pages' own controls for `audio`: a button shown while the browser waits for a
 * click before it plays, and the master volume.
 * @param {AudioOut} audio
 * @param {HTMLElement} startButton
 * @param {HTMLInputElement} volume
 */
export function mountAudioControls(audio, startButton, volume) {
  audio.onblocked = () => (startButton.hidden = false);
  startButton.addEventListener("click", async () => {
    await audio.resume();
    startButton.hidden = true;
  });
  volume.addEventListener("input", () => audio.setVolume(Number(volume.value)));
}
