"""Console-script entry point: gevent's monkey patching first, then the CLI.

The engine and console are gevent programs; Redis, SQL and HTTP libraries use the standard
socket module, so it must be patched before any of them is imported.
"""

from __future__ import annotations


def run() -> None:
    """Patch the standard library for gevent, then run ``callcenter``."""
    import gevent
    from gevent import monkey

    monkey.patch_all()
    # A greenlet per call, thousands at once: none need the stack and tree of their spawner
    # (a debugging aid that costs memory and time on every spawn)
    gevent.config.track_greenlet_tree = False
    from callcenter.cli import main
    from callcenter.runner import terminate_like_interrupt

    terminate_like_interrupt()
    main()
