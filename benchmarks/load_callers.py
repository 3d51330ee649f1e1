"""The callers of a load run: the population's callers, kept at N on the line."""

from __future__ import annotations

from typing import Any

import gevent

from callcenter.sim import Switch
from callcenter.sim.endpoints import Caller, press, wait
from callcenter.sim.population import Population, PopulationConfig

__all__ = ["LoadPopulation", "caller_up", "reached_engine"]


class LoadPopulation(Population):
    """The demo population's agents; callers from ``callers`` slots that redial when done."""

    def __init__(
        self, switch: Switch, config: PopulationConfig, agent_action: Any, callers: int
    ) -> None:
        super().__init__(switch, config, agent_action)
        self.slots = callers
        self.callers: list[Caller] = []
        self.placing = True

    def _arrivals(self) -> None:
        for index in range(self.slots):
            self._greenlets.append(gevent.spawn(self._slot, index))

    def _slot(self, index: int) -> None:
        # Spread the first calls over a few seconds, as a real ramp-up would.
        self._sleep(self.random.uniform(0.0, 5.0))
        while self.placing:
            caller = self._place()
            while not caller.ended.wait(1.0):
                pass
            self._sleep(self.random.uniform(0.5, 2.0))

    def _place(self) -> Caller:
        """One caller as Population._arrivals makes them (menu key, patience, repeat)."""
        config = self.config
        choices = list(config.menu_weights)
        digit = self.random.choices(choices, list(config.menu_weights.values()))[0]
        if self.random.random() < config.early_hangup_rate:
            patience = self._pick(config.patience_seconds)
        else:
            patience = config.talk_seconds[1] + 120.0
        number = "138" + "".join(self.random.choices("0123456789", k=8))
        script = [wait(1.0), press(digit)]
        if digit == "9":
            others = [c for c in choices if c != "9"] or ["0"]
            script += [wait(3.0), press(self.random.choice(others))]
        caller = self.switch.place_call(
            number, config.hotline, script, hangup_after=patience, keep_events=False
        )
        self._track(caller)
        self.calls_placed += 1
        return caller

    def _track(self, caller: Caller) -> None:
        """Keep the new caller (every caller of the run, for the figures at the end)."""
        self.callers.append(caller)


def reached_engine(caller: Caller) -> bool:
    """The caller's channel got to the engine: the socket app's connection was accepted."""
    ch = caller.channel
    return ch is not None and ch.outbound is not None and ch.outbound.connected.is_set()


def caller_up(caller: Caller) -> bool:
    """The caller's channel is still up."""
    return caller.channel is not None and caller.channel.up
