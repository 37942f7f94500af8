// The low-data switch and what it saves: expected megabytes per hour, computed by
// the server (rooms/media/datause.py) and given to the page in data-data-use.

/**
 * @typedef {{bitrate: number, megabytes_per_hour: number}} Use
 * @typedef {{normal: Use, low: Use}} DataUse
 */

/**
 * @param {string} template a sentence with %(normal)s and %(low)s
 * @param {DataUse} use
 */
export function describeUse(template, use) {
  return template
    .replace("%(normal)s", use.normal.megabytes_per_hour.toLocaleString())
    .replace("%(low)s", use.low.megabytes_per_hour.toLocaleString());
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
    this.note.textContent = describeUse(template, this.use);
  }
}
