// The exporter list: only the rows in view are in the DOM, so ten thousand
// exporters scroll and filter without freezing the page.

const ROW_HEIGHT = 28;
const OVERSCAN = 10;

function cell(text, className) {
  const span = document.createElement("span");
  span.textContent = text;
  if (className) span.className = className;
  return span;
}

function rowOf(exporter) {
  const row = document.createElement("div");
  row.className = "row";
  row.dataset.key = exporter.key;
  const state = exporter.online ? exporter.status.toLowerCase().replaceAll("_", " ") : "offline";
  row.append(
    cell(exporter.name, "name"),
    cell(state, `badge ${exporter.online ? "on" : "off"}`),
    cell(exporter.lease ? `${exporter.lease.name} (${exporter.lease.client})` : "—"),
    cell(Object.entries(exporter.labels).map(([k, v]) => `${k}=${v}`).join(" "), "labels"),
    cell(
      exporter.drivers.filter((d) => d.depth > 0).map((d) => `${d.path} (${d.client})`).join(", "),
    ),
  );
  // The whole driver tree, indented, on hover.
  const tree = exporter.drivers.filter((d) => d.depth > 0)
    .map((d) => `${"  ".repeat(d.depth - 1)}${d.name}: ${d.client}`).join("\n");
  row.title = [exporter.statusMessage, tree].filter(Boolean).join("\n");
  return row;
}

/** A virtualised list over `container`; `show(rows)` replaces what it shows. */
export class ExporterList {
  #rows = [];
  #container;
  #spacer;
  #drawn = "";

  constructor(container, spacer) {
    this.#container = container;
    this.#spacer = spacer;
    container.addEventListener("scroll", () => this.#draw(false), { passive: true });
  }

  show(rows) {
    this.#rows = rows;
    this.#spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.#draw(true);
  }

  #draw(force) {
    const top = this.#container.scrollTop;
    const height = this.#container.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.#rows.length, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    const window = `${first}:${last}`;
    if (!force && window === this.#drawn) return;
    this.#drawn = window;
    const fragment = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const row = rowOf(this.#rows[i]);
      row.style.top = `${i * ROW_HEIGHT}px`;
      fragment.append(row);
    }
    this.#spacer.replaceChildren(fragment);
  }
}
