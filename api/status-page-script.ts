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
  const options = init || {};
  const headers = { authorization: "Bearer " + key(), accept: "application/json" };
  if (options.json !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
  });
  if (response.status === 204) return null;
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
  const bar = el("progress", { max: "100", value: "0", "aria-label": "progress of " + id });
  row = {
    tr: el("tr", { "data-batch": id }),
    name: el("div", { class: "name" }),
    labels: el("div", { class: "labels" }),
    status: el("td", { class: "status" }),
    bar,
    percent: el("span", { class: "percent" }),
    counts: el("td", { class: "counts" }),
    speed: el("td", { class: "speed" }),
    actions: el("td", { class: "actions" }),
    errors: el("tr", { class: "errors", hidden: "" }),
    samples: [], // [time ms, done URLs] while the page watches it: the pages/s chart
    open: null, // the details panel's state while shown
  };
  const created = el("td", { class: "created" });
  const copy = el("button", { class: "copy", type: "button", text: "Copy", "aria-label": "copy id " + id, onclick: () => copyId(id) });
  row.tr.append(
    el("td", { class: "id" }, row.name, el("code", { class: "full-id", text: id }), " ", copy, row.labels),
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

async function copyId(id) {
  try {
    await navigator.clipboard.writeText(id);
    say("Copied " + id, "info");
  } catch {
    say("Select the id and copy it: " + id, "info");
  }
}

function button(text, cls, onclick) {
  return el("button", { type: "button", class: cls, text, onclick });
}

function render(view) {
  const row = rowFor(view.id);
  const c = view.counts;
  row.name.textContent = view.name || "";
  row.labels.replaceChildren(...(view.labels || []).map((label) => el("span", { class: "label", text: label })));
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
    (c.pending > 0 ? " · ETA " + duration(view.etaSeconds) : "") +
    (c.pending > 0 && view.slowestHost ? " · waiting for " + view.slowestHost.origin + ": " + view.slowestHost.reason : "");
  const last = row.samples[row.samples.length - 1];
  if (!last || last[1] !== c.total - c.pending || Date.now() - last[0] > 5000) row.samples.push([Date.now(), c.total - c.pending]);
  if (row.samples.length > 400) row.samples.shift();
  if (view.cost) row.speed.append(costBlock(view.cost));
  // Buttons are rebuilt only when they change: a click must not land on a replaced one.
  const live = view.status === "queued" || view.status === "running";
  const wanted = [live, view.published, c.failed > 0, view.status].join("/");
  if (row.actions.dataset.shown !== wanted) {
    row.actions.dataset.shown = wanted;
    const actions = [button("Details", "show-errors", () => toggleErrors(view.id))];
    if (live) actions.push(button("Cancel", "cancel", () => cancelBatch(view.id)));
    if (view.published && view.status !== "expired") {
      const format = el("select", { class: "format", "aria-label": "download format" },
        el("option", { value: "ndjson", text: "NDJSON" }), el("option", { value: "ndjson.gz", text: "NDJSON .gz" }),
        el("option", { value: "parquet", text: "Parquet" }), el("option", { value: "changes", text: "changes only (NDJSON)" }),
        ...(view.retryOf ? [el("option", { value: "merge", text: "merged with the batch retried" })] : []));
      actions.push(format, button("Download", "download", () => download(view.id, format.value)));
      if (c.failed > 0) actions.push(button("Retry failed", "retry", () => retryBatch(view.id)));
    }
    if (!live) actions.push(button("Delete", "delete", () => deleteBatch(view.id)));
    row.actions.replaceChildren(...actions);
  }
  if (row.open) drawDetails(view.id).catch(() => {});
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

async function cancelBatch(id) {
  try {
    render(await api("/v1/batches/" + id + "/cancel", { method: "POST" }));
    say("Cancelled " + id + ": unfetched URLs end skipped.", "info");
  } catch (error) {
    say("cancel: " + error.message, "error");
  }
}

async function retryBatch(id) {
  try {
    const created = await api("/v1/batches/" + id + "/retry", { method: "POST", json: {} });
    views.set(created.id, created);
    prepend(created.id);
    say("Retrying " + created.accepted + " failed URLs as batch " + created.id, "info");
  } catch (error) {
    say("retry: " + error.message, "error");
  }
}

async function deleteBatch(id) {
  const view = views.get(id);
  if (!confirm("Delete batch " + (view && view.name ? view.name + " " : "") + id + " and all its results? This cannot be undone.")) return;
  try {
    await api("/v1/batches/" + id, { method: "DELETE" });
    const row = rows.get(id);
    if (row) {
      row.tr.remove();
      row.errors.remove();
    }
    rows.delete(id);
    views.delete(id);
    say("Deleted " + id, "info");
  } catch (error) {
    say("delete: " + error.message, "error");
  }
}

function prepend(id) {
  render(views.get(id));
  const row = rowFor(id);
  $("batches").tBodies[0].prepend(row.tr, row.errors);
  $("empty").hidden = true;
}

/** The details row: charts, the per-host table, and the errors with paging and a filter by code. */
async function toggleErrors(id) {
  const row = rowFor(id);
  if (!row.errors.hidden) {
    row.errors.hidden = true;
    row.open = null;
    return;
  }
  row.open = { code: "", cursors: [null], page: 0 };
  row.errors.replaceChildren(el("td", { colspan: "7", text: "loading…" }));
  row.errors.hidden = false;
  await drawDetails(id);
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}

/** A small line chart of pages/s between the samples the page took. */
function speedChart(samples) {
  const points = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i][0] - samples[i - 1][0]) / 1000;
    if (dt > 0) points.push([samples[i][0], (samples[i][1] - samples[i - 1][1]) / dt]);
  }
  const figure = el("figure", { class: "chart speed-chart" });
  figure.append(el("figcaption", { text: "pages/s over time (while this page watched)" }));
  if (points.length < 2) {
    figure.append(el("p", { text: "collecting…" }));
    return figure;
  }
  const w = 320, h = 90;
  const t0 = points[0][0], t1 = points[points.length - 1][0];
  const max = Math.max(...points.map((p) => p[1]), 0.1);
  const xy = points.map((p) => [((p[0] - t0) / Math.max(1, t1 - t0)) * (w - 10) + 5, h - 15 - (p[1] / max) * (h - 25)]);
  figure.append(svg("svg", { width: w, height: h, role: "img", "aria-label": "pages per second, peak " + max.toFixed(1) },
    svg("polyline", { points: xy.map((p) => p.join(",")).join(" "), fill: "none", stroke: "currentColor", "stroke-width": 2 }),
    svg("text", { x: 5, y: 10, "font-size": 10, fill: "currentColor" }, "peak " + max.toFixed(1) + "/s")));
  return figure;
}

/** Outcomes by code: one bar per outcome, with its count. */
function outcomeChart(view) {
  const outcomes = [["succeeded", view.counts.succeeded], ...Object.entries(view.errorsByCode).sort((a, b) => b[1] - a[1])];
  const max = Math.max(1, ...outcomes.map((o) => o[1]));
  const list = el("ul", { class: "by-code bars", "aria-label": "outcomes by code" });
  for (const [code, n] of outcomes) {
    if (n === 0) continue;
    const bar = el("span", { class: "bar" + (code === "succeeded" ? " ok" : "") });
    bar.style.width = Math.max(2, Math.round((n / max) * 160)) + "px";
    list.append(el("li", { "data-code": code }, el("code", { text: code }), " " + n, bar));
  }
  return el("figure", { class: "chart" }, el("figcaption", { text: "outcomes by code" }), list);
}

/** A scheduled run's schedule: its runs over time (duration bars; late ones marked). */
async function runsChart(view) {
  if (!view.run) return null;
  const page = await api("/v1/schedules/" + view.run.scheduleId + "/runs?limit=30").catch(() => null);
  if (!page || page.runs.length === 0) return null;
  const runs = page.runs.slice().reverse();
  const w = 320, h = 90, bw = Math.max(4, Math.floor((w - 10) / runs.length) - 2);
  const max = Math.max(1, ...runs.map((r) => r.durationSeconds || 0));
  const bars = runs.map((r, i) => {
    const height = Math.max(2, ((r.durationSeconds || 0) / max) * (h - 20));
    const title = svg("title", {}, r.scheduledAt + ": " + r.status + ", " + duration(r.durationSeconds) + (r.late ? ", late" : "") +
      (r.changes ? ", " + r.changes.changed + " changed, " + r.changes.new + " new" : ""));
    return svg("rect", { x: 5 + i * (bw + 2), y: h - 10 - height, width: bw, height, class: r.late ? "late" : r.status === "skipped" ? "skipped" : "run" }, title);
  });
  return el("figure", { class: "chart runs-chart" }, el("figcaption", { text: "this schedule's runs: duration (red: late)" }),
    svg("svg", { width: w, height: h, role: "img", "aria-label": runs.length + " runs, longest " + duration(max) }, ...bars));
}

/** The per-host table, when the deployment answers GET /v1/batches/{id}/hosts (hidden on 404). */
async function hostsTable(id) {
  let body;
  try {
    body = await api("/v1/batches/" + id + "/hosts");
  } catch (error) {
    return null;
  }
  const cols = ["origin", "done", "pending", "pace", "concurrency", "reason", "lastThrottle", "crawlDelaySeconds", "robots", "backoffUntil", "latencyP50Ms", "latencyP95Ms", "retries"];
  const table = el("table", { class: "hosts" }, el("caption", { text: "hosts" }),
    el("thead", {}, el("tr", {}, ...cols.map((c) => el("th", { scope: "col", text: c })))));
  const tbody = el("tbody");
  for (const host of body.hosts || []) {
    tbody.append(el("tr", {}, ...cols.map((c) => el("td", { text: host[c] === null || host[c] === undefined ? "-" : typeof host[c] === "object" ? JSON.stringify(host[c]) : String(host[c]) }))));
  }
  table.append(tbody);
  return table;
}

async function drawDetails(id) {
  const row = rowFor(id);
  const state = row.open;
  if (!state) return;
  const view = await api("/v1/batches/" + id);
  views.set(id, view);
  const cursor = state.cursors[state.page];
  const query = "limit=20" + (state.code ? "&code=" + encodeURIComponent(state.code) : "") + (cursor ? "&cursor=" + cursor : "");
  const [page, hosts, runs] = await Promise.all([api("/v1/batches/" + id + "/errors?" + query), hostsTable(id), runsChart(view)]);
  if (row.open !== state) return;
  const filter = el("select", { class: "code-filter", "aria-label": "filter errors by code" }, el("option", { value: "", text: "every code" }),
    ...Object.keys(view.errorsByCode).sort().map((code) => el("option", { value: code, text: code + " (" + view.errorsByCode[code] + ")" })));
  filter.value = state.code;
  filter.addEventListener("change", () => {
    row.open = { code: filter.value, cursors: [null], page: 0 };
    drawDetails(id);
  });
  const list = el("table", { class: "error-list" }, el("caption", { text: "failed and skipped URLs, page " + (state.page + 1) }),
    el("thead", {}, el("tr", {}, ...["#", "status", "code", "URL", "message"].map((h) => el("th", { scope: "col", text: h })))));
  const tbody = el("tbody");
  for (const entry of page.errors) {
    tbody.append(el("tr", { "data-index": String(entry.index) }, el("td", { text: String(entry.index) }), el("td", { text: entry.status }),
      el("td", { text: entry.code || "" }), el("td", { class: "url", text: entry.url }), el("td", { text: entry.message || "" })));
  }
  list.append(tbody);
  const prev = button("Previous page", "prev-errors", () => {
    state.page--;
    drawDetails(id);
  });
  prev.disabled = state.page === 0;
  const next = button("Next page", "next-errors", () => {
    state.cursors[state.page + 1] = page.nextCursor;
    state.page++;
    drawDetails(id);
  });
  next.disabled = !page.nextCursor;
  const charts = el("div", { class: "charts" }, speedChart(row.samples), outcomeChart(view), ...(runs ? [runs] : []));
  const cell = el("td", { colspan: "7" }, charts, ...(hosts ? [hosts] : []),
    el("div", { class: "pager" }, el("label", {}, "Errors ", filter), " ", prev, " ", next), list);
  row.errors.replaceChildren(cell);
}

/** Asks for a fresh signed link (they expire) and follows it: the browser saves the file. */
async function download(id, choice) {
  try {
    const view = views.get(id);
    const format = choice === "ndjson.gz" || choice === "parquet" ? choice : "ndjson";
    const extra = choice === "changes" ? "&changes=only" : choice === "merge" && view && view.retryOf ? "&merge=" + view.retryOf : "";
    const link = await api("/v1/batches/" + id + "/download?format=" + format + extra);
    const ext = format === "parquet" ? ".parquet" : format === "ndjson.gz" ? ".ndjson.gz" : ".ndjson";
    const a = el("a", { href: link.url, download: "trawl-" + id.slice(0, 12) + (choice === "changes" ? "-changes" : "") + ext });
    document.body.append(a);
    a.click();
    a.remove();
    say("Downloading " + link.records + " records (link valid until " + new Date(link.expiresAt).toLocaleTimeString() + ").", "info");
  } catch (error) {
    say("download: " + error.message, "error");
  }
}

let nextCursor = null;

async function loadList(more) {
  const list = await api("/v1/batches?limit=50" + (more && nextCursor ? "&cursor=" + encodeURIComponent(nextCursor) : ""));
  if (!more || !nextCursor) nextCursor = list.nextCursor;
  else nextCursor = list.nextCursor;
  const body = $("batches").tBodies[0];
  const order = [];
  for (const entry of list.batches) {
    if (!views.has(entry.id)) views.set(entry.id, await api("/v1/batches/" + entry.id));
    order.push(entry.id);
  }
  for (const id of order) {
    render(views.get(id));
    const row = rowFor(id);
    if (!row.tr.isConnected) body.append(row.tr, row.errors);
  }
  $("more").hidden = !nextCursor;
  $("empty").hidden = rows.size > 0;
}

/** The submit form: a pasted or uploaded list (text, or CSV with a "url" column) and options. */
async function submitList(event) {
  event.preventDefault();
  const form = $("submit");
  let text = $("urls").value;
  const file = $("upload").files[0];
  if (file) text = await file.text();
  let lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let urls = lines;
  if (lines.length && /(^|,)\s*"?url"?\s*(,|$)/i.test(lines[0])) {
    const header = lines[0].split(",").map((h) => h.trim().replace(/^"|"$/g, "").toLowerCase());
    const u = header.indexOf("url"), i = header.indexOf("id");
    urls = lines.slice(1).map((line) => {
      const cells = line.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
      return i >= 0 && cells[i] ? { url: cells[u] || "", id: cells[i] } : cells[u] || "";
    });
  }
  const formats = [...form.querySelectorAll("input[name=format]:checked")].map((box) => box.value);
  const labels = $("labels").value.split(",").map((l) => l.trim()).filter(Boolean);
  const body = {
    urls,
    ...($("name").value.trim() ? { name: $("name").value.trim() } : {}),
    ...(labels.length ? { labels } : {}),
    options: { formats, onlyMainContent: $("main-only").checked, respectRobots: $("robots").checked, images: $("images").checked },
  };
  try {
    const created = await api("/v1/batches", { method: "POST", json: body });
    views.set(created.id, created);
    prepend(created.id);
    $("urls").value = "";
    $("upload").value = "";
    say("Submitted " + created.accepted + " URLs as batch " + created.id +
      (created.invalid.count ? " (" + created.invalid.count + " invalid lines)" : ""), "info");
  } catch (error) {
    say("submit: " + error.message, "error");
  }
}

async function refresh() {
  try {
    if (tick % LIST_EVERY === 0) await loadList(false);
    for (const [id, view] of views) {
      if (!rows.get(id) || !rows.get(id).tr.isConnected) continue;
      // Nothing will change any more, but an open details panel keeps its errors current.
      if (view.published || view.status === "failed" || view.status === "expired") {
        if (rows.get(id).open && tick % LIST_EVERY === 0) await drawDetails(id).catch(() => {});
        continue;
      }
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
$("submit").addEventListener("submit", submitList);
$("more").addEventListener("click", () => loadList(true).catch((error) => say(error.message, "error")));
$("signout").addEventListener("click", () => signOut(""));
if (key()) start();
`;
