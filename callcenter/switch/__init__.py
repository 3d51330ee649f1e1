"""The FreeSWITCH boundary: the only package that speaks the Event Socket (ESL).

* :class:`InboundConnection` / :class:`ReconnectingInbound`: the engine's connection to
  mod_event_socket (api, bgapi, events, filters, sendmsg), with reconnect and resync;
* :class:`OutboundServer` / :class:`OutboundSession`: calls handed over by the dialplan
  ``socket`` app, one greenlet each;
* :mod:`~callcenter.switch.commands`: builders for every command text we send;
* :class:`ChannelRegistry`: the live channels, from events;
* :mod:`~callcenter.switch.protocol` / :mod:`~callcenter.switch.encode`: the wire format
  (parsing / serialising).
"""

from callcenter.switch import commands
from callcenter.switch.connection import DisconnectNotice, EslConnection
from callcenter.switch.errors import (
    AuthFailed,
    CommandFailed,
    CommandTimeout,
    NotConnected,
    ProtocolError,
    SessionGone,
    SwitchError,
)
from callcenter.switch.handlers import ALL, DISCONNECT_NOTICE, HandlerTable, Subscription
from callcenter.switch.inbound import BackgroundJob, InboundConnection
from callcenter.switch.outbound import Execution, OutboundServer, OutboundSession
from callcenter.switch.protocol import Event, Frame, FrameParser
from callcenter.switch.registry import Channel, ChannelRegistry
from callcenter.switch.supervisor import ReconnectingInbound

__all__ = [
    "ALL",
    "DISCONNECT_NOTICE",
    "AuthFailed",
    "BackgroundJob",
    "Channel",
    "ChannelRegistry",
    "CommandFailed",
    "CommandTimeout",
    "DisconnectNotice",
    "EslConnection",
    "Event",
    "Execution",
    "Frame",
    "FrameParser",
    "HandlerTable",
    "InboundConnection",
    "NotConnected",
    "OutboundServer",
    "OutboundSession",
    "ProtocolError",
    "ReconnectingInbound",
    "SessionGone",
    "Subscription",
    "SwitchError",
    "commands",
]
