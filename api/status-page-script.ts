// The status page's browser script, as text: plain ES2020 that the Worker serves inline.
// It is a string, not a bundled function, so the bundler cannot rewrite it (wrangler
// keeps names with helpers that exist only in the Worker). It speaks only the public
// API with the key the user typed, keeps the key in sessionStorage (this tab only), and
// builds every element with textContent, never innerHTML, so no batch data is markup.

/** The script of `/ui`. */
// String.raw: the escapes in the script (costBlock's "\n") reach the browser as written.
export const STATUS_PAGE_SCRIPT = String.raw`
"use strict";
const KEY_ITEM = "trawl.key";
const POLL_MS = 1500;
const LIST_EVERY = 4; // the batch list is reloaded every 4th tick, running batches every tick
const views = new Map(); // batch id -> latest view (GET /v1/batches/{id})
const rows = new Map(); // batch id -> its table row elements
let tick = 0;
let timer = null;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function key() {
  return sessionStorage.getItem(KEY_ITEM);
}

function say(message, kind) {
  const banner = $("message");
  banner.textContent = message || "";
  banner.className = kind || "";
  banner.hidden = !message;
}

/** A JSON call to the API; a non-2xx answer throws the API's own error message. */
async function api(path, init) {
  const response = await fetch(path, {
    ...(init || {}),
    headers: { authorization: "Bearer " + key(), accept: "application/json" },
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : "HTTP " + response.status;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s + "s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + "m" + String(s % 60).padStart(2, "0") + "s";
  return Math.floor(m / 60) + "h" + String(m % 60).padStart(2, "0") + "m";
}

function rowFor(id) {
  let row = rows.get(id);
  if (row) return row;
  const bar = el("progress", { max: "100", value: "0" });
  row = {
    tr: el("tr", { "data-batch": id }),
    status: el("td", { class: "status" }),
    bar,
    percent: el("span", { class: "percent" }),
    counts: el("td", { class: "counts" }),
    speed: el("td", { class: "speed" }),
    actions: el("td", { class: "actions" }),
    errors: el("tr", { class: "errors", hidden: "" }),
  };
  const created = el("td", { class: "created" });
  row.tr.append(
    el("td", { class: "id", title: id, text: id.slice(0, 12) + "…" }),
    created,
    row.status,
    el("td", { class: "progress" }, bar, " ", row.percent),
    row.counts,
    row.speed,
    row.actions,
  );
  row.created = created;
  rows.set(id, row);
  return row;
}

function render(view) {
  const row = rowFor(view.id);
  const c = view.counts;
  row.created.textContent = new Date(view.createdAt).toLocaleString();
  row.status.textContent = view.status + (view.failure ? ": " + view.failure : "");
  row.tr.dataset.status = view.status;
  row.tr.dataset.published = String(view.published);
  row.bar.value = view.percent;
  row.percent.textContent = view.percent.toFixed(1) + "%";
  row.counts.textContent =
    c.total - c.pending + " / " + c.total + " · " + c.succeeded + " ok · " + c.failed + " failed · " + c.skipped + " skipped";
  row.speed.textContent =
    (view.pagesPerSecond === null ? "no page yet" : view.pagesPerSecond.toFixed(1) + " pages/s") +
    (c.pending > 0 ? " · ETA " + duration(view.etaSeconds) : "");
  if (view.cost) row.speed.append(costBlock(view.cost));
  // Buttons are rebuilt only when they change: a click must not land on a replaced one.
  const hasErrors = c.failed + c.skipped > 0;
  const wanted = String(hasErrors) + "/" + String(view.published);
  if (row.actions.dataset.shown === wanted) return;
  row.actions.dataset.shown = wanted;
  const actions = [];
  if (hasErrors) actions.push(el("button", { class: "show-errors", text: "Errors", onclick: () => toggleErrors(view.id) }));
  if (view.published) actions.push(el("button", { class: "download", text: "Download", onclick: () => download(view.id) }));
  row.actions.replaceChildren(...actions);
}

/** The cost ledger (README, Operations): the estimate; its counted operations on hover. */
function costBlock(cost) {
  const counts = Object.entries(cost.counts).map(([name, n]) => name + " " + n).join("\n");
  return el("div", {
    class: "cost",
    text: "~$" + cost.estimatedUsd.toFixed(4) + " est.",
    title: counts + "\nprices of " + cost.priceTableDate,
  });
}

/** Errors by code (the batch's exact counts) and the first 20 of them. */
async function toggleErrors(id) {
  const row = rowFor(id);
  if (!row.errors.hidden) {
    row.errors.hidden = true;
    return;
  }
  const cell = el("td", { colspan: "7", text: "loading errors…" });
  row.errors.replaceChildren(cell);
  row.errors.hidden = false;
  try {
    const [view, page] = await Promise.all([
      api("/v1/batches/" + id),
      api("/v1/batches/" + id + "/errors?limit=20"),
    ]);
    const first = page.errors;
    const byCode = el("ul", { class: "by-code" });
    for (const [code, n] of Object.entries(view.errorsByCode).sort((a, b) => b[1] - a[1])) {
      byCode.append(el("li", { "data-code": code }, el("code", { text: code }), " " + n));
    }
    const list = el("table", { class: "error-list" });
    for (const entry of first) {
      list.append(
        el("tr", {}, el("td", { text: String(entry.index) }), el("td", { text: entry.code || entry.status }),
          el("td", { class: "url", text: entry.url }), el("td", { text: entry.message || "" })),
      );
    }
    cell.replaceChildren(el("strong", { text: "Errors by code" }), byCode, list);
  } catch (error) {
    cell.textContent = "errors: " + error.message;
  }
}

/** Asks for a fresh signed link (they expire) and follows it: the browser saves the NDJSON. */
async function download(id) {
  try {
    const link = await api("/v1/batches/" + id + "/download");
    const a = el("a", { href: link.url, download: "trawl-" + id.slice(0, 12) + ".ndjson" });
    document.body.append(a);
    a.click();
    a.remove();
    say("Downloading " + link.records + " records (link valid until " + new Date(link.expiresAt).toLocaleTimeString() + ").", "info");
  } catch (error) {
    say("download: " + error.message, "error");
  }
}

async function loadList() {
  const list = await api("/v1/batches?limit=50");
  const body = $("batches").tBodies[0];
  const order = [];
  for (const entry of list.batches) {
    if (!views.has(entry.id)) views.set(entry.id, await api("/v1/batches/" + entry.id));
    order.push(entry.id);
  }
  for (const id of order) {
    render(views.get(id));
    const row = rowFor(id);
    body.append(row.tr, row.errors);
  }
  $("empty").hidden = order.length > 0;
}

async function refresh() {
  try {
    if (tick % LIST_EVERY === 0) await loadList();
    for (const [id, view] of views) {
      if (view.published || view.status === "failed") continue; // nothing will change any more
      const next = await api("/v1/batches/" + id);
      views.set(id, next);
      render(next);
    }
    if ($("message").className === "error") say("");
  } catch (error) {
    say(error.message, "error");
    if (error.status === 401) return signOut(error.message);
  }
  tick++;
  timer = setTimeout(refresh, POLL_MS);
}

function signIn(event) {
  event.preventDefault();
  const value = $("key").value.trim();
  if (!value) return;
  sessionStorage.setItem(KEY_ITEM, value);
  $("key").value = "";
  start();
}

function signOut(message) {
  clearTimeout(timer);
  sessionStorage.removeItem(KEY_ITEM);
  views.clear();
  rows.clear();
  $("batches").tBodies[0].replaceChildren();
  $("signin").hidden = false;
  $("signout").hidden = true;
  $("board").hidden = true;
  say(typeof message === "string" ? message : "", "error");
}

function start() {
  $("signin").hidden = true;
  $("signout").hidden = false;
  $("board").hidden = false;
  tick = 0;
  clearTimeout(timer);
  refresh();
}

$("signin").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut(""));
if (key()) start();
`;
