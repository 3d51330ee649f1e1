// The IVR flow editor (templates/admin/flow_edit.html) on the admin JSON API
// (console/flows_api.py): CodeMirror with the flow's YAML, validation as you type (the
// problems listed and marked in the gutter), the graph of a saved version, saving a new
// version with a comment, the versions, the diff of two versions, publishing and rolling back.
(function () {
  "use strict";
  const root = document.getElementById("flow-editor");
  if (!root || !window.CodeMirror) return;
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const t = root.dataset;
  const api = t.api.replace(/\/$/, "");
  const FLOW_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
  let flow = t.flow;
  let versions = [];
  let published = null;

  const problemsList = document.getElementById("problems");
  const checkStatus = document.getElementById("check-status");
  const nameInput = document.getElementById("flow-new-name");

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, (all, key) => (key in values ? String(values[key]) : all));
  }

  function toast(message, kind) {
    if (window.toast) window.toast(message, kind);
  }

  async function call(method, url, body) {
    const options = { method, credentials: "same-origin", headers: { "X-CSRFToken": csrf } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = {};
    try {
      data = await response.json();
    } catch (err) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  function reason(data) {
    return data.message || data.reason || String(data.status || "");
  }

  function flowUrl(path) {
    return api + "/" + encodeURIComponent(flow) + path;
  }

  function showProblems(problems) {
    problemsList.replaceChildren();
    for (const p of problems) {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-danger";
      item.dataset.line = p.line || "";
      item.tabIndex = 0;
      item.textContent = (p.line ? p.line + ":" + p.column + " " : "") + p.message;
      const jump = () => {
        if (!p.line) return;
        editor.setCursor({ line: p.line - 1, ch: Math.max(0, (p.column || 1) - 1) });
        editor.focus();
      };
      item.addEventListener("click", jump);
      item.addEventListener("keydown", (event) => {
        if (event.key === "Enter") jump();
      });
      problemsList.appendChild(item);
    }
    checkStatus.textContent = problems.length ? "(" + problems.length + ")" : t.tValid;
    root.dataset.valid = problems.length ? "false" : "true";
  }

  function annotation(p) {
    const line = Math.max(0, (p.line || 1) - 1);
    const ch = Math.max(0, (p.column || 1) - 1);
    const length = editor.getLine(line) ? editor.getLine(line).length : ch + 1;
    const end = Math.max(ch + 1, length);
    return { from: CodeMirror.Pos(line, ch), to: CodeMirror.Pos(line, end), message: p.message, severity: "error" };
  }

  // the lint addon calls this (debounced) after each change: problems from POST .../validate
  function check(text, done) {
    if (!text.trim()) {
      showProblems([]);
      done([]);
      return;
    }
    checkStatus.textContent = t.tChecking;
    const body = { yaml: text };
    const name = flow || (nameInput && nameInput.value.trim());
    if (name && FLOW_NAME.test(name)) body.name = name;
    call("POST", api + "/validate", body).then(({ ok, data }) => {
      if (editor.getValue() !== text) return; // typed on: a newer check follows
      const problems = ok ? data.problems : [{ line: 0, column: 0, message: reason(data) }];
      showProblems(problems);
      done(problems.filter((p) => p.line).map(annotation));
    });
  }

  const textarea = document.getElementById("flow-yaml");
  const editor = CodeMirror.fromTextArea(textarea, {
    mode: "yaml",
    lineNumbers: true,
    indentUnit: 2,
    tabSize: 2,
    extraKeys: { Tab: (cm) => cm.replaceSelection("  ") },
    gutters: ["CodeMirror-lint-markers", "CodeMirror-linenumbers"],
    lint: { getAnnotations: check, async: true, delay: 400 },
  });
  editor.getInputField().setAttribute("aria-labelledby", "yaml-label");
  editor.getWrapperElement().setAttribute("translate", "no"); // the flow's own text, not the console's
  window.flowEditor = editor; // for the browser tests and the console

  async function showGraph(number) {
    const box = document.getElementById("graph");
    document.getElementById("graph-version").textContent = number ? "v" + number : "";
    box.replaceChildren();
    const note = document.createElement("p");
    note.className = "text-secondary mb-0";
    if (!number) {
      note.textContent = t.tNoGraph;
      box.appendChild(note);
      return;
    }
    const { ok, data } = await call("GET", flowUrl("/versions/" + number + "/graph"));
    if (ok && data.svg) {
      const svg = new DOMParser().parseFromString(data.svg, "image/svg+xml").documentElement;
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", "v" + number);
      box.appendChild(document.importNode(svg, true));
    } else if (ok) {
      note.textContent = t.tNoDot;
      const dot = document.createElement("pre");
      dot.textContent = data.dot;
      box.append(note, dot);
    } else {
      note.textContent = t.tNoGraph;
      box.appendChild(note);
    }
  }

  function button(label, kind, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + kind + " me-1";
    b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function when(iso) {
    const date = new Date(iso.endsWith("Z") || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + "Z");
    return date.toLocaleString(document.documentElement.lang || undefined);
  }

  async function openVersion(number) {
    const { ok, data } = await call("GET", flowUrl("/versions/" + number));
    if (!ok) return toast(reason(data), "danger");
    editor.setValue(data.yaml);
    document.querySelector("[data-testid=editing]").textContent = "v" + number;
    showGraph(data.valid ? number : null);
  }

  async function publish(number) {
    const { ok, data } = await call("POST", flowUrl("/publish"), { version: number });
    if (!ok) {
      const problems = (data.problems || []).map((p) => p.text).join("; ");
      toast(t.tRefused + (problems ? ": " + problems : " (" + reason(data) + ")"), "danger");
      return;
    }
    toast(say(t.tPublished, { number }), "success");
    await loadVersions();
  }

  function fillVersions() {
    const body = document.querySelector("#versions tbody");
    body.replaceChildren();
    for (const v of versions) {
      const row = document.createElement("tr");
      row.dataset.version = v.number;
      const number = cell(row, "v" + v.number + " ");
      if (v.published) {
        const badge = document.createElement("span");
        badge.className = "badge text-bg-success";
        badge.dataset.testid = "published";
        badge.textContent = t.tCurrent;
        number.appendChild(badge);
      }
      cell(row, v.author);
      cell(row, when(v.created_at));
      cell(row, v.comment);
      cell(row, v.valid ? t.tYes : t.tNo);
      const actions = cell(row, "");
      actions.appendChild(button(t.tOpen, "btn-outline-dark", () => openVersion(v.number)));
      if (!v.published) {
        const label = published && v.number < published ? t.tRollback : t.tPublish;
        const b = button(label, "btn-outline-primary", () => publish(v.number));
        b.dataset.testid = "publish";
        b.disabled = !v.valid;
        actions.appendChild(b);
      }
      body.appendChild(row);
    }
    for (const id of ["diff-from", "diff-to"]) {
      const select = document.getElementById(id);
      select.replaceChildren(...versions.map((v) => new Option("v" + v.number, v.number)));
    }
    if (versions.length) {
      document.getElementById("diff-to").value = versions[0].number;
      document.getElementById("diff-from").value = versions[Math.min(1, versions.length - 1)].number;
    }
  }

  async function loadVersions() {
    const { ok, data } = await call("GET", flowUrl("/versions"));
    if (!ok) return toast(reason(data), "danger");
    versions = data.versions;
    const current = versions.find((v) => v.published);
    published = current ? current.number : null;
    fillVersions();
  }

  async function showDiff() {
    const from = document.getElementById("diff-from").value;
    const to = document.getElementById("diff-to").value;
    const out = document.getElementById("diff");
    out.replaceChildren();
    if (!from || !to) return;
    const { ok, data } = await call("GET", flowUrl("/diff?from=" + from + "&to=" + to));
    if (!ok) return toast(reason(data), "danger");
    if (!data.diff) {
      out.textContent = t.tNoDiff;
      return;
    }
    for (const line of data.diff.split("\n")) {
      const span = document.createElement("span");
      if (line.startsWith("@@")) span.className = "hunk";
      else if (line.startsWith("+") && !line.startsWith("+++")) span.className = "add";
      else if (line.startsWith("-") && !line.startsWith("---")) span.className = "del";
      span.textContent = line + "\n";
      out.appendChild(span);
    }
  }

  async function save(event) {
    event.preventDefault();
    if (!flow) {
      const name = nameInput.value.trim();
      if (!FLOW_NAME.test(name)) {
        nameInput.setAttribute("aria-invalid", "true");
        nameInput.focus();
        return toast(t.tName, "danger");
      }
      flow = name;
    }
    const comment = document.getElementById("flow-comment");
    const { ok, data } = await call("POST", flowUrl("/versions"), { yaml: editor.getValue(), comment: comment.value });
    if (!ok) {
      if (!t.flow) flow = "";
      return toast(reason(data), "danger");
    }
    toast(say(t.tSaved, { number: data.number }), "success");
    if (!t.flow) {
      window.location.assign(t.page + encodeURIComponent(flow));
      return;
    }
    comment.value = "";
    document.querySelector("[data-testid=editing]").textContent = "v" + data.number;
    await loadVersions();
    showGraph(data.valid ? data.number : null);
    if (versions.length > 1) showDiff();
  }

  document.getElementById("save-form").addEventListener("submit", save);
  if (!flow) {
    showGraph(null);
    return;
  }
  document.getElementById("diff-form").addEventListener("submit", (event) => {
    event.preventDefault();
    showDiff();
  });
  loadVersions().then(() => {
    if (versions.length) openVersion(versions[0].number);
    else showGraph(null);
  });
})();
