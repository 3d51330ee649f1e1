"""The simulator's clock: call time stretches with the time scale, the switch's own work not."""

from __future__ import annotations

import pytest

from callcenter.sim.events import Clock


@pytest.mark.parametrize(("scale", "real", "work"), [(10.0, 0.3, 0.03), (1.0, 0.03, 0.03),
                                                     (0.2, 0.006, 0.006)])  # fmt: skip
def test_a_slowed_clock_stretches_calls_but_not_the_switchs_work(
    scale: float, real: float, work: float
) -> None:
    clock = Clock(scale)
    assert clock.real(0.03) == pytest.approx(real)
    assert clock.work(0.03) == pytest.approx(work)


@pytest.mark.parametrize(("scale", "real"), [(10.0, 15.0), (1.0, 15.0), (0.2, 3.0)])
def test_the_engines_ring_timeout_is_not_stretched_by_a_slowed_clock(
    scale: float, real: float
) -> None:
    clock = Clock(scale)  # call_timeout=15: the engine gives up on the ring after 15 s + grace
    assert clock.real(clock.client_timeout(15.0)) == pytest.approx(real)
