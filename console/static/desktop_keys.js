// Agent desktop, keyboard: Alt+<data-key> clicks the visible control with that key (titles and
// the help line say which), and when a new state hides the focused control the focus moves to
// that state's first control, so a whole shift can be worked from the keyboard. desktop.js
// sends a "controls" event ({state}) each time it shows the controls of the agent's state.
(function () {
  "use strict";
  const root = document.querySelector(".desktop");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const visible = (el) => Boolean(el) && !el.closest("[hidden]");
  // The control each state's work starts from: the first visible one of the list.
  const FIRST = {
    logged_out: ["btn-login"],
    not_ready: ["btn-ready"],
    available: ["nr-reason"],
    on_call: ["btn-hold", "btn-hangup"],
    on_hold: ["btn-unhold", "btn-hangup"],
    wrap_up: ["wrapup-code", "wrapup-notes"],
  };
  let shownState = null;

  function labelShortcuts() {
    const help = new Map();
    document.querySelectorAll("[data-key]").forEach((el) => {
      const combo = "Alt+" + el.dataset.key;
      el.title = el.textContent.trim() + " (" + combo + ")";
      el.setAttribute("aria-keyshortcuts", combo);
      if (visible(el)) help.set(combo, (help.has(combo) ? help.get(combo) + " / " : "") + el.textContent.trim());
    });
    $("shortcut-help").textContent = help.size
      ? root.dataset.tKeys + ": " + Array.from(help, ([combo, label]) => combo + " " + label).join(" · ")
      : "";
  }

  // Only when the focus was lost (on a control the state hid, or nowhere): never while typing.
  function keepFocus(state) {
    const active = document.activeElement;
    if (active && active !== document.body && visible(active)) return;
    const id = (FIRST[state] || []).find((candidate) => visible($(candidate)));
    if (id) $(id).focus();
  }

  root.addEventListener("controls", (event) => {
    labelShortcuts();
    const state = event.detail.state;
    if (shownState !== null && shownState !== state) keepFocus(state);
    shownState = state;
  });

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    const key = (event.code || "").replace(/^Key/, "");
    const target = Array.from(document.querySelectorAll("[data-key]")).find((el) => el.dataset.key === key && visible(el));
    if (!target) return;
    event.preventDefault();
    if (target.id === "btn-transfer" && !$("cti-to").value.trim()) { $("cti-to").focus(); return; }
    target.click();
  });
})();
