// Agent desktop, beside the screen-pop: the call's queue's call script and canned answers.
// desktop.js sends each pop it shows as a "pop" event. A click on an answer (or Alt+1..9 for
// the first nine shown) inserts its text into the note or description being edited, at the
// cursor; with no such field it copies the text to the clipboard. Many answers: a search box.
(function () {
  "use strict";
  const root = document.querySelector(".desktop");
  const panel = document.getElementById("pop-canned");
  if (!root || !panel) return;
  const $ = (id) => document.getElementById(id);
  const SEARCH_FROM = 6; // answers from which the search box is shown
  let answers = [];
  let field = null; // the note / description textarea last edited

  document.addEventListener("focusin", (event) => {
    if (event.target.matches(".desktop textarea")) field = event.target;
  });

  function say(text) { $("canned-status").textContent = text; }

  async function use(text) {
    if (field && field.isConnected && !field.closest("[hidden]")) {
      const start = field.selectionStart ?? field.value.length;
      field.setRangeText(text, start, field.selectionEnd ?? start, "end");
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.focus();
      say(panel.dataset.tInserted);
      return;
    }
    try {
      await navigator.clipboard.writeText(text);
      say(panel.dataset.tCopied);
    } catch (error) {
      say(text); // no clipboard access: the text is shown to copy by hand
    }
  }

  function render() {
    const words = $("canned-search").value.trim().toLowerCase();
    const matching = answers.filter((a) => !words || (a.title + "\n" + a.text).toLowerCase().includes(words));
    $("canned-list").replaceChildren(...matching.map((a, i) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.testid = "canned-answer";
      button.textContent = (i < 9 ? i + 1 + ". " : "") + a.title;
      if (i < 9) button.setAttribute("aria-keyshortcuts", "Alt+" + (i + 1));
      button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the cursor
      button.addEventListener("click", () => use(a.text));
      const text = document.createElement("span");
      text.className = "canned-text";
      text.textContent = a.text;
      item.append(button, text);
      return item;
    }));
    $("canned-nomatch").hidden = matching.length > 0 || answers.length === 0;
  }

  root.addEventListener("pop", (event) => {
    const canned = (event.detail && event.detail.canned) || { script: [], answers: [] };
    $("canned-script").replaceChildren(...canned.script.map((s) => {
      const part = document.createElement("p");
      const title = document.createElement("strong");
      title.textContent = s.title;
      part.append(title, document.createElement("br"), s.text);
      return part;
    }));
    $("canned-script-box").hidden = canned.script.length === 0;
    answers = canned.answers;
    $("canned-empty").hidden = canned.script.length + answers.length > 0;
    $("canned-help").hidden = answers.length === 0;
    $("canned-search").hidden = answers.length < SEARCH_FROM;
    if ($("canned-search").hidden) $("canned-search").value = "";
    render();
  });

  $("canned-search").addEventListener("input", render);

  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || panel.closest("[hidden]")) return;
    const digit = /^Digit([1-9])$/.exec(event.code || "");
    const button = digit && $("canned-list").querySelectorAll("button")[Number(digit[1]) - 1];
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
