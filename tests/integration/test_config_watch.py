"""ConfigWatch at start: a change committed before the engine's subscription is not lost."""

from __future__ import annotations

import gevent

from callcenter.engine.config_watch import ConfigWatch
from tests.support.calls import eventually
from tests.support.in_process import cooperative_live


class Counting:
    """Stands in for QueuePolicies / the agents' loader: counts the re-reads."""

    def __init__(self) -> None:
        self.reloads = 0

    def reload(self, *_: object) -> None:
        self.reloads += 1


def test_the_first_subscription_rereads_what_changed_before_it(
    redis_url: str, redis_prefix: str
) -> None:
    live = cooperative_live(redis_url, redis_prefix)  # the follower must not block the hub
    policies, agents = Counting(), Counting()
    watch = ConfigWatch(
        live,
        policies,
        agents,
        load_agents=list,
        wake=lambda: None,  # type: ignore[arg-type]
    )
    follower = gevent.spawn(watch._follow)
    try:
        # the engine loaded queues and agents at construction; an admin change committed
        # before this greenlet subscribed sent its notice to nobody - the re-read catches it
        eventually(lambda: policies.reloads == 1 and agents.reloads == 1, what="one re-read")
    finally:
        follower.kill()
        live.close()
