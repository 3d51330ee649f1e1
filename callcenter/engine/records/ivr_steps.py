"""A call's IVR path as ``ivr_steps`` rows, from the call record's timeline.

Every ``ivr_input`` event of a flow node is a row (the node's type as ``kind``, the caller's
choice or the branch taken as ``value``); every ``ivr_ended`` event is an ``exit`` row at the
node where the run ended, with the outcome (queue, transfer, hangup, voicemail, or gone: the
caller hung up there) and the queue or transfer target. ``first_visit`` marks the call's first
row at a node and ``entered`` its first row in a flow, so the funnel report counts callers
with sums instead of distinct counts. The rows are written with the call record itself
(``EngineStore.write_call``), so the record buffer keeps them through a database outage and a
retry never writes them twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from callcenter.store.ivr_steps import EXIT

__all__ = ["ivr_steps"]

_VALUE = 200  # column widths of ivr_steps
_NAME = 64
_DESTINATION = 128


def ivr_steps(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``ivr_steps`` rows (without ``call_id``) of a call's timeline, numbered from 1."""
    rows: list[dict[str, Any]] = []
    flows: set[str] = set()  # entered so far
    nodes: set[tuple[str, str]] = set()  # (flow, node) visited so far
    for event in events:
        kind = event.get("kind")
        if kind == "ivr_input" and event.get("flow"):
            row = _row(event, event["flow"], event.get("version"), event.get("node_id"))
            row.update(kind=str(event.get("node_type") or "")[:16], value=event.get("value"))
        elif kind == "ivr_ended" and event.get("exit_flow"):
            row = _row(event, event["exit_flow"], event.get("exit_version"), event.get("exit_node"))
            row.update(kind=EXIT, value=event.get("outcome"))
            row["destination"] = str(event.get("destination") or "")[:_DESTINATION] or None
        else:
            continue
        row["value"] = str(row["value"] or "")[:_VALUE]
        row["seq"] = len(rows) + 1
        row["entered"] = row["flow"] not in flows
        row["first_visit"] = (row["flow"], row["node"]) not in nodes
        flows.add(row["flow"])
        nodes.add((row["flow"], row["node"]))
        rows.append(row)
    return rows


def _row(event: dict[str, Any], flow: str, version: Any, node: Any) -> dict[str, Any]:
    return {
        "flow": str(flow)[:_NAME],
        "version": int(version or 0),
        "node": str(node or "")[:_NAME],
        "destination": None,
        "at": datetime.fromisoformat(event["at"]),
    }
