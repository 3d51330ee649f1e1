"""FreeSWITCH simulator: an ESL-faithful test double for code that drives FreeSWITCH.

    from callcenter.sim import Switch, press, wait

    with Switch(dialplan={"5000": "127.0.0.1:8084 async full"}, time_scale=0.1) as fs:
        fs.add_softphone("1000", answer_after=2.0)
        call = fs.place_call("13800138000", "5000", [wait(1), press("1")], hangup_after=5)

Inbound ESL clients connect to ``fs.port``; a call to a number mapped to a socket target
makes the simulator dial that outbound-socket server, like the ``socket`` dialplan app.
Events, replies and error strings follow the captured FreeSWITCH 1.10.12 traces
(see ``callcenter sim conformance``).
"""

from callcenter.sim import tts_apps  # noqa: F401,I001  (registers speak and record)
from callcenter.sim.endpoints import Caller, audio, hangup, press, wait, wait_for
from callcenter.sim.softphone import Softphone
from callcenter.sim.events import SimEvent
from callcenter.sim.switch import Switch
from callcenter.sim.voice import say_file

__all__ = [
    "Caller",
    "SimEvent",
    "Softphone",
    "Switch",
    "audio",
    "hangup",
    "press",
    "say_file",
    "wait",
    "wait_for",
]
