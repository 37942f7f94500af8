// Says in words when the connection is losing sound: the share of the audio received
// over the last few seconds that the browser had to make up (concealment), from
// RoomPeer.audioLoss(). When it stays high, it suggests low-data mode or captions.

/** @typedef {{concealed: number, total: number}} Totals */

/** Shown from this share of made-up audio (2%: a click now and then is not worth a word). */
export const SHOW_FROM = 0.02;
/** A suggestion from this share, held for HIGH_READINGS readings in a row. */
export const HIGH_FROM = 0.08;
export const HIGH_READINGS = 3;

export class SoundLossNote {
  /**
   * @param {HTMLElement} note
   * @param {(key: string, values?: Record<string, string|number>) => string} t
   * @param {() => Promise<Totals|null>} read
   * @param {{everyMs?: number, windowMs?: number, lang?: string}} [options]
   */
  constructor(note, t, read, options = {}) {
    this.note = note;
    this.t = t;
    this.read = read;
    this.windowMs = options.windowMs ?? 8000;
    this.format = new Intl.NumberFormat(options.lang ?? document.documentElement.lang, { style: "percent" });
    /** @type {{at: number, totals: Totals}[]} */
    this.samples = [];
    this.highReadings = 0;
    /** the share of the last window, 0 to 1 (null before two readings) */
    this.share = /** @type {number|null} */ (null);
    this.timer = setInterval(() => this.sample().catch(() => {}), options.everyMs ?? 2000);
  }

  async sample() {
    const totals = await this.read();
    if (!totals) return;
    const now = performance.now();
    const last = this.samples.at(-1);
    // A new connection counts from zero again.
    if (last && totals.total < last.totals.total) this.samples = [];
    this.samples.push({ at: now, totals });
    while (this.samples.length > 2 && now - this.samples[1].at >= this.windowMs) this.samples.shift();
    const first = this.samples[0].totals;
    const received = totals.total - first.total;
    if (received <= 0) return this.show(null);
    this.show(Math.max(0, Math.min(1, (totals.concealed - first.concealed) / received)));
  }

  /** @param {number|null} share */
  show(share) {
    this.share = share;
    this.highReadings = share !== null && share >= HIGH_FROM ? this.highReadings + 1 : 0;
    if (share === null || share < SHOW_FROM) {
      this.note.hidden = true;
      this.note.dataset.state = "clear";
      return;
    }
    const high = this.highReadings >= HIGH_READINGS;
    const lines = [this.t("losing_sound", { percent: this.format.format(share) })];
    if (high) lines.push(this.t("losing_sound_help"));
    // One sentence a line (text nodes only: the words come from the catalog).
    this.note.replaceChildren(...lines.flatMap((line, i) => (i ? [document.createElement("br"), line] : [line])));
    this.note.dataset.state = high ? "high" : "losing";
    this.note.hidden = false;
  }
}
