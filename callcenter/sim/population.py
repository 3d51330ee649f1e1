"""A simulated call-center population: agents' softphones and callers arriving over time.

Used by ``callcenter demo`` and the load benchmarks. Agents sign in through a callback (the
demo sends the same agent commands the console sends), answer after a few seconds, sometimes
miss a call and sometimes take a break. Callers arrive at a configurable rate, pick a menu
option a second into the call (keys typed over the greeting count for the menu; after "9,
repeat" they choose again), wait in the queue, talk, and sometimes give up early. Agents hang
up first; a caller who is then parked (``park_after_bridge``: the engine's post-call survey)
usually rates the call.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import gevent

from callcenter.sim.endpoints import press, wait, wait_for
from callcenter.sim.switch import Switch

AgentAction = Callable[[str, str, str], None]  # (extension, action, reason)


@dataclass
class PopulationConfig:
    """Who is in the simulated call center and how they behave."""

    agents: list[str] = field(default_factory=lambda: [str(n) for n in range(1000, 1006)])
    hotline: str = "5000"
    calls_per_minute: float = 6.0
    menu_weights: dict[str, float] = field(
        default_factory=lambda: {"1": 0.3, "2": 0.45, "3": 0.12, "0": 0.08, "9": 0.05}
    )
    answer_after: tuple[float, float] = (1.0, 4.0)
    miss_rate: float = 0.1
    talk_seconds: tuple[float, float] = (8.0, 40.0)
    early_hangup_rate: float = 0.15
    patience_seconds: tuple[float, float] = (5.0, 25.0)
    break_rate_per_minute: float = 0.2
    break_seconds: tuple[float, float] = (10.0, 40.0)
    survey_weights: dict[str, float] = field(
        default_factory=lambda: {"5": 0.4, "4": 0.3, "3": 0.15, "2": 0.1, "1": 0.05}
    )
    survey_rate: float = 0.75  # callers who rate the call when the survey asks
    seed: int | None = None


class Population:
    """Runs the agents and callers of a :class:`PopulationConfig` on a simulator."""

    def __init__(self, switch: Switch, config: PopulationConfig, agent_action: AgentAction) -> None:
        self.switch = switch
        self.config = config
        self.agent_action = agent_action
        self.random = random.Random(config.seed)
        self.calls_placed = 0
        self._greenlets: list[gevent.Greenlet] = []

    def start(self) -> Population:
        """Register the softphones, sign agents in, start the arrivals."""
        for extension in self.config.agents:
            self.switch.add_softphone(
                extension, answer_after=self._pick(self.config.answer_after), keep_calls=5
            )
            self._greenlets.append(gevent.spawn(self._agent_life, extension))
        self._greenlets.append(gevent.spawn(self._arrivals))
        return self

    def stop(self) -> None:
        """Stop placing calls and moving agents."""
        gevent.killall(self._greenlets)
        self._greenlets.clear()

    def _pick(self, bounds: tuple[float, float]) -> float:
        return self.random.uniform(*bounds)

    def _sleep(self, seconds: float) -> None:
        gevent.sleep(self.switch.clock.real(seconds))

    def _agent_life(self, extension: str) -> None:
        self._sleep(self.random.uniform(0.5, 3.0))
        self.agent_action(extension, "login", "")
        self.agent_action(extension, "ready", "")
        phone = self.switch.softphones[extension]
        while True:
            # Each phone gets a new temper every few seconds: answer delay, or a missed call.
            missing = self.random.random() < self.config.miss_rate
            phone.mode = "noanswer" if missing else "answer"
            phone.answer_after = self._pick(self.config.answer_after)
            phone.hangup_after = self._pick(self.config.talk_seconds)
            self._sleep(5.0)
            if self.random.random() < self.config.break_rate_per_minute * 5.0 / 60.0:
                self.agent_action(extension, "not_ready", "break")
                self._sleep(self._pick(self.config.break_seconds))
                self.agent_action(extension, "ready", "")

    def _rating(self, patience: float) -> list:
        """Script steps: once parked after the agent hung up, press a 1-5 rating."""
        weights = self.config.survey_weights
        score = self.random.choices(list(weights), list(weights.values()))[0]
        parked = wait_for("CHANNEL_PARK", within=patience, **{"Channel-State": "CS_PARK"})
        return [parked, wait(1.5), press(score)]

    def _arrivals(self) -> None:
        rate_per_second = self.config.calls_per_minute / 60.0
        choices = list(self.config.menu_weights)
        weights = list(self.config.menu_weights.values())
        while True:
            self._sleep(self.random.expovariate(rate_per_second))
            digit = self.random.choices(choices, weights)[0]
            if self.random.random() < self.config.early_hangup_rate:
                patience = self._pick(self.config.patience_seconds)
            else:
                patience = self.config.talk_seconds[1] + 120.0
            number = "138" + "".join(self.random.choices("0123456789", k=8))
            script = [wait(1.0), press(digit)]
            if digit == "9":  # "hear the options again": listen a little, then choose
                others = [c for c in choices if c != "9"] or ["0"]
                script += [wait(3.0), press(self.random.choice(others))]
            hangup_after = patience
            if patience > self.config.talk_seconds[1] and self.random.random() < (
                self.config.survey_rate
            ):
                script += self._rating(patience)
                hangup_after = 30.0  # after the rating the engine says goodbye and hangs up
            self.switch.place_call(number, self.config.hotline, script, hangup_after=hangup_after)
            self.calls_placed += 1
