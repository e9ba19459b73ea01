// Live fragments (instances.live) replace whole elements. Put the keyboard focus back on the new
// element with the same id, so that an update does not send a keyboard user to the top of the page.
let focusedId = null;
document.addEventListener("htmx:wsBeforeMessage", () => { focusedId = document.activeElement && document.activeElement.id; });
document.addEventListener("htmx:wsAfterMessage", () => {
  const again = focusedId && document.getElementById(focusedId);
  if (again && again !== document.activeElement) again.focus({ preventScroll: true });
});
