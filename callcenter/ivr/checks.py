"""Checks across a flow's nodes (targets, reachability, prompts, queues, loops, variables)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from callcenter.ivr.errors import FlowError, Pos, Problem
from callcenter.ivr.limits import FlowLimits, decode
from callcenter.ivr.loader import Draft, parse_flow
from callcenter.ivr.model import (
    CollectNode,
    ConditionNode,
    Expr,
    Flow,
    LookupNode,
    Node,
    Prompt,
    QueueNode,
    Ref,
    SetNode,
    SpeechNode,
    SurveyNode,
    TransferNode,
)
from callcenter.ivr.reader import suggest
from callcenter.ivr.variables import BUILTIN_VARIABLES

__all__ = [
    "CUSTOMER_FIELDS",
    "Checks",
    "check_draft",
    "internal_problem",
    "load_flow",
    "read_draft",
    "validate",
]

CUSTOMER_FIELDS = ("id", "name", "vip", "region", "tags", "notes")
FlowNodes = Callable[[str], Collection[str] | None]


@dataclass(frozen=True)
class Checks:
    """What the checks need from outside the file; None skips that check."""

    prompts_dir: Path | None = None
    known_queues: Collection[str] | None = None
    flow_nodes: FlowNodes | None = None  # another flow's node ids, None if there is no such flow


def read_draft(path: Path, limits: FlowLimits = FlowLimits()) -> Draft:
    """Parse a file; an unreadable, too large or not UTF-8 file becomes a problem."""
    draft = Draft(str(path))
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)  # never more than the limit
    except OSError as exc:
        draft.problems.append(Problem(str(path), 0, 0, f"cannot read the file: {exc}"))
        return draft
    if len(data) > limits.max_bytes:
        message = f"the file is larger than {limits.max_bytes} bytes (setting ivr.max_flow_bytes)"
        draft.problems.append(Problem(str(path), 1, 1, message))
        return draft
    text, problem = decode(data, str(path))
    if text is None:
        draft.problems.append(problem)  # type: ignore[arg-type]
        return draft
    return parse_flow(text, str(path), limits)


def internal_problem(file: str, exc: BaseException) -> Problem:
    """A problem for an unexpected failure while checking ``file`` (so it is never loaded)."""
    return Problem(
        file, 1, 1, f"cannot check this file ({type(exc).__name__}: {str(exc)[:200]}); not loaded"
    )


def sibling_flows(
    folder: Path, known: dict[str, Draft] | None = None, limits: FlowLimits = FlowLimits()
) -> FlowNodes:
    """Resolve another flow by name among ``known`` drafts, else from ``folder/<name>.yaml``."""
    cache: dict[str, Collection[str] | None] = {}

    def resolve(name: str) -> Collection[str] | None:
        if known and name in known:
            return known[name].node_ids
        if name not in cache:
            cache[name] = None
            for suffix in (".yaml", ".yml"):
                path = folder / f"{name}{suffix}"
                if path.is_file():
                    draft = read_draft(path, limits)
                    cache[name] = draft.node_ids if draft.name == name else None
                    break
        return cache[name]

    return resolve


def _refs(draft: Draft) -> Iterator[tuple[str, Ref]]:
    for node_id, node in draft.nodes.items():
        for edge in node.edges():
            yield node_id, edge.ref
    for node_id, refs in draft.broken.items():
        for ref in refs or ():
            yield node_id, ref


def _check_targets(draft: Draft, checks: Checks, out: list[Problem]) -> None:
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
            other = checks.flow_nodes(ref.flow) if checks.flow_nodes else None
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


def _check_reachable(draft: Draft, out: list[Problem]) -> None:
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


def _check_loops(draft: Draft, out: list[Problem]) -> None:
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


def _written(node: Node) -> list[str]:
    if isinstance(node, SetNode):
        return list(node.values)
    if isinstance(node, CollectNode | SpeechNode | SurveyNode):
        return [node.into]
    if isinstance(node, LookupNode):
        return list(node.results)
    return []


def _reads(node: Node) -> Iterator[tuple[str, Pos]]:
    exprs: list[Expr] = []
    if isinstance(node, ConditionNode):
        exprs.append(node.if_)
    if isinstance(node, SetNode):
        exprs.extend(value for value in node.values.values() if isinstance(value, Expr))
    for expr in exprs:
        for name, column in expr.expression.names:
            yield name, expr.pos_of_column(column)
    for _, prompt in node.prompts():
        for name in prompt.variables:
            yield name, prompt.pos
    texts: list[tuple[str | None, str]] = []
    if isinstance(node, TransferNode):
        texts.append((node.to, "to"))
    if isinstance(node, LookupNode):
        texts.append((node.url, "url"))
    for text, field_name in texts:
        for name in Prompt(text or "").variables:
            yield name, node.mark(field_name)


def _check_node(
    draft: Draft, node: Node, checks: Checks, known: set[str], out: list[Problem]
) -> None:
    file, what = draft.file, f"node '{node.id}' ({node.type})"
    for name in _written(node):
        if name in BUILTIN_VARIABLES:
            out.append(
                Problem.at(
                    file,
                    node.pos,
                    (
                        f"{what}: '{name}' is a built-in variable and cannot be set; choose "
                        f"another name"
                    ),
                )
            )
    for name, pos in _reads(node):
        if name not in known:
            out.append(
                Problem.at(
                    file,
                    pos,
                    (
                        f"{what}: unknown variable '{name}'{suggest(name, known)}; set "
                        f"it earlier or declare it under variables:"
                    ),
                )
            )
    if checks.prompts_dir is not None:
        for field_name, prompt in node.prompts():
            if prompt.kind != "file" or prompt.variables:
                continue
            path = Path(prompt.text)
            if not path.is_absolute():
                path = checks.prompts_dir / path
            if not path.is_file() and not _in_rate_folder(path):
                out.append(
                    Problem.at(
                        file,
                        prompt.pos,
                        (
                            f"{what} {field_name}: prompt file '{prompt.text}' not found in "
                            f"the prompts folder {checks.prompts_dir}; import it (callcenter "
                            f"prompts import) or use say:, tone_stream:// or silence_stream://"
                        ),
                    )
                )
    if (
        isinstance(node, QueueNode)
        and checks.known_queues is not None
        and node.queue not in checks.known_queues
    ):
        known_queues = sorted(checks.known_queues)
        hint = (
            suggest(node.queue, known_queues) or f" (queues: {', '.join(known_queues) or 'none'})"
        )
        out.append(
            Problem.at(file, node.mark("queue"), f"{what}: unknown queue '{node.queue}'{hint}")
        )
    if isinstance(node, CollectNode) and node.min_digits > node.max_digits:
        out.append(
            Problem.at(
                file,
                node.mark("min_digits"),
                f"{what}: min_digits {node.min_digits} is more than max_digits {node.max_digits}",
            )
        )
    if isinstance(node, LookupNode):
        if node.source == "webhook":
            for field_name in ("url", "fallback"):
                if getattr(node, field_name) is None:
                    out.append(
                        Problem.at(file, node.pos, f"{what}: a webhook lookup needs '{field_name}'")
                    )
        else:
            if node.url is not None:
                out.append(
                    Problem.at(file, node.mark("url"), f"{what}: 'url' is only for source: webhook")
                )
            for variable, result in node.results.items():
                if result not in CUSTOMER_FIELDS:
                    out.append(
                        Problem.at(
                            file,
                            node.mark("results"),
                            (
                                f"{what}: results {variable}: unknown customer field "
                                f"'{result}'{suggest(result, CUSTOMER_FIELDS)} "
                                f"(fields: {', '.join(CUSTOMER_FIELDS)})"
                            ),
                        )
                    )


def check_draft(draft: Draft, checks: Checks = Checks()) -> list[Problem]:
    """Every problem of one parsed file: its structural ones plus the cross-node checks."""
    out = list(draft.problems)
    _check_targets(draft, checks, out)
    _check_reachable(draft, out)
    _check_loops(draft, out)
    known = set(BUILTIN_VARIABLES) | set(draft.variables)
    for node in draft.nodes.values():
        known.update(_written(node))
    for node in draft.nodes.values():
        _check_node(draft, node, checks, known, out)
    return sorted(set(out), key=lambda p: (p.file, p.line, p.column, p.message))


def load_flow(
    path: Path | str,
    *,
    prompts_dir: Path | None = None,
    known_queues: Collection[str] | None = None,
    flow_nodes: FlowNodes | None = None,
    limits: FlowLimits = FlowLimits(),
) -> Flow:
    """Load and check one flow file; :class:`FlowError` lists every problem."""
    path = Path(path)
    resolver = flow_nodes or sibling_flows(path.parent, limits=limits)
    try:
        draft = read_draft(path, limits)
        problems = check_draft(draft, Checks(prompts_dir, known_queues, resolver))
    except Exception as exc:  # the last guard: every failure on a file is a FlowError
        raise FlowError([internal_problem(str(path), exc)]) from None
    if problems:
        raise FlowError(problems)
    return draft.to_flow()


def validate(
    paths: Collection[Path | str],
    *,
    prompts_dir: Path | None = None,
    known_queues: Collection[str] | None = None,
    limits: FlowLimits = FlowLimits(),
) -> list[Problem]:
    """Every problem in these flow files (cross-flow names resolve among them, then siblings)."""
    drafts: list[Draft] = []
    out: list[Problem] = []
    for path in paths:
        try:
            drafts.append(read_draft(Path(path), limits))
        except Exception as exc:  # the last guard: reported, never raised
            out.append(internal_problem(str(path), exc))
    by_name: dict[str, Draft] = {}
    for draft in drafts:
        if draft.name is None:
            continue
        if draft.name in by_name:
            first = by_name[draft.name].file
            out.append(
                Problem.at(
                    draft.file,
                    draft.name_pos,
                    (
                        f"flow name '{draft.name}' is also used by {first}; each flow needs "
                        f"its own name"
                    ),
                )
            )
            continue
        by_name[draft.name] = draft
    for draft in drafts:
        resolver = sibling_flows(Path(draft.file).parent, by_name, limits)
        try:
            out.extend(check_draft(draft, Checks(prompts_dir, known_queues, resolver)))
        except Exception as exc:  # the last guard: reported, never raised
            out.append(internal_problem(draft.file, exc))
    return sorted(set(out), key=lambda p: (p.file, p.line, p.column, p.message))


def _in_rate_folder(path: Path) -> bool:
    """FreeSWITCH plays ``dir/name.wav`` from ``dir/<rate>/name.wav`` (8000, 16000, ...)."""
    return any(
        (path.parent / str(rate) / path.name).is_file() for rate in (8000, 16000, 32000, 48000)
    )
