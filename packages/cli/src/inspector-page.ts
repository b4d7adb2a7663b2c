/**
 * The inspector's page: one self-contained HTML document, its CSS and script inline (allowed
 * by the response's Content-Security-Policy through a per-response nonce), no framework and
 * nothing loaded from elsewhere. Every value that comes from a delivery is put in the page
 * with textContent or as a JSON text block, never parsed as HTML.
 */
export function inspectorPage(options: { nonce: string; token: string; catalog: { url: string; providers: Record<string, string[]> } }): string {
  const { nonce, token, catalog } = options;
  // JSON inside <script type="application/json">: "<" escaped so no "</script>" can end it.
  const data = JSON.stringify(catalog).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="credhooks-token" content="${token}">
<title>credhooks inspector</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">${CSS}</style>
</head>
<body>
<header>
  <div class="brand"><span class="logo">⟲</span> credhooks <span class="muted">inspector</span></div>
  <div class="where"><span class="muted">receiving at</span> <code id="listen-url"></code><code class="muted">/events/&lt;tenant&gt;/&lt;provider&gt;</code></div>
  <div id="live" class="live off" data-testid="live" role="status">connecting…</div>
</header>
<main>
  <section class="controls">
    <form id="send-form" class="card" data-testid="send-form">
      <h2>Send a sample delivery</h2>
      <p class="muted small">Signed with the credential this receiver accepts, as <code>credhooks send</code> does.</p>
      <div class="row">
        <label>Provider <select id="send-provider" data-testid="send-provider"></select></label>
        <label>Event <select id="send-event" data-testid="send-event"></select></label>
        <label>Tenant <input id="send-tenant" data-testid="send-tenant" value="acme" size="10" autocomplete="off" spellcheck="false"></label>
        <button type="submit" data-testid="send-button">Send</button>
      </div>
    </form>
    <form id="fail-form" class="card" data-testid="fail-form">
      <h2>Failing handlers</h2>
      <p class="muted small">The handler of these events throws, as a bug in yours would. <code>*</code> fails every event.</p>
      <div class="row">
        <input id="fail-event" data-testid="fail-event" list="all-events" placeholder="event name, e.g. connection:update" size="30" autocomplete="off" spellcheck="false">
        <datalist id="all-events"></datalist>
        <button type="submit" data-testid="fail-button">Make it fail</button>
      </div>
      <ul id="failing" class="chips" data-testid="failing"></ul>
    </form>
  </section>
  <div id="notice" class="notice" role="status" aria-live="polite" data-testid="notice"></div>
  <section class="card wide">
    <h2>Deliveries <span id="delivery-count" class="count">0</span></h2>
    <table class="grid" data-testid="deliveries">
      <thead><tr><th>Time</th><th>Provider</th><th>Tenant</th><th>Event</th><th>Status</th><th>Dedupe</th><th class="num">Duration</th></tr></thead>
      <tbody id="deliveries"></tbody>
    </table>
    <p id="no-deliveries" class="empty">No deliveries yet. Send one with the form above, or from a terminal: <code id="try-send"></code></p>
  </section>
  <section class="card wide">
    <h2>Failure sink <span id="failure-count" class="count">0</span></h2>
    <p class="muted small">Deliveries credhooks kept because their handlers failed and the sender will not redeliver (Lissi, Truvera), or their payload did not validate. Replay runs the handlers again.</p>
    <table class="grid" data-testid="failures">
      <thead><tr><th>Last failed</th><th>Provider</th><th>Tenant</th><th>Event</th><th>Reason</th><th class="num">Attempts</th><th>Error</th><th></th></tr></thead>
      <tbody id="failures"></tbody>
    </table>
    <p id="no-failures" class="empty">The failure sink is empty.</p>
  </section>
</main>
<script type="application/json" id="catalog">${data}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

const CSS = `
:root { --bg: #f6f7f9; --card: #fff; --ink: #1d2430; --muted: #687385; --line: #e3e6eb; --ok: #137a3d; --ok-bg: #e3f5ea; --bad: #b42318; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4d6; --info: #175cd3; --info-bg: #e8f0fe; --accent: #3b5bdb; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1218; --card: #171b23; --ink: #e6e8ec; --muted: #98a2b3; --line: #2a303b; --ok: #5dd39e; --ok-bg: #133524; --bad: #ff8a80; --bad-bg: #3a1714; --warn: #f5c451; --warn-bg: #3a2d0c; --info: #8ab4f8; --info-bg: #182a48; --accent: #8ea2ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--ink); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
header { display: flex; align-items: center; gap: 20px; padding: 12px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
.brand { font-weight: 650; font-size: 16px; }
.logo { color: var(--accent); }
.where { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.muted { color: var(--muted); font-weight: normal; }
.small { font-size: 12.5px; margin: 0 0 10px; }
.live { font-size: 12.5px; padding: 2px 10px; border-radius: 999px; background: var(--ok-bg); color: var(--ok); }
.live::before { content: "● "; }
.live.off { background: var(--warn-bg); color: var(--warn); }
main { padding: 16px 24px 40px; display: flex; flex-direction: column; gap: 16px; }
.controls { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
h2 { font-size: 14px; margin: 0 0 6px; display: flex; align-items: center; gap: 8px; }
.count { font-size: 12px; font-weight: 600; background: var(--bg); border: 1px solid var(--line); border-radius: 999px; padding: 0 8px; color: var(--muted); }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; }
label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
select, input { font: inherit; color: var(--ink); background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
button { font: inherit; cursor: pointer; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 6px; padding: 5px 12px; }
button.secondary { background: transparent; color: var(--accent); }
button.link { border: none; background: none; color: var(--muted); padding: 0 4px; }
button:disabled { opacity: .55; cursor: progress; }
.chips { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 6px; }
.chips li { display: flex; align-items: center; gap: 2px; background: var(--bad-bg); color: var(--bad); border-radius: 999px; padding: 2px 4px 2px 10px; font-family: ui-monospace, monospace; font-size: 12.5px; }
.chips li.none { background: none; color: var(--muted); padding-left: 0; font-family: inherit; }
.notice { min-height: 20px; font-size: 13px; color: var(--muted); }
.notice.bad { color: var(--bad); }
.notice.ok { color: var(--ok); }
table.grid { width: 100%; border-collapse: collapse; table-layout: auto; }
.grid th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; }
.grid td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
.grid tr.item { cursor: pointer; }
.grid tr.item:hover { background: var(--bg); }
.grid tr.item.open { background: var(--bg); }
.num { text-align: right; white-space: nowrap; }
.time { white-space: nowrap; color: var(--muted); font-family: ui-monospace, monospace; font-size: 12.5px; }
.event { font-family: ui-monospace, monospace; font-size: 12.5px; white-space: nowrap; }
.badge { display: inline-block; border-radius: 5px; padding: 0 6px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.info { background: var(--info-bg); color: var(--info); }
.badge.none { color: var(--muted); }
.error { color: var(--bad); max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.actions { white-space: nowrap; text-align: right; }
.actions button { margin-left: 6px; }
tr.detail td { background: var(--bg); padding: 10px 14px 14px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0 0 8px; }
dt { color: var(--muted); font-size: 12px; }
dd { margin: 0; font-family: ui-monospace, monospace; font-size: 12.5px; word-break: break-all; }
pre { margin: 0; padding: 10px 12px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; max-height: 420px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.empty { color: var(--muted); margin: 12px 0 2px; }
.hidden { display: none; }
`;

const SCRIPT = `
"use strict";
(function () {
  var token = document.querySelector('meta[name="credhooks-token"]').getAttribute("content");
  var catalog = JSON.parse(document.getElementById("catalog").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var rows = new Map();
  var openDelivery = null;
  var openFailure = null;
  var failureRows = new Map();

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clock(iso) {
    var d = new Date(iso);
    var pad = function (n, w) { return String(n).padStart(w || 2, "0"); };
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  function notice(text, kind) {
    var n = $("notice");
    n.textContent = text;
    n.className = "notice" + (kind ? " " + kind : "");
  }
  function api(method, path, body) {
    var init = { method: method, headers: { "x-credhooks-token": token }, cache: "no-store", credentials: "same-origin" };
    // Every change is a JSON request (the API refuses any other content type).
    if (body === undefined && method !== "GET") body = {};
    if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        if (!response.ok) {
          var message = data && data.error && data.error.message ? data.error.message : "HTTP " + response.status;
          throw new Error(message);
        }
        return data;
      });
    });
  }

  // Header and forms.
  $("listen-url").textContent = catalog.url;
  $("try-send").textContent = "credhooks send proven credentials:done --url " + catalog.url;
  var providerSelect = $("send-provider");
  var eventSelect = $("send-event");
  var allEvents = $("all-events");
  var seen = new Set();
  Object.keys(catalog.providers).forEach(function (id) {
    providerSelect.appendChild(new Option(id, id));
    catalog.providers[id].forEach(function (name) {
      if (seen.has(name)) return;
      seen.add(name);
      var option = document.createElement("option");
      option.value = name;
      allEvents.appendChild(option);
    });
  });
  function fillEvents() {
    eventSelect.replaceChildren();
    (catalog.providers[providerSelect.value] || []).forEach(function (name) { eventSelect.appendChild(new Option(name, name)); });
  }
  providerSelect.addEventListener("change", fillEvents);
  fillEvents();

  $("send-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var button = e.submitter || $("send-form").querySelector("button");
    button.disabled = true;
    var provider = providerSelect.value, event = eventSelect.value, tenant = $("send-tenant").value.trim() || "acme";
    notice("Sending " + provider + " " + event + "…");
    api("POST", "/__credhooks/send", { provider: provider, event: event, tenant: tenant }).then(function (sent) {
      notice("Sent " + provider + " " + event + " to " + sent.path + ": the receiver answered " + sent.status + ".", sent.status < 300 ? "ok" : "bad");
    }).catch(function (error) {
      notice("Could not send: " + error.message, "bad");
    }).finally(function () { button.disabled = false; });
  });

  $("fail-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("fail-event");
    var event = input.value.trim();
    if (!event) { input.focus(); return; }
    setFailing(event, true).then(function () { input.value = ""; });
  });
  function setFailing(event, on) {
    return api("POST", "/__credhooks/failing", { event: event, failing: on }).then(function (result) {
      renderFailing(result.failing);
      notice(on ? "Handlers of " + event + " now fail." : "Handlers of " + event + " run normally again.", on ? "bad" : "ok");
    }).catch(function (error) { notice("Could not change failing handlers: " + error.message, "bad"); });
  }
  function renderFailing(list) {
    var ul = $("failing");
    ul.replaceChildren();
    if (list.length === 0) { ul.appendChild(el("li", "none", "None: every handler succeeds.")); return; }
    list.forEach(function (event) {
      var li = el("li");
      li.setAttribute("data-testid", "failing-rule");
      li.appendChild(el("span", "", event === "*" ? "* (every event)" : event));
      var off = el("button", "link", "×");
      off.type = "button";
      off.title = "Stop failing " + event;
      off.setAttribute("aria-label", "Stop failing " + event);
      off.setAttribute("data-testid", "failing-off");
      off.addEventListener("click", function () { setFailing(event, false); });
      li.appendChild(off);
      ul.appendChild(li);
    });
  }

  // Deliveries.
  function statusBadge(r) {
    if (r.kind === "replay") {
      if (r.pending) return el("span", "badge info", "replaying…");
      return el("span", "badge " + (r.code === "handled" || r.code === "duplicate" ? "ok" : "bad"), "replay: " + r.code);
    }
    if (r.kind === "recovery") {
      if (r.pending) return el("span", "badge info", "recovering…");
      return el("span", "badge " + (r.handled ? "ok" : "bad"), r.handled ? "recovered" : "failed again");
    }
    if (r.status === null) return el("span", "badge info", "running…");
    var ok = r.status < 300;
    return el("span", "badge " + (ok ? "ok" : "bad"), r.status + (r.code ? " " + r.code : ""));
  }
  function verdictBadge(r) {
    if (r.verdict === "new") return el("span", "badge ok", "new");
    if (r.verdict === "duplicate") return el("span", "badge warn", "duplicate");
    if (r.verdict === "in-flight") return el("span", "badge warn", "in flight");
    return el("span", "badge none", "—");
  }
  function cell(node, className) {
    var td = el("td", className);
    if (node instanceof Node) td.appendChild(node); else td.textContent = node === null || node === undefined ? "—" : String(node);
    return td;
  }
  function deliveryDetail(r) {
    var tr = el("tr", "detail");
    tr.setAttribute("data-testid", "delivery-detail");
    var td = el("td");
    td.colSpan = 7;
    var dl = el("dl");
    function add(label, value) { if (value === null || value === undefined || value === "") return; dl.appendChild(el("dt", "", label)); dl.appendChild(el("dd", "", value)); }
    add("request", r.method && r.path ? r.method + " " + r.path : null);
    add("kind", r.kind === "delivery" ? null : r.kind);
    add("event id", r.id);
    add("known event", r.known === false ? "no: it reached onUnhandled" : null);
    add("handlers", r.handled === null ? null : r.handled ? "succeeded" : "failed");
    add("message", r.message);
    td.appendChild(dl);
    if (r.payload !== undefined) {
      var pre = el("pre", "", JSON.stringify(r.payload, null, 2));
      pre.setAttribute("data-testid", "payload");
      td.appendChild(pre);
    } else {
      td.appendChild(el("p", "muted small", r.verdict === "duplicate" ? "A duplicate: the handlers did not run again." : "No handler saw a payload."));
    }
    tr.appendChild(td);
    return tr;
  }
  function renderDelivery(r) {
    var tr = el("tr", "item");
    tr.setAttribute("data-testid", "delivery-row");
    tr.setAttribute("data-seq", String(r.seq));
    tr.setAttribute("data-provider", r.provider || "");
    tr.setAttribute("data-event", r.event || "");
    tr.setAttribute("data-status", r.status === null ? "" : String(r.status));
    tr.setAttribute("data-kind", r.kind);
    tr.appendChild(cell(clock(r.at), "time"));
    tr.appendChild(cell(r.provider));
    tr.appendChild(cell(r.tenant));
    tr.appendChild(cell(r.event === null ? (r.path || "—") : r.event, "event"));
    tr.appendChild(cell(statusBadge(r)));
    tr.appendChild(cell(verdictBadge(r)));
    tr.appendChild(cell(r.durationMs === null ? "—" : (r.durationMs < 10 ? r.durationMs.toFixed(1) : Math.round(r.durationMs)) + " ms", "num"));
    tr.addEventListener("click", function () { toggleDelivery(r.seq); });
    return tr;
  }
  function toggleDelivery(seq) {
    var previous = openDelivery;
    if (previous !== null) {
      var old = rows.get(previous);
      if (old) { old.row.classList.remove("open"); if (old.detail) { old.detail.remove(); old.detail = null; } }
      openDelivery = null;
    }
    if (previous === seq) return;
    var entry = rows.get(seq);
    if (!entry) return;
    entry.detail = deliveryDetail(entry.record);
    entry.row.classList.add("open");
    entry.row.after(entry.detail);
    openDelivery = seq;
  }
  function upsertDelivery(r) {
    var body = $("deliveries");
    var existing = rows.get(r.seq);
    var row = renderDelivery(r);
    if (existing) {
      existing.row.replaceWith(row);
      existing.row = row;
      existing.record = r;
      if (existing.detail) { row.classList.add("open"); var detail = deliveryDetail(r); existing.detail.replaceWith(detail); existing.detail = detail; }
    } else {
      rows.set(r.seq, { row: row, record: r, detail: null });
      body.insertBefore(row, body.firstChild);
      while (rows.size > 500) {
        var oldest = rows.keys().next().value;
        var gone = rows.get(oldest);
        gone.row.remove();
        if (gone.detail) gone.detail.remove();
        rows.delete(oldest);
      }
    }
    $("delivery-count").textContent = String(rows.size);
    $("no-deliveries").classList.toggle("hidden", rows.size > 0);
  }
  function resetDeliveries(list) {
    $("deliveries").replaceChildren();
    rows.clear();
    openDelivery = null;
    list.forEach(upsertDelivery);
    $("delivery-count").textContent = String(rows.size);
    $("no-deliveries").classList.toggle("hidden", rows.size > 0);
  }

  // Failure sink.
  var loadingFailures = null;
  var reloadFailures = false;
  function loadFailures() {
    if (loadingFailures) { reloadFailures = true; return loadingFailures; }
    loadingFailures = api("GET", "/__credhooks/failures").then(function (result) {
      renderFailures(result.failures, result.more);
    }).catch(function (error) {
      notice("Could not read the failure sink: " + error.message, "bad");
    }).finally(function () {
      loadingFailures = null;
      if (reloadFailures) { reloadFailures = false; loadFailures(); }
    });
    return loadingFailures;
  }
  function failureDetail(f) {
    var tr = el("tr", "detail");
    tr.setAttribute("data-testid", "failure-detail");
    var td = el("td");
    td.colSpan = 8;
    var dl = el("dl");
    function add(label, value) { if (value === null || value === undefined || value === "") return; dl.appendChild(el("dt", "", label)); dl.appendChild(el("dd", "", value)); }
    add("key", f.key);
    add("event id", f.dedupeId);
    add("first failed", f.firstFailedAt);
    add("error", f.error);
    td.appendChild(dl);
    var pre = el("pre", "", f.payload === undefined ? "(no payload)" : JSON.stringify(f.payload, null, 2));
    pre.setAttribute("data-testid", "failure-payload");
    td.appendChild(pre);
    tr.appendChild(td);
    return tr;
  }
  function renderFailures(list, more) {
    var body = $("failures");
    body.replaceChildren();
    failureRows.clear();
    list.forEach(function (f) {
      var tr = el("tr", "item");
      tr.setAttribute("data-testid", "failure-row");
      tr.setAttribute("data-key", f.key);
      tr.setAttribute("data-event", f.event || "");
      tr.appendChild(cell(clock(f.lastFailedAt), "time"));
      tr.appendChild(cell(f.provider));
      tr.appendChild(cell(f.tenant));
      tr.appendChild(cell(f.event, "event"));
      tr.appendChild(cell(el("span", "badge " + (f.reason === "invalid-payload" || f.reason === "unhandled" ? "warn" : "bad"), f.reason)));
      tr.appendChild(cell(f.attempts, "num"));
      var error = cell(f.error, "error");
      error.title = f.error;
      tr.appendChild(error);
      var actions = el("td", "actions");
      var replay = el("button", "", "Replay");
      replay.type = "button";
      replay.setAttribute("data-testid", "replay-button");
      replay.addEventListener("click", function (e) { e.stopPropagation(); replayOne(f, replay); });
      var discard = el("button", "secondary", "Discard");
      discard.type = "button";
      discard.setAttribute("data-testid", "discard-button");
      discard.addEventListener("click", function (e) { e.stopPropagation(); discardOne(f, discard); });
      actions.appendChild(replay);
      actions.appendChild(discard);
      tr.appendChild(actions);
      tr.addEventListener("click", function () {
        var was = openFailure;
        closeFailureDetail();
        if (was === f.key) return;
        var detail = failureDetail(f);
        tr.after(detail);
        tr.classList.add("open");
        failureRows.set(f.key, { row: tr, detail: detail });
        openFailure = f.key;
      });
      failureRows.set(f.key, { row: tr, detail: null });
      body.appendChild(tr);
      if (openFailure === f.key) {
        var detail = failureDetail(f);
        tr.after(detail);
        tr.classList.add("open");
        failureRows.set(f.key, { row: tr, detail: detail });
      }
    });
    if (openFailure !== null && !failureRows.has(openFailure)) openFailure = null;
    $("failure-count").textContent = String(list.length) + (more ? "+" : "");
    $("no-failures").classList.toggle("hidden", list.length > 0);
  }
  function closeFailureDetail() {
    if (openFailure === null) return;
    var entry = failureRows.get(openFailure);
    if (entry) { entry.row.classList.remove("open"); if (entry.detail) entry.detail.remove(); entry.detail = null; }
    openFailure = null;
  }
  function replayOne(f, button) {
    button.disabled = true;
    notice("Replaying " + (f.event || f.key) + "…");
    api("POST", "/__credhooks/failures/" + encodeURIComponent(f.key) + "/replay").then(function (result) {
      var o = result.outcome;
      if (o.status === "handled" || o.status === "duplicate") notice("Replayed " + (f.event || f.key) + ": " + o.status + "; removed from the failure sink.", "ok");
      else notice("Replay of " + (f.event || f.key) + ": " + o.status + (o.error ? " — " + o.error : "") + ". It stays in the failure sink.", "bad");
    }).catch(function (error) {
      notice("Could not replay: " + error.message, "bad");
    }).finally(function () { button.disabled = false; loadFailures(); });
  }
  function discardOne(f, button) {
    button.disabled = true;
    api("DELETE", "/__credhooks/failures/" + encodeURIComponent(f.key)).then(function () {
      notice("Discarded " + (f.event || f.key) + " from the failure sink.", "ok");
    }).catch(function (error) {
      notice("Could not discard: " + error.message, "bad");
    }).finally(function () { button.disabled = false; loadFailures(); });
  }

  // Live updates.
  var live = $("live");
  function connect() {
    var source = new EventSource("/__credhooks/stream?token=" + encodeURIComponent(token));
    source.addEventListener("open", function () { live.textContent = "live"; live.className = "live"; });
    source.addEventListener("error", function () { live.textContent = "reconnecting…"; live.className = "live off"; });
    source.addEventListener("hello", function (e) {
      var data = JSON.parse(e.data);
      resetDeliveries(data.deliveries);
      renderFailing(data.failing);
      loadFailures();
    });
    source.addEventListener("delivery", function (e) { upsertDelivery(JSON.parse(e.data)); });
    source.addEventListener("failing", function (e) { renderFailing(JSON.parse(e.data).failing); });
    source.addEventListener("failures", function () { loadFailures(); });
  }
  renderFailing([]);
  connect();
})();
`;
