"""Layout, translation and accessibility checks of one console page in Playwright.

Each check returns a list of problems (empty: the page passes), so a failing test names them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.i18n import MISSING_MARK, TEXTS

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MARK_START = MISSING_MARK.split("%s")[0]

# English texts with their own Chinese: seeing one on a zh page means a text went untranslated.
# Texts Chinese pages use as is (brand-like abbreviations) are not among them.
SAME_IN_ZH = {"VIP", "CSV", "JSON", "DTMF", "IVR", "#"}
ENGLISH_MSGIDS = {
    msgid
    for msgid, entry in TEXTS.items()
    if entry.get("zh") and entry["zh"] != msgid and msgid not in SAME_IN_ZH and len(msgid) > 1
}
# code values whose English text differs from the msgid: the raw key must not show on en pages
CODE_KEYS = {msgid for msgid, entry in TEXTS.items() if entry.get("en") and entry["en"] != msgid}

HORIZONTAL_SCROLL_JS = "() => document.scrollingElement.scrollWidth - window.innerWidth"

CONTROLS_JS = """() => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  return [...document.querySelectorAll(sel)].filter((el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && !el.closest('[hidden], .visually-hidden-focusable');
  }).map((el) => {
    const r = el.getBoundingClientRect();
    const label = (el.textContent || el.value || '').trim().slice(0, 30);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.name ? '[name=' + el.name + ']' : '') + ' "' + label + '"';
    return {name, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height};
  });
}"""

TEXTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('script, style, [hidden], [translate=no]')) continue;  // no: code, data
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  document.querySelectorAll('[placeholder], [aria-label], [title]').forEach((el) => {
    ['placeholder', 'aria-label', 'title'].forEach((a) => {
      if (el.getAttribute(a)) out.push(el.getAttribute(a).trim());
    });
  });
  return out.concat([document.title.trim()]);
}"""

AXE_RUN_JS = """async (tags) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  const result = await axe.run(document, options);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(
        (n) => n.target.join(' ') + ' ' + (n.failureSummary || '').slice(0, 160))}));
}"""


def horizontal_scroll(page: Any) -> list[str]:
    """A page wider than the window (something forces a horizontal scroll bar)."""
    extra = page.evaluate(HORIZONTAL_SCROLL_JS)
    return [f"scrolls sideways by {extra}px"] if extra > 0 else []


def overlapping_controls(page: Any, tolerance: float = 1.0) -> list[str]:
    """Pairs of visible links, buttons and fields whose boxes intersect."""
    boxes = page.evaluate(CONTROLS_JS)
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > tolerance and dy > tolerance:
                found.append(f"{a['name']} overlaps {b['name']}")
    return found


def untranslated(page: Any, language: str) -> list[str]:
    """Missing msgids (marked by the console in test mode), English catalogue texts on a zh
    page, raw code values (``in_progress``) on an en page."""
    found = []
    for text in page.evaluate(TEXTS_JS):
        if MARK_START in text:
            found.append(f"missing from the catalogue: {text!r}")
        elif language == "zh" and text.rstrip(":：") in ENGLISH_MSGIDS:
            found.append(f"English on a zh page: {text!r}")
        elif language == "en" and text in CODE_KEYS:
            found.append(f"code value instead of English: {text!r}")
    return found


def accessibility(page: Any) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations."""
    assert AXE_JS.exists(), f"{AXE_JS} is missing: scripts/install.sh installs axe-core"
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(AXE_RUN_JS, AXE_TAGS)
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in violations]
