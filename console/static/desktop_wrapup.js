// Agent desktop, wrap-up panel: the queue's disposition codes and notes for the call just
// ended. desktop.js sends the snapshot's wrap_up ({codes, required, saved}) as a "wrapup"
// event; when the queue requires a code, Finish wrap-up waits until one is saved.
(function () {
  "use strict";
  const root = document.querySelector(".desktop");
  const form = document.getElementById("wrapup-form");
  if (!root || !form) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const $ = (id) => document.getElementById(id);
  const status = $("wrapup-saved");
  let shownCodes = null;
  let wrap = null;

  function lockFinish() {
    const locked = Boolean(wrap && wrap.required && !(wrap.saved && wrap.codes.includes(wrap.saved.code)));
    $("btn-finish").disabled = locked;
    if (locked) status.textContent = status.dataset.tRequired;
  }

  root.addEventListener("wrapup", (event) => {
    wrap = event.detail;
    if (!wrap) return;
    const codes = wrap.codes || [];
    if (shownCodes !== codes.join("\n")) {
      shownCodes = codes.join("\n");
      $("wrapup-code").replaceChildren(...[""].concat(codes).map((code) => {
        const option = document.createElement("option");
        option.value = code;
        option.textContent = code || "—";
        return option;
      }));
    }
    const focused = document.activeElement === $("wrapup-code");
    $("wrapup-code-label").hidden = !codes.length;
    if (focused && !codes.length) $("wrapup-notes").focus(); // no codes: the notes are first
    status.textContent = "";
    if (wrap.saved) {
      $("wrapup-code").value = wrap.saved.code;
      $("wrapup-notes").value = wrap.saved.notes;
      status.textContent = status.dataset.tSaved;
    }
    lockFinish();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(form.dataset.saveApi, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ code: $("wrapup-code").value, notes: $("wrapup-notes").value }),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      status.textContent = data.message || data.reason || response.statusText;
      if (window.toast) window.toast(data.message || data.reason || response.statusText, "danger");
      return;
    }
    if (wrap) wrap.saved = { code: data.code, notes: data.notes };
    lockFinish();
    status.textContent = status.dataset.tSaved;
  });
})();
