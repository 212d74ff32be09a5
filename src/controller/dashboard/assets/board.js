// The board page of a lease you hold: the serial console in xterm.js (output
// streamed from the board through the router, typed input posted back),
// power buttons, and the board's live screen.
const $ = (id) => document.getElementById(id);
const lease = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const base = `/api/boards/${encodeURIComponent(lease)}`;
let csrf = "";

function post(path, body) {
  return fetch(`${base}${path}`, { method: "POST", headers: { "x-csrf-token": csrf }, body });
}

async function failed(res) {
  const error = await res.json().catch(() => ({ error: res.statusText }));
  $("board-error").textContent = error.error;
}

function openTerminal() {
  const term = new globalThis.Terminal({ scrollback: 5000, fontSize: 14, convertEol: false });
  const fit = new globalThis.FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open($("console"));
  fit.fit();
  globalThis.addEventListener("resize", () => fit.fit());
  // What the console shows, as text (for people who copy and for tests).
  globalThis.boardConsole = {
    text() {
      const buffer = term.buffer.active;
      const lines = [];
      for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
      return lines.join("\n");
    },
  };
  let sending = Promise.resolve();
  const encoder = new TextEncoder();
  term.onData((data) => {
    sending = sending.then(async () => {
      const res = await post("/console", encoder.encode(data));
      if (!res.ok) await failed(res);
    });
  });
  return term;
}

async function streamConsole(term) {
  while (true) {
    try {
      const res = await fetch(`${base}/console`);
      if (!res.ok) {
        await failed(res);
        if (res.status === 404 || res.status === 401) return;
      } else {
        $("console-state").textContent = "open";
        $("console-state").className = "badge on";
        const reader = res.body.getReader();
        while (true) {
          const { value, done } = await reader.read();
          if (done) break;
          term.write(value);
        }
      }
    } catch {
      // The stream broke: open it again below.
    }
    $("console-state").textContent = "reconnecting";
    $("console-state").className = "badge off";
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function start() {
  // The one push stream: here only to leave the page when the session ends.
  const events = new EventSource("/api/events");
  events.addEventListener("logout", () => {
    events.close();
    location.href = "/";
  });
  const me = await (await fetch("/api/me")).json();
  csrf = me.csrf;
  $("me").textContent = `${me.me.namespace}/${me.me.name}`;
  $("lease-name").textContent = `lease ${lease}`;
  const res = await fetch(base);
  if (!res.ok) return await failed(res);
  const board = await res.json();
  $("exporter-name").textContent = `on ${board.lease.exporter}`;
  $("power").hidden = !board.power;
  $("screen").hidden = !board.video;
  // The live screen: the video driver's MJPEG stream, through the router, as this client.
  // The controller keeps it open while the board has no picture; it is opened again after each
  // power action, so a power cycle shows at once.
  const showScreen = () => $("screen-img").src = `${base}/screen?t=${Date.now()}`;
  if (board.video) showScreen();
  $("console-section").hidden = !board.serial;
  for (const b of document.querySelectorAll("[data-power]")) {
    b.addEventListener("click", async () => {
      $("board-error").textContent = "";
      $("power-state").textContent = "…";
      const res = await post(`/power/${b.dataset.power}`);
      if (!res.ok) return await failed(res);
      $("power-state").textContent = (await res.json()).power;
      if (board.video) showScreen();
    });
  }
  document.body.dataset.ready = "true";
  if (board.serial) streamConsole(openTerminal());
}
start();
