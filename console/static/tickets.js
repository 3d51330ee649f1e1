// Ticket page: dial a scheduled callback through the desktop's dial action (the engine rings
// the agent's phone, then the customer; the call is linked to the ticket once recorded).
(function () {
  "use strict";
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  document.querySelectorAll("button.dial-callback").forEach((button) => {
    button.addEventListener("click", async () => {
      const response = await fetch("/api/desktop/" + encodeURIComponent(button.dataset.agent) + "/dial", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ number: button.dataset.number, ticket: button.dataset.ticket, callback: Number(button.dataset.callback) }),
      });
      const data = await response.json().catch(() => ({}));
      const note = document.getElementById("message");
      note.textContent = response.ok ? "dial " + data.number + " …" : (data.message || data.reason || response.statusText);
      if (window.toast) window.toast(note.textContent, response.ok ? "info" : "danger");
    });
  });
})();
