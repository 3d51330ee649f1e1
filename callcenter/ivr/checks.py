"""Checking flow files: read, run the link and node checks, load or list every problem."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from callcenter.ivr.errors import FlowError, Problem
from callcenter.ivr.limits import FlowLimits, decode
from callcenter.ivr.link_checks import check_loops, check_reachable, check_targets
from callcenter.ivr.loader import Draft, parse_flow
from callcenter.ivr.model import Flow
from callcenter.ivr.node_checks import CUSTOMER_FIELDS, check_node, written
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


def check_draft(draft: Draft, checks: Checks = Checks()) -> list[Problem]:
    """Every problem of one parsed file: its structural ones plus the cross-node checks."""
    out = list(draft.problems)
    check_targets(draft, checks.flow_nodes, out)
    check_reachable(draft, out)
    check_loops(draft, out)
    known = set(BUILTIN_VARIABLES) | set(draft.variables)
    for node in draft.nodes.values():
        known.update(written(node))
    for node in draft.nodes.values():
        check_node(draft, node, checks, known, out)
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
