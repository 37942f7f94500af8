// The low-data switch and what it saves: expected megabytes per hour, computed by
// the server (rooms/media/datause.py) and given to the page in data-data-use.

/**
 * @typedef {{bitrate: number, megabytes_per_hour: number}} Use
 * @typedef {{normal: Use, low: Use, video?: Use}} DataUse
 */

/**
 * @param {string} template a sentence with %(normal)s and %(low)s
 * @param {DataUse} use
 */
export function describeUse(template, use) {
  return template
    .replace("%(normal)s", use.normal.megabytes_per_hour.toLocaleString())
    .replace("%(low)s", use.low.megabytes_per_hour.toLocaleString())
    .replace("%(video)s", (use.video?.megabytes_per_hour ?? 0).toLocaleString());
}

export class LowDataSwitch {
  /**
   * @param {HTMLInputElement} checkbox
   * @param {HTMLElement} note
   * @param {DataUse} use
   * @param {Record<string, string>} texts
   * @param {(enabled: boolean) => Promise<boolean>} apply resolves to whether the server supports it
   */
  constructor(checkbox, note, use, texts, apply) {
    this.checkbox = checkbox;
    this.note = note;
    this.use = use;
    this.texts = texts;
    checkbox.checked = localStorage.getItem("lowData") === "1";
    checkbox.addEventListener("change", async () => {
      localStorage.setItem("lowData", checkbox.checked ? "1" : "0");
      this.render();
      const supported = await apply(checkbox.checked);
      if (!supported && checkbox.checked) note.textContent = texts.low_data_unsupported;
    });
    this.render();
  }

  get enabled() {
    return this.checkbox.checked;
  }

  render() {
    const template = this.enabled ? this.texts.data_use_low : this.texts.data_use;
    // With video (normal mode only: low-data mode receives none), each picture adds its own.
    const video = !this.enabled && this.use.video ? ` ${this.texts.data_use_video}` : "";
    this.note.textContent = describeUse(template + video, this.use);
  }
}

/**
 * What this participant receives right now, in megabytes per hour: the growth of the
 * connection's received bytes (packet headers included) over the last `windowMs`,
 * extrapolated to an hour. Shown beside the expected figures.
 */
export class DataMeter {
  /**
   * @param {HTMLElement} note
   * @param {string} template a sentence with %(mb)s
   * @param {() => Promise<{bytes: number, at: number}|null>} read
   * @param {{everyMs?: number, windowMs?: number}} [options]
   */
  constructor(note, template, read, options = {}) {
    this.note = note;
    this.template = template;
    this.read = read;
    this.windowMs = options.windowMs ?? 10_000;
    /** @type {{bytes: number, at: number}[]} */
    this.samples = [];
    /** @type {number|null} */
    this.megabytesPerHour = null;
    setInterval(() => this.sample().catch(() => {}), options.everyMs ?? 2000);
  }

  async sample() {
    const now = await this.read();
    if (!now) return;
    const last = this.samples.at(-1);
    // A new connection starts counting from zero: start the window again.
    if (last && now.bytes < last.bytes) this.samples = [];
    this.samples.push(now);
    while (this.samples.length > 2 && now.at - this.samples[1].at >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    if (now.at - first.at < 1000) return;
    const perSecond = ((now.bytes - first.bytes) * 1000) / (now.at - first.at);
    this.megabytesPerHour = (perSecond * 3600) / 1e6;
    this.note.textContent = this.template.replace(
      "%(mb)s",
      this.megabytesPerHour.toLocaleString(undefined, { maximumFractionDigits: 1 }),
    );
    this.note.hidden = false;
  }
}
