"""Checks of a flow's links: edges lead somewhere, every node is reachable, no idle loop."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from callcenter.ivr.errors import Problem
from callcenter.ivr.loader import Draft
from callcenter.ivr.model import Ref
from callcenter.ivr.yaml_text import suggest

if TYPE_CHECKING:
    from callcenter.ivr.checks import FlowNodes

__all__ = ["check_loops", "check_reachable", "check_targets"]


def _refs(draft: Draft) -> Iterator[tuple[str, Ref]]:
    for node_id, node in draft.nodes.items():
        for edge in node.edges():
            yield node_id, edge.ref
    for node_id, refs in draft.broken.items():
        for ref in refs or ():
            yield node_id, ref


def check_targets(draft: Draft, flow_nodes: FlowNodes | None, out: list[Problem]) -> None:
    """Every edge leads to a node of this flow or of a flow that exists."""
    ids = draft.node_ids
    refs = list(_refs(draft))
    if draft.start is not None:
        refs.insert(0, ("", draft.start))
    for source, ref in refs:
        where = f"node '{source}'" if source else "start"
        if ref.flow is None:
            if ref.target not in ids:
                hint = suggest(ref.target, ids) or f" (nodes: {', '.join(sorted(ids)) or 'none'})"
                out.append(
                    Problem.at(
                        draft.file, ref.pos, f"{where}: missing target node '{ref.target}'{hint}"
                    )
                )
            continue
        if ref.flow == draft.name:
            other: Collection[str] | None = ids
        else:
            other = flow_nodes(ref.flow) if flow_nodes else None
        if other is None:
            out.append(
                Problem.at(
                    draft.file,
                    ref.pos,
                    (
                        f"{where}: unknown flow '{ref.flow}' in '{ref.target}'; "
                        f"add {ref.flow}.yaml next to this file"
                    ),
                )
            )
        elif ref.node is not None and ref.node not in other:
            hint = suggest(ref.node, other)
            out.append(
                Problem.at(
                    draft.file,
                    ref.pos,
                    f"{where}: flow '{ref.flow}' has no node '{ref.node}'{hint}",
                )
            )


def check_reachable(draft: Draft, out: list[Problem]) -> None:
    """Every node can be reached from the start node."""
    if (
        draft.start is None
        or draft.start.flow is not None
        or draft.start.target not in draft.node_ids
    ):
        return
    if any(refs is None for refs in draft.broken.values()):
        return  # a node of unknown type has unknown edges: any verdict could be wrong
    links: dict[str, list[str]] = {}
    for source, ref in _refs(draft):
        if ref.flow is None or ref.flow == draft.name:
            links.setdefault(source, []).append(ref.node or "")
    seen = {draft.start.target}
    todo = [draft.start.target]
    while todo:
        for nxt in links.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for node_id, pos in draft.node_pos.items():
        if node_id not in seen:
            out.append(
                Problem.at(
                    draft.file,
                    pos,
                    (
                        f"node '{node_id}' is unreachable from the start node "
                        f"'{draft.start.target}'; link to it or delete it"
                    ),
                )
            )


def check_loops(draft: Draft, out: list[Problem]) -> None:
    """Report each cycle made only of nodes that never wait for the caller (Tarjan's SCCs)."""
    instant = {node_id: node for node_id, node in draft.nodes.items() if node.instant}
    graph = {
        node_id: [
            e.ref.node
            for e in node.edges()
            if e.ref.flow in (None, draft.name) and e.ref.node in instant
        ]
        for node_id, node in instant.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(root: str) -> None:  # iterative: a long chain must not hit the recursion limit
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node_id, i = work.pop()
            if i == 0:
                index[node_id] = low[node_id] = len(index)
                stack.append(node_id)
                on_stack.add(node_id)
            else:
                low[node_id] = min(low[node_id], low[graph[node_id][i - 1]])
            edges = graph[node_id]
            while i < len(edges):
                nxt = edges[i]
                if nxt not in index:
                    break
                if nxt in on_stack:
                    low[node_id] = min(low[node_id], index[nxt])
                i += 1
            if i < len(edges):
                work.append((node_id, i + 1))
                work.append((edges[i], 0))
                continue
            if low[node_id] == index[node_id]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node_id:
                        break
                components.append(component)

    for node_id in graph:
        if node_id not in index:
            visit(node_id)
    for component in components:
        if len(component) == 1 and component[0] not in graph[component[0]]:
            continue
        members = sorted(
            component, key=lambda n: (draft.node_pos[n].line, draft.node_pos[n].column)
        )
        cycle = " -> ".join([*members, members[0]])
        out.append(
            Problem.at(
                draft.file,
                draft.node_pos[members[0]],
                (
                    f"loop that never waits for the caller: {cycle}; add a menu, collect, "
                    f"play or other node that waits, or break the loop"
                ),
            )
        )
