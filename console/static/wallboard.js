// Wallboard: a snapshot on load, then server-sent events; reconnects and resyncs by itself.
(function () {
  "use strict";
  const root = document.querySelector(".wallboard");
  if (!root) return;
  const statusEl = document.getElementById("stream-status");
  const agents = new Map();
  const calls = new Map();

  const stateNames = new Map([...document.querySelectorAll("#state-names [data-state]")].map((li) => [li.dataset.state, li.textContent]));
  function named(state) { return stateNames.get(state) || state || ""; }
  function cell(text) { const td = document.createElement("td"); td.textContent = text || ""; return td; }
  function emptyRow(table, columns) {
    const tr = document.createElement("tr");
    tr.className = "empty-state";
    const td = cell(table.dataset.tEmpty);
    td.colSpan = columns;
    td.className = "empty text-center";
    tr.append(td);
    return tr;
  }
  function fill(table, rows, columns) {
    const body = table.querySelector("tbody");
    if (rows.length) body.replaceChildren(...rows); else body.replaceChildren(emptyRow(table, columns));
  }
  // Times in the center's time zone, written the user's way (data-locale, data-zone).
  const clock = { timeZone: root.dataset.zone || "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  function time(iso) { return iso ? new Date(iso).toLocaleTimeString(root.dataset.locale || undefined, clock) : ""; }

  function render() {
    fill(document.getElementById("agents"), [...agents.values()].sort((a, b) => a.agent_id.localeCompare(b.agent_id)).map((a) => {
      const tr = document.createElement("tr");
      tr.dataset.agent = a.agent_id;
      const state = cell(named(a.state) + (a.reason ? " (" + named(a.reason) + ")" : ""));
      state.className = "state-" + a.state;
      tr.append(cell(a.agent_id + " / " + (a.extension || "")), state, cell(time(a.since)));
      return tr;
    }), 3);
    fill(document.getElementById("calls"), [...calls.values()].map((c) => {
      const tr = document.createElement("tr");
      tr.dataset.call = c.call_uuid;
      const caller = document.createElement("a");
      caller.href = "/calls/" + encodeURIComponent(c.call_uuid);
      caller.textContent = c.caller_number || c.call_uuid;
      const callerCell = document.createElement("td");
      callerCell.append(caller);
      tr.append(callerCell, cell(c.queue), cell(named(c.state)), cell(c.agent_id), cell(time(c.since)));
      if (window.Monitor) tr.append(window.Monitor.cell(c.call_uuid));
      return tr;
    }), 6);
    document.getElementById("n-agents").textContent = [...agents.values()].filter((a) => a.state !== "logged_out").length;
    document.getElementById("n-calls").textContent = calls.size;
    document.getElementById("n-waiting").textContent = [...calls.values()].filter((c) => c.state === "queued").length;
  }

  // Alerts (sensitive words found by transcription): newest first, with a link to the call.
  function showAlert(a) {
    const list = document.getElementById("alerts");
    const item = document.createElement("li");
    item.dataset.testid = "alert";
    item.dataset.call = a.call_uuid || "";
    item.className = "overdue";
    const link = document.createElement("a");
    link.href = "/calls/" + encodeURIComponent(a.call_uuid || "");
    link.textContent = a.call_uuid || "";
    item.append(list.dataset.tSensitive + ": " + (a.words || []).join(", ") + " · ", link);
    list.prepend(item);
  }

  function apply(message) {
    if (message.alert) showAlert(message.alert);
    if (message.agent) agents.set(message.agent.agent_id, message.agent);
    if (message.call) {
      if (message.call.state === "ended") calls.delete(message.call.call_uuid);
      else calls.set(message.call.call_uuid, message.call);
    }
  }

  // Messages that arrive while a snapshot loads are newer than it may be: keep them and
  // apply them after the snapshot, in order, so a slow snapshot never undoes a change.
  let pending = null;

  async function resync() {
    pending = [];
    try {
      const response = await fetch(root.dataset.snapshot, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      agents.clear(); calls.clear();
      data.agents.forEach((a) => agents.set(a.agent_id, a));
      data.calls.forEach((c) => calls.set(c.call_uuid, c));
    } finally {
      const late = pending || [];
      pending = null;
      late.forEach(apply);
      render();
    }
  }

  function connect() {
    const source = new EventSource(root.dataset.stream);
    source.onopen = () => { statusEl.textContent = statusEl.dataset.live; resync(); };
    source.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (pending) { pending.push(message); return; }
      apply(message); render();
    };
    source.onerror = () => { statusEl.textContent = statusEl.dataset.reconnecting; };
  }
  connect();
})();
