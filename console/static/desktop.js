// Agent desktop: snapshot on load and after every (re)connect, then server-sent events.
// Screen-pop: when the agent's state carries a call_uuid the pop data is fetched and shown.
// Only the controls the agent's state allows are shown (CONTROLS; desktop_keys.js adds the
// Alt+<key> shortcuts and moves the focus along); a call ringing in a hidden tab is announced
// by a browser notification and a short tone.
(function () {
  "use strict";
  const root = document.querySelector(".desktop");
  if (!root) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const agentId = root.dataset.agent;
  const $ = (id) => document.getElementById(id);
  let agent = {};
  let popUuid = "";
  let wrapDeadline = null; // Date.now() value when wrap-up ends (from the snapshot)

  // The controls each state allows (element ids); every other control is hidden.
  const CALL = ["btn-hangup", "cti-form", "dtmf-form", "notready-form", "btn-logout"];
  const CONTROLS = {
    logged_out: ["signin-form"],
    not_ready: ["btn-ready", "notready-form", "btn-logout", "dial-form"],
    available: ["notready-form", "btn-logout", "dial-form"],
    // offered: answering is the phone's job; the desktop shows who rings
    reserved: ["ringing", "notready-form", "btn-logout"],
    ringing: ["ringing", "notready-form", "btn-logout"],
    on_call: CALL.concat(["btn-hold", "btn-record-pause", "btn-record-resume"]),
    on_hold: CALL.concat(["btn-unhold", "btn-consult-complete", "btn-consult-cancel", "btn-conference"]),
    wrap_up: ["wrapup", "notready-form", "btn-logout", "dial-form"],
  };
  // States in which not ready / sign out wait for the end of the call (the engine's "pending").
  const OFFERED = ["reserved", "ringing"];
  const DEFERRING = OFFERED.concat(["on_call", "on_hold"]);
  const MANAGED = new Set(Object.values(CONTROLS).flat().concat(["btn-cancel-pending"]));

  // Names from the page's catalogue lists (hidden <ul>s): state codes, actions.
  const listed = (id, key) => new Map([...document.querySelectorAll("#" + id + " li")].map((li) => [li.dataset[key], li.textContent]));
  const stateNames = listed("state-names", "state");
  const actionNames = listed("action-names", "action");
  const named = (state) => stateNames.get(state) || state || "";
  // The engine's refusal: its action named in the page's language and its reason as the
  // console translated it on the stream ("message", with the values inside the sentence).
  function refusal(message) {
    const template = $("action-names").dataset.tRefused || "%(action)s refused: %(reason)s";
    const why = message.message || message.error;
    return template.replace("%(action)s", actionNames.get(message.action) || message.action || "").replace("%(reason)s", why);
  }

  function say(text, isError) {
    const el = $("message");
    el.textContent = text || "";
    el.className = isError ? "note error" : "note";
  }

  function showControls(state, pending) {
    const shown = new Set(CONTROLS[state] || []);
    const deferring = DEFERRING.includes(state);
    if (pending && deferring) shown.add("btn-cancel-pending");
    MANAGED.forEach((id) => { $(id).hidden = !shown.has(id); });
    // asked while a call is offered or up, these take effect after it
    [["btn-not-ready", root.dataset.tNotReadyAfter], ["btn-logout", root.dataset.tLogoutAfter]].forEach(([id, after]) => {
      $(id).textContent = deferring ? after : $(id).dataset.label;
    });
    const box = $("agent-pending");
    box.hidden = !pending;
    if (pending) {
      const [kind, reason] = [pending.split(":")[0], pending.slice(pending.indexOf(":") + 1)];
      const what = kind === "logout" ? root.dataset.tSignout : $("btn-not-ready").dataset.label + " (" + named(reason) + ")";
      box.textContent = root.dataset.tAfterCall + ": " + what;
    }
    root.dispatchEvent(new CustomEvent("controls", { detail: { state: state } })); // desktop_keys.js
  }

  // A call offered while the tab is hidden: a notification (permission asked on sign-in) and a tone.
  let audio = null;
  let announced = "";
  const wakeAudio = () => {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    if (audio && audio.state === "suspended") audio.resume();
  };
  document.addEventListener("pointerdown", wakeAudio, { once: true });
  document.addEventListener("keydown", wakeAudio, { once: true });

  function askNotifications() {
    wakeAudio();
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }

  function tone() {
    if (!audio) wakeAudio();
    if (!audio) return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.value = 0.2;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.4);
  }

  function announce(uuid, caller) {
    if (!document.hidden || announced === uuid || !OFFERED.includes(agent.state)) return;
    announced = uuid;
    if ("Notification" in window && Notification.permission === "granted") {
      const note = new Notification(root.dataset.tRinging + (caller ? ": " + caller : ""), { body: caller || "", tag: uuid });
      note.onclick = () => { window.focus(); note.close(); };
    }
    tone();
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) say(data.message || data.reason || response.statusText, true);
    return { ok: response.ok, data: data };
  }

  function li(text, cls) { const el = document.createElement("li"); el.textContent = text; if (cls) el.className = cls; return el; }

  function showAgent(a) {
    agent = Object.assign(agent, a);
    $("agent-state").textContent = named(agent.state || "logged_out");
    $("agent-state").className = "state-" + (agent.state || "logged_out");
    $("agent-reason").textContent = agent.reason ? "(" + named(agent.reason) + ")" : "";
    showControls(agent.state || "logged_out", agent.pending || "");
    if (agent.state !== "wrap_up") wrapDeadline = null;
    tick();
    const uuid = agent.call_uuid || "";
    if (uuid && uuid !== popUuid) loadPop(uuid);
    if (!uuid && popUuid && agent.state !== "wrap_up") hidePop();
  }

  function tick() {
    if (!agent.since) { $("state-time").textContent = "-"; return; }
    const seconds = Math.max(0, Math.round((Date.now() - new Date(agent.since).getTime()) / 1000));
    $("state-time").textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    $("wrapup-left").textContent = wrapDeadline == null ? "-" : String(Math.max(0, Math.ceil((wrapDeadline - Date.now()) / 1000)));
  }

  // The server says how many seconds are left (no clock skew between browser and server).
  function showWrapUp(w) {
    wrapDeadline = w && agent.state === "wrap_up" ? Date.now() + w.seconds_left * 1000 : null;
    tick();
    root.dispatchEvent(new CustomEvent("wrapup", { detail: w || null })); // desktop_wrapup.js
  }

  function showStats(s) {
    $("st-calls").textContent = s.calls_today;
    $("st-aht").textContent = s.average_handle_seconds == null ? "-" : Math.round(s.average_handle_seconds) + " s";
    $("st-missed").textContent = s.missed_today;
  }

  function hidePop() { popUuid = ""; $("pop").hidden = true; }

  async function loadPop(uuid) {
    popUuid = uuid;
    const response = await fetch(root.dataset.popApi + encodeURIComponent(uuid), { credentials: "same-origin" });
    if (!response.ok) { announce(uuid, ""); return; }
    const data = await response.json();
    showPop(data);
    announce(uuid, data.call.caller_number || "");
  }

  function showPop(p) {
    const call = p.call;
    popUuid = call.call_uuid;
    $("pop").hidden = false;
    $("pop").dataset.call = call.call_uuid;
    root.dispatchEvent(new CustomEvent("pop", { detail: p })); // desktop_canned.js
    $("pop-caller").textContent = call.caller_number || "?";
    $("ringing-caller").textContent = call.caller_number || "?";
    $("pop-queue").textContent = call.queue || "-";
    $("pop-wait").textContent = call.wait_seconds == null ? "-" : Math.round(call.wait_seconds);
    $("pop-state").textContent = named(call.state);
    // the engine's path entries are {node, value}; the inputs show what the caller entered
    const path = (call.ivr_path || []).map((step) => (step && typeof step === "object" ? step.node : step));
    $("pop-ivr").textContent = path.join(" > ") || "-";
    const inputs = Object.entries(call.ivr_inputs || {}).map(([k, v]) => k + "=" + v).join(", ");
    $("pop-inputs").textContent = inputs ? "(" + inputs + ")" : "";
    const box = $("pop-customer");
    box.replaceChildren();
    root.dataset.customer = "";
    $("pop-all-tickets").hidden = !p.customer;
    if (p.customer) {
      root.dataset.customer = p.customer.id;
      $("pop-all-tickets").href = root.dataset.customerTickets + encodeURIComponent(p.customer.id);
      const a = document.createElement("a");
      a.href = "/customers/" + p.customer.id;
      a.textContent = p.customer.name;
      a.dataset.testid = "pop-customer-name";
      box.append(a);
      if (p.customer.vip) { const v = document.createElement("span"); v.className = "vip"; v.textContent = "VIP"; box.append(" ", v); }
      if (p.customer.region) box.append(" · " + p.customer.region + " ");
      (p.customer.tags || []).forEach((t) => { const s = document.createElement("span"); s.className = "tag"; s.textContent = t; box.append(s); });
      $("quick-customer").hidden = true;
    } else {
      box.textContent = root.dataset.tUnknown;
      $("quick-customer").hidden = false;
    }
    const tickets = $("pop-tickets");
    tickets.replaceChildren(...p.open_tickets.map((t) => {
      const item = document.createElement("li");
      item.dataset.ticket = t.number;
      if (t.overdue) item.className = "overdue";
      const a = document.createElement("a");
      a.href = "/tickets/" + encodeURIComponent(t.number);
      a.textContent = t.number + " " + t.subject + " (" + t.status + ")";
      const link = document.createElement("button");
      link.textContent = root.dataset.tLink;
      link.className = "link-call";
      link.addEventListener("click", async () => {
        const r = await post("/api/tickets/" + encodeURIComponent(t.number) + "/link_call", { call_uuid: popUuid, caller_number: call.caller_number });
        if (r.ok) say(t.number + " ✓");
      });
      item.append(a, " ", link);
      return item;
    }));
    if (!p.open_tickets.length) tickets.append(li(root.dataset.tNone));
    $("pop-calls").replaceChildren(...p.last_calls.map((c) => li(new Date(c.started_at).toLocaleString() + " " + (c.queue || "") + " " + (c.disposition || ""))));
  }

  // Events that arrive while the snapshot loads may be newer than it: apply them after it.
  let pending = null;

  async function resync() {
    pending = [];
    try {
      const response = await fetch(root.dataset.snapshot, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      agent = {};
      showAgent(data.agent);
      showStats(data.stats);
      showWrapUp(data.wrap_up);
      if (data.pop) showPop(data.pop); else if (!data.agent.call_uuid) hidePop();
    } finally {
      const late = pending || [];
      pending = null;
      late.forEach(onEvent);
    }
  }

  function onEvent(message) {
    if (message.agent) {
      const before = agent.state;
      const until = agent.wrap_up_until;
      showAgent(message.agent);
      // a new state or a moved wrap-up deadline (extend): the server says the time left
      if (before !== message.agent.state || until !== agent.wrap_up_until) refreshStats();
    }
    if (message.call && message.call.call_uuid === popUuid) {
      if (message.call.state === "ended") $("pop-state").textContent = named("ended");
      else loadPop(popUuid);
    }
    if (message.channel === "agent") {
      if (message.error && window.toast) window.toast(refusal(message), "danger");
      if (message.error) say(refusal(message), true);
      else if (message.done) say(message.done + " ✓");
    }
    if (message.ticket_alert) showAlert(message.ticket_alert);
  }

  function showAlert(a) {
    const item = document.createElement("li");
    item.dataset.testid = "ticket-alert";
    item.dataset.ticket = a.number;
    const link = document.createElement("a");
    link.href = "/tickets/" + encodeURIComponent(a.number);
    link.textContent = a.number;
    let text = " " + a.subject;
    if (a.escalated && a.target) text += " · " + root.dataset.tEscalated + " " + a.target;
    if (a.resolve_overdue || a.response_overdue) { text += " · " + root.dataset.tOverdue; item.className = "overdue"; }
    item.append(link, text);
    $("alerts").prepend(item);
  }

  async function refreshStats() {
    const response = await fetch(root.dataset.snapshot, { credentials: "same-origin" });
    if (!response.ok) return;
    const data = await response.json();
    showStats(data.stats);
    showWrapUp(data.wrap_up);
  }

  function connect() {
    const status = $("stream-status");
    const source = new EventSource(root.dataset.stream);
    source.onopen = () => { status.textContent = root.dataset.tLive; resync(); };
    source.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (pending) pending.push(message); else onEvent(message);
    };
    source.onerror = () => { status.textContent = root.dataset.tReconnecting; };
  }

  const api = root.dataset.api;
  document.querySelectorAll("button[data-action]").forEach((button) => {
    button.addEventListener("click", async () => {
      const r = await post(api + "/" + button.dataset.action, {});
      if (r.ok) say(button.dataset.action + " …");
    });
  });
  $("btn-extend").addEventListener("click", async () => {
    if ($("btn-extend").dataset.unavailable) return;
    const r = await post(api + "/extend_wrap_up", { seconds: Number($("btn-extend").dataset.extend) });
    if (r.ok) { say("extend_wrap_up …"); refreshStats(); }
  });
  document.querySelectorAll("button[data-unavailable]").forEach((button) => {
    button.addEventListener("click", () => say(button.textContent + ": " + root.dataset.tUnavailable, true));
  });
  // Transfer / consult: the target kind (agent, queue, number) names the body field.
  let ctiAction = "transfer";
  document.querySelectorAll("button[data-cti]").forEach((button) => {
    button.addEventListener("click", () => { ctiAction = button.dataset.cti; });
  });
  $("cti-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    body[$("cti-target").value] = $("cti-to").value.trim();
    const r = await post(api + "/" + ctiAction, body);
    if (r.ok) say(ctiAction + " " + $("cti-to").value + " …");
  });
  $("dtmf-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const r = await post(api + "/dtmf", { digits: $("dtmf-digits").value.trim() });
    if (r.ok) { say("dtmf …"); $("dtmf-digits").value = ""; }
  });
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    askNotifications();
    const r = await post(root.dataset.desktopApi + "/sign_in", { extension: $("extension").value });
    if (r.ok) say("login …");
  });
  $("notready-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const r = await post(api + "/not_ready", { reason: $("nr-reason").value });
    if (r.ok) say("not_ready …");
  });
  $("dial-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const r = await post(root.dataset.desktopApi + "/dial", { number: $("dial-number").value });
    if (r.ok) say("dial " + r.data.number + " …");
  });
  $("quick-customer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const r = await post("/api/customers", {
      name: form.name.value, region: form.region.value, vip: form.vip.checked, phones: [$("pop-caller").textContent],
    });
    if (r.ok) loadPop(popUuid);
  });
  $("pop-ticket-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const r = await post("/api/tickets", {
      subject: form.subject.value, category: form.category.value, priority: form.priority.value,
      description: form.description.value, call_uuid: popUuid,
      customer_id: root.dataset.customer ? Number(root.dataset.customer) : null,
    });
    if (r.ok) {
      say(r.data.number + " ✓");
      form.reset();
      const created = document.createElement("a");
      created.href = "/tickets/" + encodeURIComponent(r.data.number);
      created.textContent = r.data.number;
      created.dataset.testid = "created-ticket";
      $("message").append(" ", created);
      loadPop(popUuid);
    }
  });
  setInterval(tick, 1000);
  connect();
})();
