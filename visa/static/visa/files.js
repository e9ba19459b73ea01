// The Files panel (instances/_files.html): a folder of the desktop at a time, through the files API.
// Downloads are links (a folder comes as a zip); uploads go one file after another, in the pieces the
// API names, each answered with how much the desktop has, so a refused or lost piece is sent again
// from there. Every refusal shows the API's sentence.
const dialog = document.getElementById("files-dialog");

if (dialog) {
  const $ = (id) => document.getElementById(id);
  const api = dialog.dataset.api;
  const csrf = dialog.querySelector("[name=csrfmiddlewaretoken]").value;
  const dates = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  let listing = { path: "", writable: false };

  const note = (text) => { $("files-note").textContent = text; };
  const join = (...parts) => parts.filter(Boolean).join("/");
  const link = (path) => `${api}download?path=${encodeURIComponent(path)}`;
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

  function bytes(size) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let unit = 0;
    while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit += 1; }
    return `${unit ? size.toFixed(1) : size} ${units[unit]}`;
  }

  function element(tag, text, attributes = {}) {
    const made = Object.assign(document.createElement(tag), attributes);
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function holding(tag, ...children) {
    const made = document.createElement(tag);
    made.append(...children);
    return made;
  }

  // An answer as the panel reads it: ok, the status, and the JSON body (or a sentence naming the status).
  function answered(status, text) {
    let body;
    try { body = JSON.parse(text); } catch { body = { detail: `visa answered ${status}.` }; }
    return { ok: status >= 200 && status < 300, status, body };
  }

  function unreachable() {
    return { ok: false, status: 0, body: { detail: "visa could not be reached: check your connection." } };
  }

  async function answerOf(request) {
    try {
      const answer = await request;
      return answered(answer.status, await answer.text());
    } catch {
      return unreachable();
    }
  }

  // A piece goes up by XMLHttpRequest, which tells how much of it has gone (fetch does not): the bar
  // moves within a piece, which takes a minute on a slow link.
  function put(url, blob, progress) {
    return new Promise((done) => {
      const request = new XMLHttpRequest();
      request.open("PUT", url);
      request.setRequestHeader("X-CSRFToken", csrf);
      request.setRequestHeader("Content-Type", "application/octet-stream");
      request.setRequestHeader("Accept", "application/json");
      request.upload.onprogress = (event) => progress(event.loaded);
      request.onload = () => done(answered(request.status, request.responseText));
      request.onerror = request.ontimeout = request.onabort = () => done(unreachable());
      request.send(blob);
    });
  }

  async function show(path) {
    const { ok, body } = await answerOf(fetch(`${api}?path=${encodeURIComponent(path)}`,
                                             { headers: { Accept: "application/json" } }));
    if (!ok) { note(body.detail); return; }
    note("");
    listing = body;
    showPath();
    showEntries();
    $("files-upload").hidden = !listing.writable;
    $("files-target").textContent = listing.path;
  }

  function showPath() {
    const trail = $("files-path");
    const parts = listing.path ? listing.path.split("/") : [];
    trail.replaceChildren(element("button", "Files", { type: "button", className: "link", onclick: () => show("") }));
    parts.forEach((part, index) => {
      trail.append(" / ");
      const last = index === parts.length - 1;
      trail.append(last ? element("span", part, { ariaCurrent: "location" })
        : element("button", part, { type: "button", className: "link", onclick: () => show(join(...parts.slice(0, index + 1))) }));
    });
  }

  function showEntries() {
    const rows = listing.entries.map((entry) => {
      const path = join(listing.path, entry.name);
      const name = element("td");
      if (entry.kind === "folder") {
        name.append(element("button", `${entry.name}/`, { type: "button", className: "link", onclick: () => show(path) }));
      } else if (entry.kind === "file") {
        name.append(element("a", entry.name, { href: link(path), download: entry.name }));
      } else {
        name.append(element("span", entry.name), element("span", entry.kind === "link" ? " (a link: not followed)" : " (not a file)", { className: "hint" }));
      }
      const modified = element("td");
      if (entry.modified) {
        const when = new Date(entry.modified * 1000);
        modified.append(element("time", dates.format(when), { dateTime: when.toISOString() }));
      }
      const download = element("td");
      if (entry.kind === "file" || (entry.kind === "folder" && listing.path)) {
        download.append(element("a", entry.kind === "folder" ? "Download zip" : "Download",
                                { href: link(path), download: "", ariaLabel: `Download ${entry.name}` }));
      } else if (entry.name === "home" && !listing.path) {
        download.append(element("a", "Download zip", { href: link("home"), download: "", ariaLabel: "Download the home folder" }));
      }
      return holding("tr", name, element("td", entry.kind === "file" ? bytes(entry.size) : ""), modified, download);
    });
    const body = $("files-list").tBodies[0];
    body.replaceChildren(...rows);
    if (!rows.length) body.append(holding("tr", element("td", "This folder is empty.", { colSpan: 4 })));
  }

  async function upload(file, folder) {
    const bar = element("progress", undefined, { max: file.size || 1, value: 0 });
    const label = element("span", file.name);
    const state = element("span", "", { className: "hint" });
    bar.setAttribute("aria-label", `Uploading ${file.name}`);
    $("files-progress").append(holding("li", label, bar, state));
    if (file.size > listing.upload_limit) {
      state.textContent = ` not uploaded: it is larger than uploads may be (${bytes(listing.upload_limit)}).`;
      return;
    }
    let offset = 0;
    let tries = 0;
    do {
      const url = `${api}upload?path=${encodeURIComponent(join(folder, file.name))}&offset=${offset}&size=${file.size}`;
      const start = offset;
      const { ok, status, body } = await put(url, file.slice(offset, offset + listing.piece),
                                             (sent) => { bar.value = start + sent; });
      if (ok) {
        offset = body.received;
        tries = 0;
      } else if (status === 409 && Number.isInteger(body.received) && tries < 3) {
        offset = body.received;  // the desktop has this much: go on from there
        tries += 1;
      } else if ((status === 0 || status >= 502) && tries < 3) {
        tries += 1;
        await sleep(1000 * tries);
      } else {
        state.textContent = ` not uploaded: ${body.detail}`;
        return;
      }
      bar.value = offset;
    } while (offset < file.size);
    state.textContent = " uploaded.";
  }

  async function uploadAll(files) {
    const folder = listing.path;
    for (const file of files) await upload(file, folder);
    if (listing.path === folder) show(folder);
  }

  $("files-button").addEventListener("click", () => {
    dialog.showModal();
    show(listing.path);
  });
  $("files-choose").addEventListener("click", () => $("files-input").click());
  $("files-input").addEventListener("change", (event) => {
    uploadAll([...event.target.files]);
    event.target.value = "";
  });
  const area = dialog.querySelector("article");
  area.addEventListener("dragover", (event) => {
    if (!listing.writable) return;
    event.preventDefault();
    area.classList.add("dropping");
  });
  area.addEventListener("dragleave", () => area.classList.remove("dropping"));
  area.addEventListener("drop", (event) => {
    area.classList.remove("dropping");
    if (!listing.writable) return;
    event.preventDefault();
    uploadAll([...event.dataTransfer.files]);
  });
}
