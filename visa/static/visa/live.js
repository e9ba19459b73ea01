// Live fragments (instances.live) replace whole elements, which takes the keyboard focus away.
// Put it back on the new element with the same id or, if that is gone (a Stop button once the
// desktop stopped), on the first control inside its nearest ancestor that has an id (its card).
const CONTROL = ["a[href]", "button", "input", "select", "textarea", "[tabindex]"]
  .map((selector) => `${selector}:not([tabindex="-1"]):not([disabled])`).join(", ");
let focusPath = [];
document.addEventListener("htmx:wsBeforeMessage", () => {
  focusPath = [];
  for (let element = document.activeElement; element && element !== document.body; element = element.parentElement) {
    if (element.id) focusPath.push(element.id);
  }
});
document.addEventListener("htmx:wsAfterMessage", () => {
  if (document.activeElement && document.activeElement !== document.body) return;  // still in place
  for (const id of focusPath) {
    const element = document.getElementById(id);
    const control = element && (element.matches(CONTROL) ? element : element.querySelector(CONTROL));
    if (control) {
      control.focus({ preventScroll: true });
      return;
    }
  }
});
