"""A call that ends between the bridge and the offer greenlet noting the answer.

The call's own greenlet bridges the agent (publishing ``CallAnswered``); the dispatcher's
offer greenlet, waiting for that answer, notes the agent on the call only once it runs again.
If the caller hangs up and the call's greenlet publishes ``CallEnded`` before that, the
agent must not be left on a call that no longer exists (it would never get another call).
"""

from __future__ import annotations

from datetime import UTC, datetime

import gevent
import gevent.event

from callcenter.acd.agents import Agent
from callcenter.acd.routing import WaitingCall
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.calls import AgentCalls
from callcenter.engine.bus import Bus, CallAnswered, CallEnded
from callcenter.engine.routing.dispatcher import Dispatcher

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class AnsweringDialer:
    """Every ring is answered."""

    def __init__(self) -> None:
        self.rung: list[tuple[str, str]] = []

    def ring(self, agent: Agent, call: object, leg: str, timeout: float) -> str:
        self.rung.append((agent.agent_id, getattr(call, "call_uuid", "")))
        return "+OK"

    def cancel(self, leg: str) -> None:
        pass


class CallerHangingUpAtTheBridge:
    """Bridged, then the caller hangs up and the call ends - all before the asker resumes
    (the order the call's greenlet can run in while the offer greenlet waits its turn)."""

    def __init__(self, bus: Bus, call_uuid: str) -> None:
        self.bus, self.call_uuid, self.caller_number, self.gone = bus, call_uuid, "138", False

    def is_gone(self) -> bool:
        return self.gone

    def connect_agent(self, agent: Agent, leg: str) -> bool:
        self.bus.publish(
            CallAnswered(call_uuid=self.call_uuid, agent_id=agent.agent_id, agent_leg_uuid=leg)
        )
        self.gone = True
        self.bus.publish(
            CallEnded(call_uuid=self.call_uuid, hangup_cause="NORMAL_CLEARING", hangup_by="caller")
        )
        return True


class StayingCaller:
    """A caller who stays on: bridged at once."""

    def __init__(self, bus: Bus, call_uuid: str) -> None:
        self.bus, self.call_uuid, self.caller_number = bus, call_uuid, "139"

    def is_gone(self) -> bool:
        return False

    def connect_agent(self, agent: Agent, leg: str) -> bool:
        self.bus.publish(
            CallAnswered(call_uuid=self.call_uuid, agent_id=agent.agent_id, agent_leg_uuid=leg)
        )
        return True


def test_a_call_ending_before_the_answer_is_noted_frees_the_agent_for_the_next_caller() -> None:
    bus, dialer = Bus(), AnsweringDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    AgentCalls(bus, book, wrap_up_seconds=lambda queue: 0.0, tell=lambda agent, event: None)
    dispatcher = Dispatcher(bus, book, dialer)
    book.apply("a1", "login", ("support",))
    book.apply("a1", "ready")
    first = CallerHangingUpAtTheBridge(bus, "c1")
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), first)
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "c1")]
    agent = book.get("a1")
    assert (str(agent.state), agent.call_uuid) == ("available", "")  # not on the gone call
    assert agent.calls_answered == 1
    # ... so the next caller reaches the agent
    later = datetime(2026, 11, 25, 9, 1, tzinfo=UTC)
    dispatcher.enqueue(WaitingCall("c2", "support", "139", later), StayingCaller(bus, "c2"))
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "c1"), ("a1", "c2")]
    assert (str(book.get("a1").state), book.get("a1").call_uuid) == ("on_call", "c2")
    dispatcher.stop()


class SecondRingUntilCancelled(AnsweringDialer):
    """The first ring is answered; the second rings until the offer is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = gevent.event.Event()

    def ring(self, agent: Agent, call: object, leg: str, timeout: float) -> str:
        result = super().ring(agent, call, leg, timeout)
        if len(self.rung) == 1:
            return result
        self.cancelled.wait()
        return "ORIGINATOR_CANCEL"

    def cancel(self, leg: str) -> None:
        self.cancelled.set()


def test_a_caller_leaving_while_the_agent_who_handed_it_on_rings_again_is_no_answer() -> None:
    bus, dialer = Bus(), SecondRingUntilCancelled()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    calls = AgentCalls(bus, book, wrap_up_seconds=lambda queue: 0.0, tell=lambda a, e: None)
    dispatcher = Dispatcher(bus, book, dialer)
    book.apply("a1", "login", ("support",))
    book.apply("a1", "ready")
    caller = StayingCaller(bus, "c1")
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), caller)
    gevent.sleep(0.05)
    assert str(book.get("a1").state) == "on_call"
    calls.end("a1", "c1", wrap_up=False)  # a CTI transfer hands the caller on: back in line
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), caller)
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "c1"), ("a1", "c1")] and str(book.get("a1").state) == "ringing"
    bus.publish(CallEnded(call_uuid="c1", hangup_cause="NORMAL_CLEARING", hangup_by="caller"))
    dispatcher.leave("c1")  # the caller hung up while a1 rang again
    gevent.sleep(0.05)
    agent = book.get("a1")
    assert (str(agent.state), agent.calls_answered) == ("available", 1)
    dispatcher.stop()
