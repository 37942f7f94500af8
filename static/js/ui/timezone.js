// Pre-fill timezone pickers from the browser, unless the page already shows what the person chose.
const reported = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const select of document.querySelectorAll('select[data-prefill="browser"]')) {
  if (!reported || document.getElementById("error-summary")) continue; // keep what was typed
  // Browsers report some zones by legacy names (Asia/Calcutta); the server lists current ones.
  const aliases = JSON.parse(select.dataset.aliases || "{}");
  const zone = aliases[reported] || reported;
  if ([...select.options].some((o) => o.value === zone)) select.value = zone;
}
