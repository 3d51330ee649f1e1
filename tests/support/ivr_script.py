"""A flow runner against a scripted caller: the in-memory CallIO, hooks, lookups and flows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callcenter.ivr.callio import CallerGone, LookupFailed, Recorded, RunnerHooks
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.model import Flow
from callcenter.ivr.registry import UnknownFlowError
from callcenter.ivr.runner import FlowRunner

__all__ = ["Flows", "Hooks", "Lookups", "ScriptedIO", "flow", "run"]


def flow(text: str) -> Flow:
    """The flow of a YAML text that must have no problems."""
    draft = parse_flow(text, "test.yaml")
    assert not draft.problems, draft.problems
    return draft.to_flow()


class ScriptedIO:
    """A caller as a script: each collect() answers the next entry ('' = silence).

    ``barge`` maps a prompt text to keys pressed over it when it is played; ``gone_after``
    hangs up when that many operations have run.
    """

    def __init__(
        self,
        inputs: list[str] | None = None,
        *,
        barge: Mapping[str, str] | None = None,
        gone_after: int | None = None,
        record_ms: int = 4200,
    ) -> None:
        self.inputs = list(inputs or [])
        self.barge = dict(barge or {})
        self.gone_after = gone_after
        self.record_ms = record_ms
        self.calls: list[tuple[Any, ...]] = []

    def _op(self, *call: Any) -> None:
        if self.gone_after is not None and len(self.calls) >= self.gone_after:
            raise CallerGone("caller hung up")
        self.calls.append(call)

    def play(self, prompt: str, *, language: str | None = None) -> str:
        self._op("play", prompt)
        return self.barge.pop(prompt, "")

    def collect(self, prompt: str | None, **options: Any) -> str:
        self._op("collect", prompt, options)
        return self.inputs.pop(0) if self.inputs else ""

    def record(self, path: str, *, max_seconds: int) -> Recorded:
        self._op("record", path, max_seconds)
        return Recorded(path, self.record_ms)

    def set_variable(self, name: str, value: str) -> None:
        self._op("set_variable", name, value)

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        self._op("hangup", cause)

    def transfer(self, destination: str, kind: str = "extension") -> None:
        self._op("transfer", destination, kind)

    @property
    def played(self) -> list[str]:
        return [c[1] for c in self.calls if c[0] == "play"]


class Hooks(RunnerHooks):
    """Records the visited nodes, voicemails and survey scores."""

    def __init__(self) -> None:
        self.path: list[tuple[str, str]] = []
        self.voicemails: list[tuple[str, int, str | None]] = []
        self.scores: list[int] = []

    def visited(self, node: str, value: str) -> None:
        self.path.append((node, value))

    def voicemail(self, path: str, milliseconds: int, mailbox: str | None) -> None:
        self.voicemails.append((path, milliseconds, mailbox))

    def survey(self, score: int) -> None:
        self.scores.append(score)


class Lookups:
    """Customers by number (``"down"``: the store fails) and webhook answers by URL."""

    def __init__(self, customers: dict | None = None, hooks: dict | None = None) -> None:
        self.customers = customers or {}
        self.hooks = hooks or {}
        self.urls: list[tuple[str, float]] = []

    def customer(self, number: str) -> Mapping[str, Any] | None:
        if self.customers == "down":
            raise LookupFailed("database down")
        return self.customers.get(number)

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        self.urls.append((url, timeout))
        answer = self.hooks.get(url)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Flows:
    """Other flows by name, as the registry serves them."""

    def __init__(self, *flows: Flow) -> None:
        self.flows = {f.name: f for f in flows}

    def get(self, name: str) -> Flow:
        try:
            return self.flows[name]
        except KeyError:
            raise UnknownFlowError(f"no flow {name}") from None


def run(
    f: Flow, io: ScriptedIO, *, variables: dict | None = None, **kwargs: Any
) -> tuple[Any, Hooks, FlowRunner]:
    """Run ``f`` for a caller from 13800138000; the outcome, the hooks and the runner."""
    hooks = Hooks()
    runner = FlowRunner(
        f,
        io,
        variables={"caller_number": "13800138000", "call_uuid": "u1", **(variables or {})},
        hooks=hooks,
        **kwargs,
    )
    return runner.run(), hooks, runner
