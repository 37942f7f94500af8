// Pre-fill timezone pickers from the browser, unless the page already shows what the person chose.
// A picker marked data-follow (the programme, for a visitor who has not chosen) also shows
// the page in that zone at once.
const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const select of document.querySelectorAll('select[data-prefill="browser"]')) {
  if (!reported || document.getElementById("error-summary")) continue; // keep what was typed
  // Browsers report some zones by legacy names (Asia/Calcutta); the server lists current ones.
  const aliases = JSON.parse(/** @type {HTMLSelectElement} */ (select).dataset.aliases || "{}");
  const zone = aliases[reported] || reported;
  const picker = /** @type {HTMLSelectElement} */ (select);
  if (![...picker.options].some((o) => o.value === zone)) continue;
  const shown = picker.value;
  picker.value = zone;
  if (picker.dataset.follow && zone !== shown) {
    const url = new URL(location.href);
    url.searchParams.set(picker.name, zone);
    location.replace(url.toString());
  }
}
