// The home page's line for what a card's button could not do (static, for the
// Content-Security-Policy: no inline handlers). A 409 swaps its own sentence in.
const MESSAGES = {
  "htmx:responseError": "That did not work just now: try again, or reload the page.",
  "htmx:sendError": "visa cannot be reached: check your connection and try again.",
};
document.addEventListener("DOMContentLoaded", () => {
  const home = document.querySelector(".home");
  const message = document.getElementById("home-message");
  if (!home || !message) return;
  home.addEventListener("htmx:beforeRequest", () => { message.textContent = ""; });
  for (const [event, text] of Object.entries(MESSAGES)) {
    home.addEventListener(event, () => { message.textContent = text; });
  }
});
