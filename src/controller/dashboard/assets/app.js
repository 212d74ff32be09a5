// The dashboard's main page: exporters and leases from /api/state, kept
// current by one server-sent event stream, filtered by selector and text.
import { ExporterList } from "./exporter_list.js";
import { matches, parse } from "./selector.js";

const $ = (id) => document.getElementById(id);
const exporters = new Map();
let leases = [];
let csrf = "";
let selector = null;
let text = "";
const list = new ExporterList($("exporters"), $("exporters-spacer"));

function duration(ms) {
  if (ms <= 0) return "0s";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function visible(exporter) {
  if (selector && !matches(selector, exporter.labels)) return false;
  if (!text) return true;
  const haystack = `${exporter.name} ${exporter.status} ${exporter.lease?.client ?? ""} ${
    Object.entries(exporter.labels).map(([k, v]) => `${k}=${v}`).join(" ")
  }`.toLowerCase();
  return haystack.includes(text);
}

function renderExporters() {
  const rows = [...exporters.values()].filter(visible);
  rows.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  $("exporter-count").textContent = `${rows.length} of ${exporters.size}`;
  list.show(rows);
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

async function act(lease, action, body) {
  $("action-error").textContent = "";
  const res = await fetch(
    `/api/leases/${encodeURIComponent(lease.namespace)}/${
      encodeURIComponent(lease.name)
    }/${action}`,
    {
      method: "POST",
      headers: { "x-csrf-token": csrf, "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    },
  );
  if (!res.ok) $("action-error").textContent = (await res.json()).error;
}

function renderLeases() {
  const body = $("leases").tBodies[0];
  const now = Date.now();
  body.replaceChildren(...leases.map((lease) => {
    const tr = document.createElement("tr");
    tr.dataset.lease = lease.name;
    const td = (value) => {
      const cell = document.createElement("td");
      cell.textContent = value;
      tr.append(cell);
      return cell;
    };
    td(lease.name);
    td(lease.client);
    td(lease.exporter ?? "—");
    td(lease.endsAt ? duration(lease.endsAt - now) : `(${duration(lease.durationMs)})`).className =
      "time-left";
    td(
      lease.queue
        ? `#${lease.queue.position}${
          lease.queue.eta ? `, in ${duration(lease.queue.eta - now)}` : ""
        }`
        : "—",
    );
    td(
      lease.conditions.filter((c) => c.status === "True").map((c) => c.reason || c.type).join(", "),
    );
    const actions = td("");
    if (lease.mine) {
      if (lease.ready) {
        const open = document.createElement("a");
        open.href = `/board/${encodeURIComponent(lease.name)}`;
        open.textContent = "Board";
        actions.append(open);
      }
      actions.append(button("+30m", () => act(lease, "extend", { minutes: 30 })));
    }
    if (lease.mine || me.admin) actions.append(button("Release", () => act(lease, "release")));
    return tr;
  }));
  $("lease-count").textContent = `${leases.length}`;
}

let me = {};

function applyState(state) {
  exporters.clear();
  for (const row of state.exporters) exporters.set(row.key, row);
  leases = state.leases;
  me = state.me;
}

function connectEvents() {
  const events = new EventSource("/api/events");
  events.onopen = () => {
    $("live").textContent = "live";
    $("live").className = "badge on";
  };
  events.onerror = () => {
    $("live").textContent = "reconnecting";
    $("live").className = "badge off";
  };
  events.addEventListener("logout", () => {
    events.close();
    location.reload();
  });
  events.onmessage = (event) => {
    const change = JSON.parse(event.data);
    if (change.reset) applyState(change.reset);
    for (const [key, row] of Object.entries(change.exporters ?? {})) {
      if (row) exporters.set(key, row);
      else exporters.delete(key);
    }
    if (change.leases) leases = change.leases;
    renderExporters();
    renderLeases();
    // Rendered: tell whoever listens (the benchmark measures change latency with it).
    globalThis.dispatchEvent(new CustomEvent("dashboard-change", { detail: change }));
  };
}

async function start() {
  const res = await fetch("/api/state");
  if (res.status === 401) return location.reload();
  const state = await res.json();
  csrf = state.csrf;
  applyState(state);
  $("me").textContent = `${state.me.namespace}/${state.me.name}${state.me.admin ? " (admin)" : ""}`;
  renderExporters();
  renderLeases();
  performance.mark("exporters-rendered");
  document.body.dataset.ready = "true";
  connectEvents();
  setInterval(renderLeases, 1000);
}

$("selector").addEventListener("input", async (event) => {
  const parsed = await parse(event.target.value);
  if (event.target.value !== $("selector").value) return;
  $("selector-error").textContent = parsed.error ?? "";
  if (parsed.error) return;
  selector = parsed.selector;
  renderExporters();
});
$("text").addEventListener("input", (event) => {
  text = event.target.value.trim().toLowerCase();
  renderExporters();
});
$("logout").addEventListener("click", async () => {
  await fetch("/api/logout", { method: "POST", headers: { "x-csrf-token": csrf } });
  location.reload();
});
start();
