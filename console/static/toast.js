// Toasts: results of actions in the corner of every page. toast(message, kind) shows one
// (kind: "success", "info", "warning" or "danger"; danger is announced at once as an alert).
// The server's flashed messages arrive already in #toasts and get the same close button.
(function () {
  "use strict";
  const KINDS = ["success", "info", "warning", "danger"];
  const LIFETIME_MS = 8000;

  function region() {
    return document.getElementById("toasts");
  }

  function arm(element) {
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", (region() && region().dataset.tClose) || "Close");
    close.addEventListener("click", () => element.remove());
    element.appendChild(close);
    if (!element.classList.contains("toast-danger")) {
      setTimeout(() => element.remove(), LIFETIME_MS);
    }
  }

  function toast(message, kind) {
    const place = region();
    if (!place) return null;
    const level = KINDS.includes(kind) ? kind : "info";
    const element = document.createElement("div");
    element.className = "toast-msg toast-" + level;
    element.setAttribute("role", level === "danger" ? "alert" : "status");
    element.dataset.kind = level;
    const text = document.createElement("span");
    text.textContent = String(message);
    element.appendChild(text);
    place.appendChild(element);
    arm(element);
    return element;
  }

  window.toast = toast;
  document.querySelectorAll("#toasts .toast-msg").forEach(arm);
})();
