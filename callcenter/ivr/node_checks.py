"""Checks of one node: variables it sets and reads, prompt files, queues, lookup fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from callcenter.ivr.errors import Pos, Problem
from callcenter.ivr.loader import Draft
from callcenter.ivr.model import (
    CollectNode,
    ConditionNode,
    Expr,
    LookupNode,
    Node,
    Prompt,
    QueueNode,
    ScheduleNode,
    SetNode,
    SpeechNode,
    SurveyNode,
    TransferNode,
)
from callcenter.ivr.variables import BUILTIN_VARIABLES
from callcenter.ivr.yaml_text import suggest

if TYPE_CHECKING:
    from callcenter.ivr.checks import Checks

__all__ = ["CUSTOMER_FIELDS", "check_node", "written"]

CUSTOMER_FIELDS = ("id", "name", "vip", "region", "tags", "notes")


def written(node: Node) -> list[str]:
    """The variables ``node`` sets."""
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


def check_node(
    draft: Draft, node: Node, checks: Checks, known: set[str], out: list[Problem]
) -> None:
    """The node's own problems: variables, prompt files, queue, digits, lookup fields."""
    file, what = draft.file, f"node '{node.id}' ({node.type})"
    for name in written(node):
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
    if isinstance(node, ScheduleNode) and (node.hours is None) == (node.calendar is None):
        out.append(
            Problem.at(
                file,
                node.pos,
                f"{what}: give either hours: (with holidays:) or calendar: (a calendar of the "
                f"admin pages), not {'both' if node.calendar else 'neither'}",
            )
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


def _in_rate_folder(path: Path) -> bool:
    """FreeSWITCH plays ``dir/name.wav`` from ``dir/<rate>/name.wav`` (8000, 16000, ...)."""
    return any(
        (path.parent / str(rate) / path.name).is_file() for rate in (8000, 16000, 32000, 48000)
    )
