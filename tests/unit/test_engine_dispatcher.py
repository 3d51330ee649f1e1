"""Dispatcher edge cases with a scripted dialer (the dialer is our own protocol)."""

from __future__ import annotations

from datetime import UTC, datetime

import gevent

from callcenter.acd.agents import Agent, MissDelays
from callcenter.acd.routing import WaitingCall
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import Bus
from callcenter.engine.routing.dispatcher import Dispatcher

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Caller:
    def __init__(self, call_uuid: str) -> None:
        self.call_uuid, self.caller_number, self.gone = call_uuid, "138", False

    def is_gone(self) -> bool:
        return self.gone

    def connect_agent(self, agent: Agent, leg: str) -> bool:
        return not self.gone


class NoAnswerDialer:
    def __init__(self) -> None:
        self.rung: list[tuple[str, str]] = []

    def ring(self, agent: Agent, call: Caller, leg: str, timeout: float) -> str:
        self.rung.append((agent.agent_id, call.call_uuid))
        return "NO_ANSWER"

    def cancel(self, leg: str) -> None:
        pass


def test_caller_leaving_while_a_miss_is_recorded_is_not_put_back_in_line() -> None:
    bus, dialer = Bus(), NoAnswerDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    dispatcher = Dispatcher(bus, book, dialer)
    caller = Caller("c1")

    def leave_on_miss(agent: Agent) -> None:
        # The caller hangs up exactly while the engine records the agent's miss.
        if agent.missed_in_a_row and not caller.gone:
            caller.gone = True
            dispatcher.leave("c1")

    book.on_change(leave_on_miss)
    book.apply("a1", "login", ("support",))
    book.apply("a1", "ready")
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), caller)
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "c1")]
    assert dispatcher.waiting() == []
    if str(book.get("a1").state) != "available":
        book.apply("a1", "ready")  # the agent is free again: a new match runs
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "c1")]  # the gone caller is never offered again
    dispatcher.stop()


class BusyOnceDialer:
    """The first ring finds the phone busy; later rings are answered."""

    def __init__(self) -> None:
        self.rung: list[tuple[str, str]] = []

    def ring(self, agent: Agent, call: Caller, leg: str, timeout: float) -> str:
        self.rung.append((agent.agent_id, call.call_uuid))
        return "USER_BUSY" if len(self.rung) == 1 else "+OK"

    def cancel(self, leg: str) -> None:
        pass


def test_busy_agent_is_skipped_for_the_busy_delay_then_offered_again() -> None:
    bus, dialer = Bus(), BusyOnceDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    delays = MissDelays(busy=0.3, no_answer=0)
    dispatcher = Dispatcher(bus, book, dialer, miss_delays=delays)
    book.apply("a1", "login", ("support",))
    book.apply("a1", "ready")
    caller = Caller("c1")
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), caller)
    gevent.sleep(0.05)
    # busy: the agent stays available but the caller waits instead of ringing them again
    assert dialer.rung == [("a1", "c1")]
    assert str(book.get("a1").state) == "available" and book.get("a1").available_after
    assert [c.call_uuid for c in dispatcher.waiting()] == ["c1"]
    # no one touches anything: the dispatcher's own timer offers the caller when it ends
    deadline = book.get("a1").available_after
    with gevent.Timeout(10, AssertionError("the caller was never offered again")):
        while str(book.get("a1").state) != "on_call":
            gevent.sleep(0.02)
    assert dialer.rung == [("a1", "c1"), ("a1", "c1")]
    assert book.get("a1").since >= deadline  # answered only after the delay
    dispatcher.stop()


class AnsweringDialer:
    """Every ring is answered."""

    def __init__(self) -> None:
        self.rung: list[tuple[str, str]] = []

    def ring(self, agent: Agent, call: Caller, leg: str, timeout: float) -> str:
        self.rung.append((agent.agent_id, call.call_uuid))
        return "+OK"

    def cancel(self, leg: str) -> None:
        pass


def _ready_agent(book: AgentBook, agent_id: str, queues: tuple[str, ...]) -> None:
    book.apply(agent_id, "login", queues)
    book.apply(agent_id, "ready")


def test_an_agent_of_two_queues_gets_the_caller_who_waited_longest() -> None:
    bus, dialer = Bus(), AnsweringDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    dispatcher = Dispatcher(bus, book, dialer)
    later = datetime(2026, 11, 25, 9, 5, tzinfo=UTC)
    dispatcher.enqueue(WaitingCall("late", "sales", "138", later), Caller("late"))
    dispatcher.enqueue(WaitingCall("early", "support", "139", T0), Caller("early"))
    gevent.sleep(0.05)
    _ready_agent(book, "a1", ("sales", "support"))  # joined sales first, but waited less
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "early")]
    dispatcher.stop()


def test_callers_coming_back_after_a_restart_keep_their_order() -> None:
    bus, dialer = Bus(), AnsweringDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    dispatcher = Dispatcher(bus, book, dialer)
    _ready_agent(book, "a1", ("support",))
    dispatcher.expect({"first": "support", "second": "support"}, timeout=5.0)
    second = datetime(2026, 11, 25, 9, 1, tzinfo=UTC)
    dispatcher.enqueue(WaitingCall("second", "support", "139", second), Caller("second"))
    gevent.sleep(0.05)
    assert dialer.rung == []  # the queue waits for the caller ahead, still on its way back
    dispatcher.enqueue(WaitingCall("first", "support", "138", T0), Caller("first"))
    gevent.sleep(0.05)
    assert dialer.rung == [("a1", "first")]
    dispatcher.stop()


def test_a_caller_who_never_comes_back_holds_the_queue_only_until_the_timeout() -> None:
    bus, dialer = Bus(), AnsweringDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    dispatcher = Dispatcher(bus, book, dialer)
    _ready_agent(book, "a1", ("support",))
    dispatcher.expect({"hung-up": "support", "back": "support"}, timeout=0.2)
    dispatcher.enqueue(WaitingCall("back", "support", "139", T0), Caller("back"))
    gevent.sleep(0.05)
    assert dialer.rung == []
    gevent.sleep(0.3)
    assert dialer.rung == [("a1", "back")]
    dispatcher.stop()


class BridgeFailsOnceCaller(Caller):
    """The first agent's leg is gone by the time of the bridge (hung up right after answering)."""

    def __init__(self, call_uuid: str) -> None:
        super().__init__(call_uuid)
        self.bridged_to: list[str] = []

    def connect_agent(self, agent: Agent, leg: str) -> bool:
        self.bridged_to.append(agent.agent_id)
        return len(self.bridged_to) > 1


def test_a_caller_whose_bridge_failed_goes_back_in_line_and_reaches_an_agent() -> None:
    bus, dialer = Bus(), AnsweringDialer()
    book = AgentBook(bus, None, [Agent("a1", "1001")])
    dispatcher = Dispatcher(bus, book, dialer)
    caller = BridgeFailsOnceCaller("c1")
    _ready_agent(book, "a1", ("support",))
    dispatcher.enqueue(WaitingCall("c1", "support", "138", T0), caller)
    with gevent.Timeout(5, AssertionError("the caller was lost after the failed bridge")):
        while len(caller.bridged_to) < 2:
            gevent.sleep(0.02)
    assert dialer.rung == [("a1", "c1"), ("a1", "c1")]  # offered again, not stranded
    assert str(book.get("a1").state) == "on_call"
    assert dispatcher.waiting() == []
    dispatcher.stop()
