"""The flow runner inside a call: bus hooks, and the way out when a flow fails unexpectedly.

Rule (issue 14): nothing read from a flow file ends a call handler with an unhandled
exception. A flow that raises where no error was expected is logged with its flow and node,
and the caller goes to the default queue (``routing.default_queue``, as when no flow is
mapped to the number); a failing post-call survey ends the call instead.
"""

from __future__ import annotations

from callcenter.engine.bus import Bus, IvrInput, SurveyAnswered, VoicemailRecorded
from callcenter.ivr.callio import Outcome, RunnerHooks, Visit
from callcenter.ivr.runner import FlowRunner

__all__ = ["BusHooks", "failed_flow_outcome"]

FLOW_FAILED = "error: flow failed"


class BusHooks(RunnerHooks):
    """Runner hooks that publish bus events for one call."""

    def __init__(self, bus: Bus, call_uuid: str) -> None:
        self.bus = bus
        self.call_uuid = call_uuid

    def visited(self, node: str, value: str) -> None:
        self.bus.publish(IvrInput(call_uuid=self.call_uuid, node=node, value=value))

    def step(self, visit: Visit) -> None:
        self.bus.publish(
            IvrInput(
                call_uuid=self.call_uuid, node=visit.name, value=visit.value, flow=visit.flow,
                version=visit.version, node_id=visit.node, node_type=visit.node_type,
            )
        )  # fmt: skip

    def voicemail(self, path: str, milliseconds: int, mailbox: str | None) -> None:
        self.bus.publish(
            VoicemailRecorded(
                call_uuid=self.call_uuid, path=path, milliseconds=milliseconds,
                mailbox=mailbox or "",
            )
        )  # fmt: skip

    def survey(self, score: int) -> None:
        self.bus.publish(SurveyAnswered(call_uuid=self.call_uuid, score=score))


def failed_flow_outcome(
    runner: FlowRunner, exc: Exception, *, default_queue: str, post_call: bool, log: object
) -> Outcome:
    """Log the failure with flow and node; the default queue, or hang up after the talk."""
    node = runner.current.id if runner.current is not None else ""
    log.error(  # type: ignore[attr-defined]
        "IVR flow failed; the caller goes on without it",
        flow=runner.flow.name,
        node=node,
        error=f"{type(exc).__name__}: {exc}"[:500],
        then="hangup" if post_call else f"queue {default_queue}",
        exc_info=exc,
    )
    runner.hooks.visited(node or "flow", "error")
    if post_call:  # the conversation is over: nobody to queue for
        return Outcome("hangup", node=node, reason=FLOW_FAILED)
    return Outcome("queue", node=node, queue=default_queue, reason=FLOW_FAILED)
