"""AgentBook.reload: the admin's new set-up applies to the next offer, live state is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callcenter.acd.agents import Agent, AgentState, AgentStateError, Tier
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import Bus
from callcenter.live.store import LiveStore

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def row(agent_id: str, extension: str, *queues: str, **skills: int) -> Agent:
    """An agent as the database holds it (logged out, its tiers at level 1)."""
    tiers = tuple(Tier(q, 1, n) for n, q in enumerate(queues, start=1))
    return Agent(agent_id, extension, queues=tuple(queues), tiers=tiers, skills=skills)


def signed_in_book(live: LiveStore | None = None) -> AgentBook:
    book = AgentBook(Bus(), live, [row("a1", "1001", "support"), row("a2", "1002", "support")],
                     clock=lambda: T0)  # fmt: skip
    for agent_id in ("a1", "a2"):
        book.apply(agent_id, "login", book.get(agent_id).queues)
        book.apply(agent_id, "ready")
    return book


def test_a_signed_in_agent_keeps_its_state_and_gets_its_new_queues_tiers_and_skills() -> None:
    book = signed_in_book()
    heard: list[Agent] = []
    book.on_change(heard.append)
    book.reload([row("a1", "1011", "sales", "support", english=7), row("a2", "1002", "support")])
    agent = book.get("a1")
    assert agent.state == AgentState.AVAILABLE
    assert agent.since == T0
    assert agent.extension == "1011"
    assert agent.queues == ("sales", "support")
    assert agent.tier("support") == Tier("support", 1, 2)
    assert agent.proficiency("english") == 7
    assert [a.agent_id for a in heard] == ["a1"]  # the dispatcher hears of it (wakes)


def test_a_new_agent_is_known_at_once_and_can_sign_in() -> None:
    book = signed_in_book()
    book.reload([row("a1", "1001", "support"), row("a2", "1002", "support"),
                 row("a3", "1003", "sales")])  # fmt: skip
    assert book.get("a3").state == AgentState.LOGGED_OUT
    book.apply("a3", "login", book.get("a3").queues)
    assert book.get("a3").queues == ("sales",)
    assert book.get("a1").state == AgentState.AVAILABLE


def test_a_deactivated_free_agent_is_signed_out_and_may_not_sign_in_again() -> None:
    book = signed_in_book()
    book.reload([row("a1", "1001", "support")])
    agent = book.get("a2")
    assert agent.state == AgentState.LOGGED_OUT
    assert agent.queues == ()
    with pytest.raises(AgentStateError, match="deactivated"):
        book.apply("a2", "login", ("support",))
    assert book.get("a1").state == AgentState.AVAILABLE


def test_a_deactivated_agent_on_a_call_finishes_it_then_is_signed_out() -> None:
    book = signed_in_book()
    book.apply("a2", "reserve", "call-1")
    book.apply("a2", "answer")
    book.reload([row("a1", "1001", "support")])
    agent = book.get("a2")
    assert agent.state == AgentState.ON_CALL  # the caller is not cut off
    assert agent.pending == "logout"
    assert agent.queues == ()  # never offered another call
    with pytest.raises(AgentStateError, match="deactivated"):
        book.apply("a2", "ready")  # would cancel the sign-out
    book.apply("a2", "end_call", False)
    assert book.get("a2").state == AgentState.LOGGED_OUT


def test_reload_mirrors_the_new_set_up_and_a_new_agent_to_redis(live: LiveStore) -> None:
    book = signed_in_book(live)
    book.reload([row("a1", "1001", "sales"), row("a2", "1002", "support"),
                 row("a3", "1003", "sales")])  # fmt: skip
    assert live.get_agent("a1")["queues"] == "sales"
    assert live.get_agent("a1")["state"] == "available"
    assert live.get_agent("a3")["state"] == "logged_out"


def test_an_agent_reactivated_before_its_call_ended_stays_signed_in() -> None:
    book = signed_in_book()
    book.apply("a2", "reserve", "call-1")
    book.apply("a2", "answer")
    book.reload([row("a1", "1001", "support")])
    book.reload([row("a1", "1001", "support"), row("a2", "1002", "support")])
    book.apply("a2", "ready")  # cancels the pending logout
    book.apply("a2", "end_call", False)
    assert book.get("a2").state == AgentState.AVAILABLE
    assert book.get("a2").queues == ("support",)
