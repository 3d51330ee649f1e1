"""Flows of a folder by name: reloads changed files on demand and keeps the last valid version."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from callcenter.ivr.checks import Checks, check_draft, internal_problem
from callcenter.ivr.errors import IvrError, Problem
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.loader import Draft
from callcenter.ivr.model import Flow
from callcenter.ivr.sources import FlowSource, FolderSource, Signature
from callcenter.logs import get_logger

__all__ = ["FlowRegistry", "UnknownFlowError"]

log = get_logger(__name__)


class UnknownFlowError(IvrError):
    """No valid flow has this name (or no flow is mapped to this number)."""


@dataclass
class _FileState:
    signature: Signature  # e.g. (mtime_ns, size) when last read
    name: str | None  # the flow it provides while valid
    problems: list[Problem]


class FlowRegistry:
    """Loads ``folder/*.yaml`` (or another :class:`FlowSource`, e.g. the database); ``get``
    re-checks the source at most every ``check_interval`` s.

    A changed file that is invalid is refused: its problems are logged and kept in
    ``problems``, and the last valid version of that flow stays in service. A deleted
    file's flow also stays in service (logged) until the process restarts.
    """

    def __init__(
        self,
        folder: Path | str | FlowSource,
        *,
        prompts_dir: Path | None = None,
        known_queues: Collection[str] | None = None,
        numbers: Mapping[str, str] | None = None,
        default_flow: str | None = None,
        check_interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        limits: FlowLimits = FlowLimits(),
    ) -> None:
        self.source = FolderSource(Path(folder)) if isinstance(folder, str | Path) else folder
        self.prompts_dir = prompts_dir
        self.known_queues = known_queues
        self.numbers = dict(numbers or {})
        self.default_flow = default_flow
        self.check_interval = check_interval
        self.clock = clock
        self.limits = limits
        self._flows: dict[str, Flow] = {}
        self._files: dict[str, _FileState] = {}
        self._last_check: float | None = None
        self._mapping: list[Problem] = []  # numbers mapped to flows that are not loaded
        self.reload()

    @property
    def problems(self) -> dict[str, list[Problem]]:
        """Current problems by file (files whose newest version is invalid)."""
        return {path: state.problems for path, state in self._files.items() if state.problems}

    @property
    def all_problems(self) -> list[Problem]:
        """Every current problem: those of the files, then those of ivr.numbers/default_flow."""
        return [p for problems in self.problems.values() for p in problems] + self._mapping

    def names(self) -> list[str]:
        """Names of the flows in service."""
        self.refresh()
        return sorted(self._flows)

    def get(self, name: str) -> Flow:
        """The flow in service under ``name``; :class:`UnknownFlowError` if there is none."""
        self.refresh()
        try:
            return self._flows[name]
        except KeyError:
            known = ", ".join(sorted(self._flows)) or "none"
            raise UnknownFlowError(
                f"no valid flow named '{name}' in {self.source} (flows: {known}); "
                "run 'callcenter ivr validate' to see what is wrong"
            ) from None

    def flow_for_number(self, dialled_number: str) -> Flow:
        """The flow for a dialled number: the ``numbers`` mapping, else ``default_flow``."""
        self.refresh()  # the mapping may come from the source too (hotline numbers in SQL)
        name = self.numbers.get(dialled_number, self.default_flow)
        if name is None:
            raise UnknownFlowError(
                f"no flow is mapped to the dialled number {dialled_number!r}; add it to the "
                "setting ivr.numbers or set ivr.default_flow"
            )
        return self.get(name)

    def refresh(self) -> None:
        """Reload if ``check_interval`` has passed since the last check."""
        now = self.clock()
        if self._last_check is None or now - self._last_check >= self.check_interval:
            self.reload()

    def reload(self) -> list[Problem]:
        """Re-read new and changed files now; returns the problems of the files just read."""
        self._last_check = self.clock()
        found = self.source.scan()
        numbers = self.source.numbers()
        renumbered = numbers is not None and dict(numbers) != self.numbers
        if numbers is not None:
            self.numbers = dict(numbers)
        for path in set(self._files) - set(found):
            state = self._files.pop(path)
            if state.name is not None:
                log.warning("ivr_flow_file_deleted", file=path, flow=state.name, kept=True)
        changed = [path for path, sig in found.items() if self._changed(path, sig)]
        drafts = {path: _read(self.source, path, self.limits) for path in changed}
        by_name = {d.name: d for d in drafts.values() if d.name is not None}
        resolve = self.source.resolver(by_name, self.limits)

        def flow_nodes(name: str) -> Collection[str] | None:
            if name in self._flows and name not in by_name:
                return set(self._flows[name].nodes)
            return resolve(name)

        checks = Checks(self.prompts_dir, self.known_queues, flow_nodes)
        reported: list[Problem] = []
        for path, draft in drafts.items():
            try:
                problems = check_draft(draft, checks) + self._name_clash(path, draft)
            except Exception as exc:  # the last guard: a file never stops a call's reload
                problems = [internal_problem(path, exc)]
            reported.extend(problems)
            self._install(path, found[path], draft, problems)
        if changed or renumbered or not self._flows:
            self._mapping = self._number_problems()  # logged when the flows change
            reported.extend(self._mapping)
        return reported

    def _changed(self, path: str, signature: Signature) -> bool:
        state = self._files.get(path)
        return state is None or state.signature != signature

    def _name_clash(self, path: str, draft: Draft) -> list[Problem]:
        for other, state in self._files.items():
            if other != path and draft.name is not None and state.name == draft.name:
                message = (
                    f"flow name '{draft.name}' is also used by {other}; "
                    "each flow needs its own name"
                )
                return [Problem.at(path, draft.name_pos, message)]
        return []

    def _install(
        self, path: str, signature: Signature, draft: Draft, problems: list[Problem]
    ) -> None:
        old = self._files.get(path)
        if problems:
            kept = old.name if old else None
            for problem in problems:
                log.warning("ivr_flow_invalid", problem=str(problem), kept_flow=kept)
            self._files[path] = _FileState(signature, kept, problems)
            return
        flow = replace(draft.to_flow(), version=self.source.version(signature))
        if old is not None and old.name not in (None, flow.name):
            self._flows.pop(old.name, None)  # type: ignore[arg-type]
        self._flows[flow.name] = flow
        self._files[path] = _FileState(signature, flow.name, [])
        log.info("ivr_flow_loaded", file=path, flow=flow.name, nodes=len(flow.nodes))

    def _number_problems(self) -> list[Problem]:
        out = []
        for number, name in sorted(self.numbers.items()):
            if name not in self._flows:
                message = f"dialled number {number} maps to flow '{name}', which is not loaded"
                out.append(Problem("setting ivr.numbers", 0, 0, message))
        if self.default_flow is not None and self.default_flow not in self._flows:
            message = f"the default flow '{self.default_flow}' is not loaded"
            out.append(Problem("setting ivr.default_flow", 0, 0, message))
        for problem in out:
            log.warning("ivr_flow_mapping", problem=str(problem))
        return out


def _read(source: FlowSource, path: str, limits: FlowLimits) -> Draft:
    """The entry's draft; an unexpected failure is the draft's one problem, never raised."""
    try:
        return source.read(path, limits)
    except Exception as exc:  # the last guard
        draft = Draft(path)
        draft.problems.append(internal_problem(path, exc))
        return draft
