"""Routing strategies, tiers, skills widening and wait estimates with a fixed clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.acd.agents import Agent, AgentState, Tier
from callcenter.acd.estimates import (
    announced_minutes,
    average_handle_seconds,
    estimated_wait_seconds,
)
from callcenter.acd.routing import WaitingCall
from callcenter.acd.strategies import (
    STRATEGIES,
    QueueConfig,
    RoutingState,
    UnknownStrategy,
    choose_agents,
    choose_for_queue,
    next_change_at,
    rank_agents,
    skill_minimums,
)

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def agent(
    agent_id: str,
    ready_at: float = 0,
    queues: tuple[str, ...] = ("q",),
    **extra: object,
) -> Agent:
    base = Agent(agent_id, agent_id, **extra)  # type: ignore[arg-type]
    return base.login(at(-100), queues).ready(at(ready_at))


def call(
    uuid: str = "c1", waited_from: float = 0, queue: str = "q", **extra: object
) -> WaitingCall:
    return WaitingCall(uuid, queue, "+100", at(waited_from), **extra)  # type: ignore[arg-type]


def ids(agents: list[Agent]) -> list[str]:
    return [a.agent_id for a in agents]


def choose(strategy: str, agents: list[Agent], now: float = 0, **knobs: object) -> list[str]:
    config = QueueConfig("q", strategy, **knobs)  # type: ignore[arg-type]
    chosen, _ = choose_agents(config, call(), agents, at(now), RoutingState(), random.Random(1))
    return ids(chosen)


# -- the strategies ---------------------------------------------------------------------------


def test_longest_idle_agent_picks_the_one_free_longest() -> None:
    agents = [agent("a", 30), agent("b", 10), agent("c", 20)]
    assert choose("longest-idle-agent", agents, 60) == ["b"]


def test_unavailable_and_other_queue_agents_are_never_chosen() -> None:
    busy = agent("a", 1).reserve(at(2), "x")
    away = agent("b", 1).not_ready(at(2), "lunch")
    other = agent("c", 1, queues=("sales",))
    assert choose("longest-idle-agent", [busy, away, other], 60) == []
    assert choose("ring-all", [busy, away, other, agent("d", 5)], 60) == ["d"]


def test_round_robin_rotates_across_calls_by_position() -> None:
    config = QueueConfig("q", "round-robin")
    agents = [
        agent("a", tiers=(Tier("q", position=3),)),
        agent("b", tiers=(Tier("q", position=1),)),
        agent("c", tiers=(Tier("q", position=2),)),
    ]
    state = RoutingState()
    seen = []
    for n in range(6):
        chosen, state = choose_agents(config, call(f"c{n}"), agents, at(10), state)
        seen.append(chosen[0].agent_id)
    assert seen == ["b", "c", "a", "b", "c", "a"]


def test_round_robin_skips_busy_and_remembers_per_queue() -> None:
    q1, q2 = QueueConfig("q", "round-robin"), QueueConfig("r", "round-robin")
    agents = [agent(x, queues=("q", "r")) for x in "abc"]
    state = RoutingState()
    chosen, state = choose_agents(q1, call(), agents, at(10), state)
    assert ids(chosen) == ["a"]
    agents[1] = agents[1].reserve(at(10), "other")  # b is busy: next after a is c
    chosen, state = choose_agents(q1, call(), agents, at(10), state)
    assert ids(chosen) == ["c"]
    chosen, state = choose_agents(q2, call(queue="r"), agents, at(10), state)
    assert ids(chosen) == ["a"]  # queue r has its own rotation
    chosen, state = choose_agents(q1, call(), agents, at(10), state)
    assert ids(chosen) == ["a"]  # wrapped around
    assert state.last == {"q": (1, "a"), "r": (1, "a")}


def test_round_robin_survives_the_last_agent_leaving() -> None:
    config = QueueConfig("q", "round-robin")
    state = RoutingState().rotated("q", agent("b"))
    assert ids(choose_agents(config, call(), [agent("a"), agent("c")], at(1), state)[0]) == ["c"]


def test_ring_all_returns_every_free_agent_of_the_lowest_level() -> None:
    agents = [
        agent("a", tiers=(Tier("q", level=1, position=2),)),
        agent("b", tiers=(Tier("q", level=1, position=1),)),
        agent("c", tiers=(Tier("q", level=2),)),
        agent("d").not_ready(at(1), "break"),
    ]
    assert choose("ring-all", agents, 5) == ["b", "a"]
    assert choose("ring-all", agents[2:], 5) == ["c"]


def test_fewest_calls_then_longest_idle() -> None:
    agents = [
        agent("a", 1, calls_answered=5),
        agent("b", 3, calls_answered=2),
        agent("c", 2, calls_answered=2),
    ]
    assert choose("fewest-calls", agents, 10) == ["c"]


def test_least_talk_time_uses_the_accumulated_talk_time() -> None:
    talker = agent("a", 0).reserve(at(1), "x").answer(at(2)).end_call(at(302), wrap_up=False)
    quiet = agent("b", 0).reserve(at(1), "y").answer(at(2)).end_call(at(62), wrap_up=False)
    assert (talker.talk_seconds, quiet.talk_seconds) == (300.0, 60.0)
    assert choose("least-talk-time", [talker, quiet], 400) == ["b"]
    assert quiet.reset_counters().talk_seconds == 0 and quiet.reset_counters().calls_answered == 0


def test_talk_time_includes_hold() -> None:
    a = agent("a").reserve(at(1), "x").answer(at(10)).hold(at(20)).unhold(at(40))
    assert a.end_call(at(70), wrap_up=True).talk_seconds == 60.0


def test_top_down_always_starts_at_the_first_position() -> None:
    agents = [
        agent("a", 0, tiers=(Tier("q", position=2),)),
        agent("b", 50, tiers=(Tier("q", position=1),)),
    ]
    for _ in range(3):
        assert choose("top-down", agents, 60) == ["b"]


def test_random_is_reproducible_with_a_seed_and_covers_everyone() -> None:
    agents = [agent(x) for x in "abcde"]
    config = QueueConfig("q", "random")

    def draws(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [ids(choose_agents(config, call(), agents, at(5), rng=rng)[0])[0] for _ in range(50)]

    assert draws(7) == draws(7)
    assert set(draws(7)) == set("abcde")


def test_strategy_names_accept_underscores_and_case() -> None:
    assert QueueConfig("q", "Least_Talk_Time").strategy == "least-talk-time"


def test_unknown_strategy_names_the_allowed_ones() -> None:
    with pytest.raises(UnknownStrategy) as info:
        QueueConfig("q", "ring-progressively")
    message = str(info.value)
    assert "ring-progressively" in message
    for name in STRATEGIES:
        assert name in message
    config = QueueConfig("q")
    object.__setattr__(config, "strategy", "fastest")  # e.g. built around the constructor
    with pytest.raises(UnknownStrategy, match="longest-idle-agent"):
        choose_agents(config, call(), [agent("a")], at(1))


# -- skills -----------------------------------------------------------------------------------

WIDENING = ((0, 8), (30, 5), (60, 1))


def skilled() -> list[Agent]:
    return [
        agent("expert", 20, skills={"billing": 9}),
        agent("good", 0, skills={"billing": 6}),
        agent("novice", 0, skills={"billing": 2}),
        agent("none", 0),
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (0, ["expert"]),
        (29.9, ["expert"]),
        (30, ["expert", "good"]),
        (60, ["expert", "good", "novice"]),
    ],
)
def test_skills_widen_at_the_configured_waits(now: float, expected: list[str]) -> None:
    config = QueueConfig("q", "skills-based", skills={"billing": 10}, widening=WIDENING)
    ranked = rank_agents(config, call(), skilled(), at(now))
    assert ids(ranked) == expected


def test_skills_based_prefers_best_proficiency_then_longest_idle() -> None:
    config = QueueConfig("q", "skills-based", skills={"billing": 1})
    agents = [
        agent("late", 20, skills={"billing": 7}),
        agent("early", 5, skills={"billing": 7}),
        agent("weak", 0, skills={"billing": 3}),
    ]
    assert ids(rank_agents(config, call(), agents, at(100))) == ["early", "late", "weak"]


def test_skill_minimums_merge_the_callers_needs_and_widening_never_raises() -> None:
    config = QueueConfig("q", skills={"billing": 10, "french": 3}, widening=WIDENING)
    caller = call(skills={"french": 6, "vip": 2})
    assert skill_minimums(config, caller, at(0)) == {"billing": 8, "french": 6, "vip": 2}
    assert skill_minimums(config, caller, at(45)) == {"billing": 5, "french": 5, "vip": 2}


def test_skills_filter_applies_to_every_strategy() -> None:
    config = QueueConfig("q", "longest-idle-agent", skills={"spanish": 1})
    agents = [agent("a", 0), agent("b", 10, skills={"spanish": 4})]
    assert ids(choose_agents(config, call(), agents, at(20))[0]) == ["b"]


def test_next_change_at_names_the_next_widening_or_tier_time() -> None:
    config = QueueConfig("q", "skills-based", skills={"billing": 9}, widening=WIDENING)
    assert next_change_at(config, call(), at(10)) == at(30)
    assert next_change_at(config, call(), at(61)) is None
    tiers = QueueConfig("q", tier_wait=20)
    assert next_change_at(tiers, call(), at(25)) == at(40)


def test_choose_for_queue_lets_a_later_caller_pass_a_skilled_one() -> None:
    config = QueueConfig("q", skills={})
    first = call("first", 0, skills={"german": 5})
    second = call("second", 10)
    assert choose_for_queue(config, [second, first], [agent("a")], at(20))[0] == second
    vip = call("vip", 15, priority=5)
    chosen_call, chosen, _ = choose_for_queue(config, [second, vip], [agent("a")], at(20))
    assert (chosen_call, ids(chosen)) == (vip, ["a"])


# -- tiers ------------------------------------------------------------------------------------


def test_lower_level_first_then_higher_when_none_free() -> None:
    level1 = agent("l1", 50, tiers=(Tier("q", level=1),))
    level2 = agent("l2", 0, tiers=(Tier("q", level=2),))
    assert choose("longest-idle-agent", [level1, level2], 60) == ["l1"]
    busy1 = level1.reserve(at(55), "x")
    assert choose("longest-idle-agent", [busy1, level2], 60) == ["l2"]


def test_tier_wait_opens_higher_levels_only_after_the_wait() -> None:
    agents = [agent("l2", 0, tiers=(Tier("q", level=2),)), agent("l3", 0, tiers=(Tier("q", 3),))]
    config = QueueConfig("q", tier_wait=30)
    assert ids(choose_agents(config, call(), agents, at(29))[0]) == []
    assert ids(choose_agents(config, call(), agents, at(30))[0]) == ["l2"]
    assert ids(rank_agents(config, call(), agents[1:], at(59))) == []
    assert ids(rank_agents(config, call(), agents[1:], at(60))) == ["l3"]


def test_levels_are_per_queue() -> None:
    a = agent("a", 0, queues=("q", "r"), tiers=(Tier("q", level=2), Tier("r", level=1)))
    b = agent("b", 10, queues=("q", "r"), tiers=(Tier("q", level=1), Tier("r", level=2)))
    assert choose("longest-idle-agent", [a, b], 60) == ["b"]
    config_r = QueueConfig("r")
    assert ids(choose_agents(config_r, call(queue="r"), [a, b], at(60))[0]) == ["a"]
    assert a.tier("other") == Tier("other", 1, 1)


# -- estimates --------------------------------------------------------------------------------


def test_estimated_wait() -> None:
    assert estimated_wait_seconds(1, 4, 240.0) == 60.0
    assert estimated_wait_seconds(6, 3, 180.0) == 360.0
    assert estimated_wait_seconds(2, 3, 180.0, agents_free=2) == 0.0
    assert estimated_wait_seconds(3, 0, 180.0) is None
    with pytest.raises(ValueError, match="1-based"):
        estimated_wait_seconds(0, 1, 10)
    assert average_handle_seconds([100, 200, 300], window=2) == 250.0
    assert average_handle_seconds([], default=90) == 90.0
    assert [announced_minutes(s) for s in (None, 0, 59, 61, 360)] == [None, 1, 1, 2, 6]


# -- properties -------------------------------------------------------------------------------

STATES = [
    AgentState.AVAILABLE,
    AgentState.NOT_READY,
    AgentState.RESERVED,
    AgentState.ON_CALL,
    AgentState.LOGGED_OUT,
]

agent_values = st.builds(
    lambda n, state, queues, skill, level, position, idle, calls: Agent(
        f"a{n}",
        str(n),
        state=state,
        since=at(idle),
        queues=tuple(queues),
        skills={"billing": skill} if skill else {},
        tiers=(Tier("q", level, position),),
        calls_answered=calls,
    ),
    st.integers(0, 40),
    st.sampled_from(STATES),
    st.lists(st.sampled_from(["q", "r"]), unique=True),
    st.integers(0, 10),
    st.integers(1, 3),
    st.integers(1, 5),
    st.integers(0, 100),
    st.integers(0, 20),
)


@settings(max_examples=300, deadline=None)
@given(
    agents=st.lists(agent_values, max_size=12, unique_by=lambda a: a.agent_id),
    strategy=st.sampled_from(STRATEGIES),
    waited=st.integers(0, 120),
    required=st.integers(0, 10),
    tier_wait=st.sampled_from([0, 20]),
    seed=st.integers(0, 1000),
)
def test_chosen_agents_are_always_free_members_who_qualify(
    agents: list[Agent], strategy: str, waited: int, required: int, tier_wait: int, seed: int
) -> None:
    config = QueueConfig(
        "q",
        strategy,
        skills={"billing": required} if required else {},
        widening=WIDENING,
        tier_wait=tier_wait,
    )
    caller = call(waited_from=100)
    now = at(100 + waited)
    chosen, _ = choose_agents(config, caller, agents, now, RoutingState(), random.Random(seed))
    minimum = skill_minimums(config, caller, now).get("billing", 0)
    for a in chosen:
        assert a.state == AgentState.AVAILABLE and "q" in a.queues
        assert a.proficiency("billing") >= minimum
    assert len({a.agent_id for a in chosen}) == len(chosen)
    if strategy != "ring-all":
        assert len(chosen) <= 1
    qualified = [
        a
        for a in agents
        if a.state == AgentState.AVAILABLE
        and "q" in a.queues
        and a.proficiency("billing") >= minimum
    ]
    if tier_wait == 0:
        assert bool(chosen) == bool(qualified)  # nobody qualified is left waiting
        if chosen:
            assert chosen[0].tier("q").level == min(a.tier("q").level for a in qualified)


def test_agent_in_a_delay_after_a_missed_offer_is_not_eligible_until_it_passes() -> None:
    rejected = agent("a1", 0).reserve(at(1), "x").ring(at(1)).miss(at(2), 3, "CALL_REJECTED", 10)
    other = agent("a2", 5)
    config = QueueConfig("q")
    assert rejected.state == AgentState.AVAILABLE  # longest idle, but skipped for now
    assert ids(rank_agents(config, call(), [rejected, other], at(6))) == ["a2"]
    waiting, chosen, _ = choose_for_queue(config, [call()], [rejected], at(11))
    assert waiting is None and chosen == []
    waiting, chosen, _ = choose_for_queue(config, [call()], [rejected], at(12))
    assert waiting is not None and ids(chosen) == ["a1"]
