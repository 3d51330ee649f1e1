"""What CTI tests share: the settings of a center that dials customers, a caller answered by
an agent, and an agent consulting a second one while the caller is held."""

from __future__ import annotations

from callcenter.sim import Switch, press, wait
from tests.support.calls import (
    HasLive,
    agent_leg,
    command,
    eventually,
    partner_of,
    sign_in,
    wait_state,
)
from tests.support.center import RINGING

CUSTOMER = "13900139000"  # the customer's phone, on the simulator's port 5090
CTI_ENV = RINGING | {
    "ROUTING__OUTBOUND_CALLER_ID": "4000",
    "ROUTING__OUTBOUND_DIAL_STRING": "sofia/internal/{number}@127.0.0.1:5090",
}
"""Engine settings of a CTI center: agents ring 4 s; customers dialled on port 5090."""


class HasSwitch(HasLive):
    """A test's call center with its simulator."""

    switch: Switch


def queue_call(center: HasSwitch, agent: str = "1000", **kw: object):  # noqa: ANN201
    """A caller in 'support', answered by ``agent``: the simulator's Caller."""
    switch = center.switch
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")], **kw)
    wait_state(center, agent, "on_call", 20)
    eventually(lambda: partner_of(switch, caller.uuid), what="caller bridged")
    return caller


def consulting(center: HasSwitch) -> tuple[Switch, object]:
    """Agent 1000 took a caller and consults 1001, who answered: (simulator, caller)."""
    switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1001", answer_after=0.5)
    sign_in(center, "1000")
    caller = queue_call(center)
    sign_in(center, "1001")
    command(center, "1000", "consult", target="agent", to="1001")
    wait_state(center, "1001", "on_call")
    wait_state(center, "1000", "on_hold")
    eventually(
        lambda: partner_of(switch, agent_leg(switch, "1000")) == agent_leg(switch, "1001"),
        what="agent 1000 talks to 1001",
    )
    assert not caller.ended.is_set() and not partner_of(switch, caller.uuid)
    return switch, caller
