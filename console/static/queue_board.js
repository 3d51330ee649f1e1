// Queue wallboard: polls the JSON snapshot every few seconds; tiles are built once per queue
// and only their texts change afterwards (a 40-queue board stays cheap to update).
(function () {
  "use strict";
  const root = document.querySelector(".queue-board");
  if (!root) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const statusEl = document.getElementById("board-status");
  const tilesEl = document.getElementById("queue-tiles");
  const template = document.getElementById("tile-template");
  const abandonedTable = document.getElementById("abandoned");
  const tiles = new Map(); // queue -> {col, fields: Map(name -> element)}
  const reasonNames = new Map([...document.querySelectorAll("#reason-names [data-reason]")].map((li) => [li.dataset.reason, li.textContent]));
  const alertTexts = { wait: root.dataset.tWait, service_level: root.dataset.tServiceLevel, no_agents: root.dataset.tNoAgents };

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.round(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function figure(key, value) {
    if (value === null || value === undefined) return "–";
    if (key === "service_level") return value.toFixed(1) + "\u00a0%";
    if (key === "asa" || key === "aht") return clock(value);
    return String(value);
  }
  function notReady(reasons) {
    const parts = Object.entries(reasons).map(([r, n]) => (reasonNames.get(r) || r || root.dataset.tNoReason) + " " + n);
    const total = Object.values(reasons).reduce((a, b) => a + b, 0);
    return parts.length ? total + " (" + parts.join(", ") + ")" : "0";
  }
  function set(el, text) { if (el.textContent !== text) el.textContent = text; }

  function tileFor(queue) {
    let tile = tiles.get(queue);
    if (tile) return tile;
    const col = document.createElement("div");
    col.className = "col";
    col.append(template.content.cloneNode(true));
    const fields = new Map([...col.querySelectorAll("[data-f]")].map((el) => [el.dataset.f, el]));
    col.querySelector("article").dataset.queue = queue;
    tile = { col, card: col.querySelector("article"), header: col.querySelector("header"), fields };
    tiles.set(queue, tile);
    return tile;
  }

  function renderTile(q) {
    const tile = tileFor(q.queue);
    const f = tile.fields;
    set(f.get("queue"), q.queue);
    set(f.get("target"), String(q.service_level_seconds));
    set(f.get("waiting"), String(q.waiting));
    set(f.get("longest"), q.waiting ? clock(q.longest_wait) : "–");
    set(f.get("available"), String(q.agents.available));
    set(f.get("on_call"), String(q.agents.on_call));
    set(f.get("wrap_up"), String(q.agents.wrap_up));
    set(f.get("not_ready"), notReady(q.agents.not_ready));
    for (const period of ["today", "recent"]) {
      for (const [key, value] of Object.entries(q[period])) {
        const el = f.get(period + "." + key);
        if (el) set(el, figure(key, value));
      }
    }
    const red = q.alerts.length > 0;
    const alertKey = q.alerts.join(" ");
    if (tile.card.dataset.alerts !== alertKey) {
      tile.card.dataset.alerts = alertKey;
      tile.card.classList.toggle("border-danger", red);
      tile.card.classList.toggle("border-2", red);
      tile.header.classList.toggle("text-bg-danger", red);
      f.get("alerts").replaceChildren(...q.alerts.map((a) => {
        const li = document.createElement("li");
        li.dataset.alert = a;
        li.textContent = alertTexts[a] || a;
        return li;
      }));
    }
    return tile.col;
  }

  function renderTiles(queues) {
    const cols = queues.map(renderTile);
    const seen = new Set(queues.map((q) => q.queue));
    for (const name of [...tiles.keys()]) if (!seen.has(name)) tiles.delete(name);
    const same = cols.length === tilesEl.children.length && cols.every((c, i) => tilesEl.children[i] === c);
    if (same) return;
    if (cols.length) tilesEl.replaceChildren(...cols);
    else {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = tilesEl.dataset.tEmpty;
      tilesEl.replaceChildren(p);
    }
  }

  function cell(text) { const td = document.createElement("td"); td.textContent = text || ""; return td; }

  function callBackCell(row) {
    const td = document.createElement("td");
    if (row.ticket) {
      const link = document.createElement("a");
      link.href = "/tickets/" + encodeURIComponent(row.ticket);
      link.textContent = abandonedTable.dataset.tTicket + " " + row.ticket;
      td.append(link);
      return td;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-primary btn-sm";
    button.dataset.callBack = row.call_uuid;
    button.textContent = abandonedTable.dataset.tCallBack;
    button.addEventListener("click", () => callBack(row.call_uuid, button));
    td.append(button);
    return td;
  }

  let abandonedKey = "";
  function renderAbandoned(rows) {
    const key = JSON.stringify(rows);
    if (key === abandonedKey) return;
    abandonedKey = key;
    const body = abandonedTable.querySelector("tbody");
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty-state";
      const td = cell(abandonedTable.dataset.tEmpty);
      td.colSpan = 5;
      td.className = "empty text-center";
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.call = row.call_uuid;
      tr.append(cell(new Date(row.started_at).toLocaleTimeString()), cell(row.queue), cell(row.caller_number),
        cell(clock(row.wait_seconds)), callBackCell(row));
      return tr;
    }));
  }

  async function callBack(callUuid, button) {
    button.disabled = true;
    const status = document.getElementById("callback-status");
    try {
      const response = await fetch("/api/wallboard/abandoned/" + encodeURIComponent(callUuid) + "/callback", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf },
      });
      const body = await response.json();
      status.textContent = response.ok ? abandonedTable.dataset.tTicket + " " + body.ticket : body.reason;
      if (response.ok) {
        const link = document.createElement("a");
        link.href = body.url;
        link.textContent = abandonedTable.dataset.tTicket + " " + body.ticket;
        button.replaceWith(link);
      } else button.disabled = false;
    } catch (error) {
      status.textContent = String(error);
      button.disabled = false;
    }
  }

  // One update: what the benchmark times (window.QueueBoard.apply).
  function apply(data) {
    renderTiles(data.queues);
    renderAbandoned(data.abandoned);
    set(statusEl, (data.live ? "" : root.dataset.tOffline + " · ") + new Date(data.at).toLocaleTimeString());
    root.dataset.updated = data.at;
  }

  async function poll() {
    try {
      const response = await fetch(root.dataset.snapshot, { credentials: "same-origin" });
      if (response.ok) apply(await response.json());
    } catch (error) {
      statusEl.textContent = root.dataset.tOffline;
    }
  }

  // Every change the engines publish on the wallboard's event stream (a caller queued, an agent's
  // state) refreshes the figures at once - at most one refresh a second, none while one is on
  // its way; the clock tick below moves what changes with time alone (longest wait, 15 minutes).
  let busy = false;
  let again = false;
  let last = 0;
  async function refresh() {
    if (busy) { again = true; return; }
    const wait = 1000 - (Date.now() - last);
    if (wait > 0) { busy = true; setTimeout(() => { busy = false; refresh(); }, wait); return; }
    busy = true;
    last = Date.now();
    await poll();
    busy = false;
    if (again) { again = false; refresh(); }
  }
  if (root.dataset.stream && window.EventSource) {
    new EventSource(root.dataset.stream).onmessage = refresh;
  }

  window.QueueBoard = { apply };
  refresh();
  setInterval(refresh, Number(root.dataset.poll || 5) * 1000);
})();
