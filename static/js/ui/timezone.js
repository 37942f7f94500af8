// Pre-fill timezone pickers from the browser, unless the person already chose one.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
for (const select of document.querySelectorAll('select[data-prefill="browser"]')) {
  if (select.dataset.touched || !zone) continue;
  const form = select.closest("form");
  const errorsShown = document.getElementById("error-summary");
  if (errorsShown) continue; // keep what the person typed
  const option = [...select.options].find((o) => o.value === zone);
  if (option) select.value = zone;
  form?.addEventListener("reset", () => (select.dataset.touched = "1"));
}
