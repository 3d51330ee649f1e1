"""Console-script entry point: gevent's monkey patching first, then the CLI.

The engine and console are gevent programs; Redis, SQL and HTTP libraries use the standard
socket module, so it must be patched before any of them is imported.
"""

from __future__ import annotations


def run() -> None:
    """Patch the standard library for gevent, then run ``callcenter``."""
    from gevent import monkey

    monkey.patch_all()
    from callcenter.cli import main
    from callcenter.runner import terminate_like_interrupt

    terminate_like_interrupt()
    main()
