// The instance page: opens the desktop (noVNC) when the instance is ACTIVE, reconnects it when the
// link drops, and drives the toolbar. The page's live part (#status and the rest of
// instances/_status.html) is pushed over the live WebSocket and swapped in by htmx; this module
// reacts to what it shows and never polls.
import RFB from "../novnc/core/rfb.js";
import KeyTable from "../novnc/core/input/keysym.js";

const $ = (id) => document.getElementById(id);
const desk = $("desk");
const uuid = desk.dataset.uuid;
const stage = $("stage");
const connection = $("connection");
const quality = $("quality");

// Closes the proxy makes on purpose, with a reason to show: kicked / link revoked / owner left,
// and refused. Anything else is a lost connection, tried again.
const CLOSED_ON_PURPOSE = [4401, 4403];
const RETRY_SECONDS = [2, 3, 5, 10, 20, 30];

let rfb = null;        // the noVNC connection while there is one
let wanted = false;    // whether the page should show the desktop now
let stopped = false;   // the proxy closed on purpose: do not reconnect until the page changes
let retry = null;      // {timer} while waiting to reconnect
let attempt = 0;
let received = 0;      // bytes from the desktop, for the connection quality

function say(text, link) {
  connection.textContent = text;
  connection.dataset.link = link;
  stage.dataset.link = link;
  if (link !== "connected") quality.hidden = true;  // measured again once connected
}

// Live updates ------------------------------------------------------------------------------------

function status() {
  const { state, role, refused, desktop } = $("status").dataset;
  return { state, role, refused: refused === "1" || desktop !== "1" };  // an image may offer JupyterLab only
}

let shownRole = status().role;

function update() {
  const { state, role, refused } = status();
  if (role && !shownRole) { location.reload(); return; }  // the owner admitted this support operator
  shownRole = role;
  const desktopNow = state === "ACTIVE" && Boolean(role) && !refused;
  if (desktopNow && !wanted) { stopped = false; attempt = 0; }
  wanted = desktopNow;
  // The page closes the desktop itself only when the instance stops running; the proxy closes
  // it for the other reasons (kicked, link revoked, data no longer readable) and says why.
  if (state !== "ACTIVE" || (!wanted && !rfb)) disconnect();
  stage.dataset.view = (wanted && !stopped) || rfb ? "desktop" : "status";  // before connecting: noVNC sizes to it
  if (wanted && !rfb && !retry && !stopped) connect();
}

// htmx's wrapper of the live WebSocket, taken from every message as well as from the open event:
// in about one page load in ten this module did not hear the open event and never pinged; the
// server always pushes the page's present state first, so the first message brings it.
let live = null;
document.body.addEventListener("htmx:wsOpen", (event) => { live = event.detail.socketWrapper; });
document.body.addEventListener("htmx:wsBeforeMessage", (event) => {
  live = event.detail.socketWrapper;
  if (event.detail.message.startsWith("pong")) { event.preventDefault(); pong(); }
});
document.body.addEventListener("htmx:wsAfterMessage", update);

// The desktop -------------------------------------------------------------------------------------

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  // Our own WebSocket, handed to noVNC, so that the proxy's close code and reason can be read.
  const socket = new WebSocket(`${scheme}://${location.host}/ws/instances/${uuid}/desktop`, ["binary"]);
  socket.binaryType = "arraybuffer";
  let closed = null;
  socket.addEventListener("close", (event) => { closed = event; });
  socket.addEventListener("message", (event) => { received += event.data.byteLength || 0; });
  const owner = status().role === "owner";
  const reconnecting = attempt > 0;
  if (!reconnecting) say(owner ? "Connecting to your desktop…" : "Connecting to the desktop…", "connecting");

  const mine = new RFB($("desktop"), socket);
  rfb = mine;
  reachable($("desktop").querySelector("canvas"));
  rfb.resizeSession = true;  // the desktop takes the window's size where the server allows it,
  rfb.scaleViewport = true;  // and is scaled to fit where it does not
  rfb.viewOnly = status().role === "guest";
  rfb.background = "transparent";  // the stage shows around a scaled desktop
  rfb.addEventListener("connect", () => {
    attempt = 0;
    const text = owner ? "Connected to your desktop." : "Connected to the desktop.";
    say(reconnecting ? `Reconnected. ${text}` : text, "connected");
    $("clipboard-button").disabled = false;
    $("clipboard-send").disabled = rfb.viewOnly;
    measure();
    if (document.activeElement === document.body) rfb.focus();  // unless the user is elsewhere on the page
  });
  rfb.addEventListener("clipboard", (event) => { $("clipboard-text").value = event.detail.text; });
  rfb.addEventListener("disconnect", () => {
    if (rfb !== mine) return;  // closed by this page
    rfb = null;
    $("clipboard-button").disabled = true;
    if (closed && CLOSED_ON_PURPOSE.includes(closed.code)) {
      stopped = true;
      say(closed.reason || "The desktop connection was closed.", "closed");
    } else if (wanted) {
      reconnectLater();
      return;
    } else {
      say("", "idle");
    }
    stage.dataset.view = "status";
  });
}

function disconnect() {
  clearTimeout(retry?.timer);
  retry = null;
  const old = rfb;
  rfb = null;
  old?.disconnect();
  $("clipboard-button").disabled = true;
  if (connection.dataset.link !== "closed") say("", "idle");
}

function reconnectLater() {
  let seconds = RETRY_SECONDS[Math.min(attempt, RETRY_SECONDS.length - 1)];
  attempt += 1;
  const tick = () => {
    if (seconds === 0) { retry = null; connect(); return; }
    say(`Connection lost — reconnecting in ${seconds} s…`, "lost");
    seconds -= 1;
    retry = { timer: setTimeout(tick, 1000) };
  };
  tick();
}

// Keyboard: the desktop is in the Tab order and takes the keys while it has the focus; F6 gives
// the focus back to the toolbar, since every other key goes to the desktop.
function reachable(canvas) {
  canvas.tabIndex = 0;  // noVNC makes it -1
  canvas.setAttribute("aria-label", "Remote desktop: keys typed here go to it. F6 leaves it.");
}
document.addEventListener("keydown", (event) => {
  if (event.key !== "F6" || event.target.tagName !== "CANVAS") return;
  event.preventDefault();
  event.stopPropagation();  // before noVNC, which listens on the canvas
  // The toolbar's first tool, or on a phone its Menu button (the tools are folded away there)
  const tools = desk.querySelectorAll("#menu-button, .tools button:enabled, .tools summary");
  [...tools].find((tool) => tool.checkVisibility()).focus();
}, true);
document.querySelector(".skip").addEventListener("click", (event) => {
  if (!rfb) return;  // no desktop yet: the link leads to the status card
  event.preventDefault();
  rfb.focus();
});

// Connection quality: the live WebSocket's round trip, and what the desktop sends ------------------

let pingSent = 0;
let lastReceived = 0;
let measuring = null;

function measure() {
  ping();
  measuring ??= setInterval(ping, 3000);
}

function ping() {
  if (!rfb) { quality.hidden = true; return; }
  if (pingSent) showQuality(null);  // the last ping got no answer
  pingSent = performance.now();
  live?.send("ping");
}

function pong() {
  if (pingSent) showQuality(performance.now() - pingSent);
  pingSent = 0;
}

function showQuality(rtt) {
  const rate = (received - lastReceived) / 3;
  lastReceived = received;
  const [word, level] = rtt === null ? ["Poor", "poor"] : rtt < 100 ? ["Good", "good"] : rtt < 300 ? ["Fair", "fair"] : ["Poor", "poor"];
  const kb = rate >= 1e6 ? `${(rate / 1e6).toFixed(1)} MB/s` : `${Math.round(rate / 1e3)} kB/s`;
  quality.textContent = `${word} · ${rtt === null ? "no answer" : `${Math.round(rtt)} ms`}`;
  quality.title = `Round trip to the server ${rtt === null ? "over 3 s" : `${Math.round(rtt)} ms`}; the desktop sends ${kb}`;
  quality.dataset.level = level;
  quality.hidden = connection.dataset.link !== "connected";
}

// Toolbar -----------------------------------------------------------------------------------------

const clipboardPanel = $("clipboard-panel");
$("clipboard-button").addEventListener("click", () => toggleClipboard(clipboardPanel.hidden));
$("clipboard-close").addEventListener("click", () => toggleClipboard(false));
$("clipboard-send").addEventListener("click", () => {
  rfb?.clipboardPasteFrom($("clipboard-text").value);
  $("clipboard-note").textContent = "Sent: paste it on the desktop.";
});

function toggleClipboard(open) {
  clipboardPanel.hidden = !open;
  $("clipboard-note").textContent = "";
  $("clipboard-button").setAttribute("aria-expanded", String(open));
  if (open) $("clipboard-text").focus(); else rfb?.focus();
}

// Keys the browser or the computer would keep for themselves: pressed in order, released in reverse.
const COMBOS = {
  "ctrl-alt-del": [["XK_Control_L", "ControlLeft"], ["XK_Alt_L", "AltLeft"], ["XK_Delete", "Delete"]],
  "alt-tab": [["XK_Alt_L", "AltLeft"], ["XK_Tab", "Tab"]],
  "alt-f4": [["XK_Alt_L", "AltLeft"], ["XK_F4", "F4"]],
  "ctrl-w": [["XK_Control_L", "ControlLeft"], ["XK_w", "KeyW"]],
  "super": [["XK_Super_L", "MetaLeft"]],
  "escape": [["XK_Escape", "Escape"]],
  "print": [["XK_Print", "PrintScreen"]],
};
$("keys").addEventListener("click", (event) => {
  const name = event.target.dataset?.keys;
  if (!name || !rfb) return;
  const keys = COMBOS[name];
  keys.forEach(([sym, code]) => rfb.sendKey(KeyTable[sym], code, true));
  keys.toReversed().forEach(([sym, code]) => rfb.sendKey(KeyTable[sym], code, false));
  $("keys").open = false;
  rfb.focus();
});

const fullscreen = $("fullscreen");
fullscreen.addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.querySelector("main").requestFullscreen();
});
document.addEventListener("fullscreenchange", () => {
  fullscreen.textContent = document.fullscreenElement ? "Exit full screen" : "Full screen";
});

// Dialogs: share and details. Each is in the page from the start; buttons open them, [data-close] closes.
for (const [button, dialog] of [["share-button", "share-dialog"], ["details-button", "details-dialog"]]) {
  $(button)?.addEventListener("click", () => $(dialog).showModal());
}
// A button that opens a dialog at one of its fields (the toolbar's Extend); a card's Extend link
// arrives as #extend.
function openAt(dialog, field) {
  $(dialog).showModal();
  $(field)?.focus();
}
if (location.hash === "#extend" && $("id_days")) openAt("details-dialog", "id_days");
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open]");
  if (opener) openAt(opener.dataset.open, opener.dataset.focus);
  else if (event.target.matches("[data-close]")) event.target.closest("dialog").close();
  else if (event.target.tagName === "DIALOG") event.target.close();  // a click on the backdrop
});
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.confirm && !confirm(form.dataset.confirm)) event.preventDefault();
});

// Sharing (the owner's): forms post with fetch; the lists come back as live pushes.

const csrf = document.querySelector("[name=csrfmiddlewaretoken]")?.value;

async function post(url, data) {
  const answer = await fetch(url, { method: "POST", body: data,
    headers: { "X-CSRFToken": csrf, Accept: "application/json" } });
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.error || answer.statusText);
  return body;
}

for (const id of ["share-form", "invite-form"]) {
  $(id)?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $("share-result");
    try {
      const form = new FormData(event.target);
      const { url, emailed, link } = await post(`/instances/${uuid}/links`, form);
      const sent = link.email ? (emailed ? `E-mailed to ${link.email}. ` : "Could not be e-mailed. ") : "";
      result.innerHTML = `<label for="new-link"></label><span class="copy-row"><input id="new-link" readonly><button type="button" class="small" id="copy-link">Copy</button></span>`;
      result.querySelector("label").textContent = `${sent}Copy this link now; it is not shown again`;
      $("new-link").value = url;
      $("new-link").select();
      event.target.reset();
    } catch (error) {
      result.textContent = error.message;
    }
  });
}
$("member-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = $("share-result");
  try {
    const { name } = await post(`/instances/${uuid}/members`, new FormData(event.target));
    result.textContent = `${name} has access now; the desktop is on their home page.`;
    event.target.reset();
  } catch (error) {
    result.textContent = error.message;
  }
});
document.addEventListener("click", async (event) => {
  if (event.target.id !== "copy-link") return;
  const field = $("new-link");
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    event.target.textContent = "Copied";
  } catch {  // no clipboard access (plain HTTP, or refused): the link stays selected for Ctrl+C
    event.target.textContent = "Press Ctrl+C";
  }
});
document.addEventListener("change", (event) => {
  if (event.target.id === "room-lock") {
    post(`/instances/${uuid}/lock`, new URLSearchParams({ locked: event.target.checked ? "1" : "0" }));
  }
});

update();
