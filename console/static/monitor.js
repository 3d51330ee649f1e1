// Monitoring buttons on live calls: listen / whisper / barge ring the supervisor's phone,
// another mode switches the running session, leave hangs the phone up (/api/monitor).
(function () {
  "use strict";
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const sessions = new Map(); // call uuid -> monitoring session id
  const labels = document.querySelector("[data-monitor-labels]");
  const text = (name) => (labels && labels.dataset["t" + name]) || name;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.message || data.reason || response.statusText);
    return data;
  }

  function button(action, callUuid) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.monitor = action;
    b.dataset.call = callUuid;
    b.textContent = text(action.charAt(0).toUpperCase() + action.slice(1));
    return b;
  }

  // A table cell with the buttons for one live call (the wallboard builds its rows with it).
  function cell(callUuid) {
    const td = document.createElement("td");
    td.className = "monitor";
    ["listen", "whisper", "barge"].forEach((mode) => td.append(button(mode, callUuid)));
    if (sessions.has(callUuid)) td.append(button("leave", callUuid));
    return td;
  }

  document.addEventListener("click", async (event) => {
    const b = event.target.closest("button[data-monitor]");
    if (!b) return;
    const callUuid = b.dataset.call;
    const action = b.dataset.monitor;
    const id = sessions.get(callUuid);
    const status = document.getElementById("monitor-status");
    try {
      if (action === "leave") {
        if (id) await post("/api/monitor/" + id + "/leave");
        sessions.delete(callUuid);
        b.remove();
      } else if (id) {
        await post("/api/monitor/" + id + "/mode", { mode: action });
      } else {
        const data = await post("/api/monitor", { call_uuid: callUuid, mode: action });
        sessions.set(callUuid, data.session_id);
        b.parentElement.append(button("leave", callUuid));
      }
      if (status) status.textContent = text(action.charAt(0).toUpperCase() + action.slice(1)) + ": " + callUuid;
    } catch (error) {
      if (status) status.textContent = error.message;
    }
  });

  // A page about one live call (the call page before its record exists) asks for the buttons
  // with an empty <td data-monitor-call="UUID">.
  document.querySelectorAll("td[data-monitor-call]").forEach((td) => td.replaceWith(cell(td.dataset.monitorCall)));

  window.Monitor = { cell };
})();
