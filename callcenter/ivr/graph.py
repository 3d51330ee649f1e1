"""Draws a flow with graphviz: nodes labelled by id, type and prompt; edges by digit/branch."""

from __future__ import annotations

from pathlib import Path

import graphviz

from callcenter.ivr.errors import IvrError
from callcenter.ivr.model import ConditionNode, Flow, Node, QueueNode, TransferNode

__all__ = ["flow_graph", "render_graph"]

_SHAPES = {
    "menu": "box",
    "collect": "box",
    "speech": "box",
    "survey": "box",
    "play": "note",
    "condition": "diamond",
    "schedule": "diamond",
    "lookup": "cylinder",
    "set": "component",
    "goto": "cds",
    "queue": "doubleoctagon",
    "transfer": "doubleoctagon",
    "voicemail": "tab",
    "hangup": "Msquare",
}
_FORMATS = ("svg", "png", "pdf")


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _label(node: Node) -> str:
    lines = [node.id, f"[{node.type}]"]
    if node.label:
        lines.append(node.label)
    prompt = next((prompt for _, prompt in node.prompts()), None)
    if prompt is not None:
        lines.append(_short(prompt.text))
    if isinstance(node, ConditionNode):
        lines.append(_short(node.if_.source))
    if isinstance(node, QueueNode):
        lines.append(f"queue {node.queue}")
    if isinstance(node, TransferNode):
        lines.append(f"to {node.to}")
    return "\\n".join(graphviz.escape(line.replace("\\", "\\\\")) for line in lines)


def flow_graph(flow: Flow) -> graphviz.Digraph:
    """The flow as a graphviz Digraph (call ``.source`` for DOT text)."""
    dot = graphviz.Digraph(name=flow.name, comment=flow.description or flow.name)
    dot.attr(rankdir="TB", label=graphviz.escape(f"flow {flow.name}"), labelloc="t")
    dot.attr("node", fontname="Helvetica", fontsize="10", style="rounded")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    dot.node(
        "__start__",
        "start",
        shape="circle",
        style="filled",
        fillcolor="black",
        fontcolor="white",
        width="0.3",
    )
    dot.edge("__start__", flow.start.target)
    outside: set[str] = set()
    for node in flow.nodes.values():
        dot.node(node.id, _label(node), shape=_SHAPES.get(node.type, "box"))
        for edge in node.edges():
            target = edge.ref.target
            if edge.ref.flow is not None and edge.ref.flow != flow.name:
                label = f"flow {edge.ref.flow}" + (
                    f"\nnode {edge.ref.node}" if edge.ref.node else ""
                )
                target = "__flow__" + target.replace(":", "__")  # ':' means a port in DOT
                if target not in outside:
                    outside.add(target)
                    dot.node(target, graphviz.escape(label), shape="ellipse", style="dashed")
            elif edge.ref.flow == flow.name:
                target = edge.ref.node or flow.start.target
            label = edge.label if edge.label not in ("next", "target") else ""
            dot.edge(node.id, target, label=graphviz.escape(label))
    return dot


def render_graph(flow: Flow, out: Path | str) -> Path:
    """Write the picture; the format comes from the suffix (.svg .png .pdf, or .dot/.gv text)."""
    out = Path(out)
    dot = flow_graph(flow)
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("dot", "gv"):
        out.write_text(dot.source, encoding="utf-8")
        return out
    if suffix not in _FORMATS:
        raise IvrError(f"cannot draw to {out.name}: use a .svg, .png, .pdf or .dot file name")
    try:
        written = dot.render(outfile=out, format=suffix, cleanup=True)
    except graphviz.ExecutableNotFound:
        raise IvrError(
            "graphviz's 'dot' program is not installed; install it (apt-get install graphviz) "
            "or write a .dot file instead"
        ) from None
    except graphviz.CalledProcessError as exc:
        raise IvrError(f"graphviz failed to draw the flow: {exc.stderr or exc}") from None
    return Path(written)
