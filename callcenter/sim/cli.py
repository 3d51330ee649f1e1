"""``callcenter sim``: run the FreeSWITCH simulator, check it against the captured traces."""

from __future__ import annotations

import sys

import click


@click.group("sim")
def sim() -> None:
    """FreeSWITCH simulator (ESL server + simulated SIP endpoints)."""


@sim.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8021, show_default=True, help="ESL port for inbound clients.")
@click.option("--password", default="ClueCon", show_default=True)
@click.option(
    "--dialplan",
    multiple=True,
    metavar="NUMBER=HOST:PORT",
    help="Dialled number handed to an outbound socket (repeatable). Default 5000=127.0.0.1:8084.",
)
@click.option("--time-scale", default=1.0, show_default=True, help="<1 runs durations faster.")
def serve(
    host: str, port: int, password: str, dialplan: tuple[str, ...], time_scale: float
) -> None:
    """Run the simulator until interrupted."""
    from callcenter.config import load_settings
    from callcenter.logs import configure_logging
    from callcenter.runner import wait_for_signal
    from callcenter.sim import Switch

    log = load_settings().log  # the simulator logs like the engine (log.format, log.level)
    configure_logging(log.level, log.format, log.access)

    plan = {}
    for item in dialplan or ("5000=127.0.0.1:8084",):
        number, sep, target = item.partition("=")
        if not sep:
            raise click.BadParameter(
                f"expected NUMBER=HOST:PORT, got {item!r}", param_hint="--dialplan"
            )
        plan[number] = target if " " in target else f"{target} async full"
    switch = Switch(password=password, host=host, port=port, dialplan=plan, time_scale=time_scale)
    switch.start()
    try:  # a SIGTERM right after the banner is the same stop as one during the wait
        click.echo(f"FreeSWITCH simulator: ESL on {host}:{switch.port}, dialplan {plan}")
        # Not a KeyboardInterrupt raised in whichever greenlet runs when the signal comes
        # (one of the switch's, which would die with a traceback): the hub wakes this one.
        wait_for_signal()
    except KeyboardInterrupt:
        pass
    finally:
        switch.stop()


@sim.command("conformance")
@click.option("--traces", default=None, help="Folder with the captured traces and index.json.")
@click.option("--time-scale", default=0.2, show_default=True)
@click.argument("scenario", nargs=-1)
def conformance(traces: str | None, time_scale: float, scenario: tuple[str, ...]) -> None:
    """Replay captured scenarios against the simulator; print PASS/FAIL per scenario."""
    from callcenter.sim import conformance as conf

    folder = traces or conf.DEFAULT_TRACES
    failed = 0
    for sid in scenario or conf.scenarios(folder):
        result = conf.run(sid, folder, time_scale)
        click.echo(f"{sid:5} {'PASS' if result.ok else 'FAIL'}  ({result.seconds:.1f}s)")
        if not result.ok:
            failed += 1
            click.echo("      " + result.detail.replace("\n", "\n      "))
    sys.exit(1 if failed else 0)
