"""Fuzzing flow files (issue 14): whatever a file holds, the loader answers with problems or a
flow, and any flow it accepts runs to an outcome against a scripted caller.

(a) arbitrary bytes and text, and real flow files with bytes flipped, cut or inserted;
(b) YAML flows built from the node schema with random, missing and wrong-typed fields and
random references; (c) every flow (b) produces that the loader accepts is run by the runner.
The loader's own functions are called here, not the guarded wrappers (``read_draft``,
``validate``, the registry) whose last-resort ``except`` would hide a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.ivr.callio import CallerGone, LookupFailed, Outcome, Recorded
from callcenter.ivr.checks import Checks, check_draft
from callcenter.ivr.limits import FlowLimits, decode
from callcenter.ivr.loader import parse_flow
from callcenter.ivr.model import NODE_TYPES, Flow
from callcenter.ivr.registry import UnknownFlowError
from callcenter.ivr.runner import FlowRunner
from callcenter.ivr.variables import call_variables

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "ivr_flows").glob("*.yaml"))
SAMPLES = [path.read_bytes() for path in SHIPPED]
LIMITS = FlowLimits(max_bytes=20_000, max_nodes=50, max_depth=16)  # small files, fast examples
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip


def load(data: bytes) -> list:
    """The loader on one file's bytes: its problems ([] means the flow is valid)."""
    text, problem = decode(data, "fuzz.yaml")
    if text is None:
        return [problem]
    draft = parse_flow(text, "fuzz.yaml", LIMITS)
    problems = check_draft(draft, Checks())
    if not problems:
        assert isinstance(draft.to_flow(), Flow)
    return problems


# -- (a) arbitrary and mutated bytes ---------------------------------------------------------


INSERTS = [b"\0", b"\xff", b"{", b"[", b"&a ", b"*a", b"\n  - ", b": ", b"'", b"\t", b"\r",
           b"!!python/object ", b"9" * 120, b"\x85", b"%YAML 1.1\n---\n", b"? "]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A shipped flow file with a few bytes flipped, deleted, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "repeat", "nest"]))
        if action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif action == "repeat":
            data[at:at] = data[at : at + 30] * draw(st.integers(2, 5))
        else:
            data[at:at] = b"[" * draw(st.integers(10, 40))
    return bytes(data)


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode) | mutated())
def test_any_bytes_give_problems_or_a_flow(data: bytes) -> None:
    for problem in load(data):
        assert problem.file == "fuzz.yaml" and problem.message
        assert not problem.message.startswith("cannot check this file")


# -- (b) structured flows from the node schema -----------------------------------------------

IDS = ["n0", "n1", "n2", "n3", "n4", "n5"]
VALID: dict[str, list[Any]] = {
    "prompt": ["say:Hello ${caller_number}", "tone_stream://%(100,0,800)", "welcome.wav",
               "silence_stream://500"],
    "int": [1, 3, 5],
    "seconds": [1, 2.5, 10],
    "str": ["label", "x" * 300],
    "bool": [True, False, "yes"],
    "varname": ["x", "customer_name", "speech_text"],
    "name": ["support", "sales", "a.b-c"],
    "names": [["english"], [], ["a", "b"]],
    "language": ["en", "zh", "zh-CN"],
    "dtmf": ["#", "", "*#"],
    "regex": ["[0-9]+", "1234", "(a+)+$", "[^#]{4}"],
    "url": ["http://127.0.0.1:9/x?n=${caller_number}", "https://h/${x}"],
    "phone": ["1000", "+8613800000000", "${x}"],
    "cause": ["NORMAL_CLEARING", "USER_BUSY"],
    "timezone": ["UTC", "Asia/Shanghai"],
    "expr": ["x > 1", "caller_number == '13800000000'", "hour >= 9 and hour < 18",
             "x + 'a' > 3", "1 / 0", "len(y) > 2", "number(y) > 1", "lower(x) == 'a'",
             "x in [1, 2]", "9" * 90, "(" * 30 + "x" + ")" * 30],
    "hours": [{"mon-fri": "09:00-18:00", "sat": "closed"}, {"all": "00:00-24:00"},
              {"mon": ["09:00-12:00", "13:00-18:00"]}],
    "holidays": [["01-01", "2025-10-01..2025-10-07"], []],
    "results": [{"customer_name": "name", "x": "vip"}, {}],
    "values": [{"x": 1, "y": "text", "z": {"expr": "x + 1"}}, {"x": None, "y": True},
               {"y": {"expr": "y * 3"}}],
    "enum": [],  # from the field's choices
}  # fmt: skip
INVALID: dict[str, list[Any]] = {
    "prompt": ["say:", "ftp://x", "say:${missing}"],
    "int": [0, -1, 10**6, "7", "9" * 200],
    "seconds": [0, 0.5, 1e9, "2.5", "nan"],
    "str": [""],
    "bool": ["maybe"],
    "varname": ["1bad", "a-b"],
    "name": ["bad name", "../etc"],
    "names": [["a", "b c"], "a"],
    "language": ["english", "x"],
    "dtmf": ["ab"],
    "regex": ["(", "[z-a]"],
    "url": ["ftp://h/", "http://"],
    "phone": ["10;00", "${a}${b}", "1000\n"],
    "cause": ["bad cause"],
    "timezone": ["Mars/Base", "", "../../etc/passwd"],
    "expr": ["(", "x ==", "not", "'a' * 99999999", "missing > 1", "len()"],
    "hours": [{"funday": "09:00"}, {"mon": "25:00-26:00"}, {"mon": "09:00-08:00"}, []],
    "holidays": [["13-40"], "01-01", ["2025-10-07..2025-10-01"]],
    "results": [{"1x": "name"}, {"a": "b c"}, {"x": "data.level"}],
    "values": [{"x": {"expr": "("}}, {"bad-name": 1}, {"x": {"other": 1}}],
    "enum": [],
}  # fmt: skip
WRONG = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)  # fmt: skip


@st.composite
def target(draw: st.DrawFn, index: int, count: int, cross_flow: bool, strict: bool) -> str:
    """Mostly the next node (so most nodes are reachable), else any node or a bad reference."""
    forward = IDS[index + 1 : min(index + 2, count)] or ["n0"]
    known = st.sampled_from(forward * 4 + IDS[:count])
    if cross_flow:
        known |= st.sampled_from(["fuzz:", "fuzz:n0"])
    if strict:
        return draw(known)
    bad = st.sampled_from(["missing", "other:n0", "bad id", "", "fuzz:nowhere", "main:"])
    return draw(known | bad)


@st.composite
def field_value(
    draw: st.DrawFn, kind: str, meta: Mapping[str, Any], index: int, count: int, strict: bool
) -> Any:
    if kind == "target":
        return draw(target(index, count, bool(meta.get("cross_flow")), strict))
    if kind == "targets":
        keys = st.sampled_from(list("0123456789*#") if meta["keys"] == "digit"
                               else ["sales", "support", "yes please"])  # fmt: skip
        refs = target(index, count, False, strict)
        return draw(st.dictionaries(keys, refs, min_size=1, max_size=4))
    if kind == "enum":
        return draw(st.sampled_from([*meta["choices"], *([] if strict else ["other"])]))
    return draw(st.sampled_from(VALID[kind] + ([] if strict else INVALID[kind])))


@st.composite
def node_body(draw: st.DrawFn, index: int, count: int, strict: bool) -> Any:
    """One node: a type from the schema and its fields (in strict mode: well typed, all
    required fields given), else anything from missing fields to a wrong shape."""
    if not strict and draw(st.integers(0, 20)) == 0:
        return draw(WRONG)
    last = index == count - 1
    types = sorted(t for t, c in NODE_TYPES.items() if last or not strict or not c.terminal)
    type_name = draw(st.sampled_from(types))
    if not strict and draw(st.integers(0, 20)) == 0:
        type_name = draw(st.sampled_from(["menuu", "", "queue ", "Play"]))
    body: dict[str, Any] = {"type": type_name}
    cls = NODE_TYPES.get(type_name)
    for name, meta in (cls.field_specs() if cls else {}).items():
        key = meta.get("key", name)
        mode = draw(st.sampled_from(["good"] * 6 + ["skip"] * 3 + ["wrong"]))
        if strict:  # every target given: the nodes after this one are reachable
            keep = meta["required"] or meta["kind"] == "target" or mode != "skip"
            mode = "good" if keep else "skip"
        if mode == "skip":
            continue
        if mode == "wrong":
            body[key] = draw(WRONG)
        else:
            body[key] = draw(field_value(meta["kind"], meta, index, count, strict))
    if not strict and draw(st.booleans()) and draw(st.booleans()):
        body[draw(st.sampled_from(["nxt", "choice", "queue", "x"]))] = draw(WRONG)
    return body


@st.composite
def flow_text(draw: st.DrawFn, strict: bool = False) -> str:
    count = draw(st.integers(1, len(IDS)))
    nodes = {IDS[i]: draw(node_body(i, count, strict)) for i in range(count)}
    doc: dict[str, Any] = {"name": "fuzz", "start": "n0", "nodes": nodes}
    if strict or draw(st.booleans()):  # x and y: the variables the expressions read
        doc["variables"] = {"x": draw(st.sampled_from([1, "a", None])), "y": "12"}
    if not strict and draw(st.booleans()):
        doc["variables"] = draw(st.sampled_from(VALID["values"] + INVALID["values"]))
    if draw(st.booleans()):
        doc["language"] = draw(st.sampled_from(VALID["language"] + INVALID["language"][:1])
                               if not strict else st.sampled_from(VALID["language"]))  # fmt: skip
    if not strict:
        for key in draw(st.lists(st.sampled_from(["name", "start", "nodes"]), max_size=1)):
            doc.pop(key, None)
        if draw(st.integers(0, 10)) == 0:
            doc["start"] = draw(WRONG)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


@FUZZ
@given(flow_text())
def test_structured_flows_give_problems_or_a_flow(text: str) -> None:
    for problem in load(text.encode()):
        assert problem.line >= 0 and problem.message
        assert not problem.message.startswith("cannot check this file")


# -- (c) every accepted flow runs ------------------------------------------------------------


class Caller:
    """A scripted caller: keys over prompts and answers to inputs, then maybe a hang-up."""

    def __init__(self, keys: list[str], gone_after: int | None) -> None:
        self.keys = keys
        self.gone_after = gone_after
        self.ops = 0

    def _op(self) -> str:
        self.ops += 1
        if self.gone_after is not None and self.ops > self.gone_after:
            raise CallerGone("hung up")
        return self.keys.pop(0) if self.keys else ""

    def play(self, prompt: str, *, language: str | None = None) -> str:
        return self._op()[:1]

    def collect(self, prompt: str | None, **options: Any) -> str:
        return self._op()

    def record(self, path: str, *, max_seconds: int, **options: Any) -> Recorded:
        return Recorded(path, 1000, self._op()[:1])

    def set_variable(self, name: str, value: str) -> None:
        self._op()

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        self._op()

    def transfer(self, destination: str, kind: str = "extension") -> None:
        self._op()


class Lookups:
    """Customer and webhook answers chosen by the test: a record, none, or a failure."""

    def __init__(self, answer: Mapping[str, Any] | None | str) -> None:
        self.answer = answer

    def customer(self, number: str) -> Mapping[str, Any] | None:
        if self.answer == "fail":
            raise LookupFailed("store down")
        return self.answer  # type: ignore[return-value]

    def webhook(self, url: str, timeout: float) -> Mapping[str, Any] | None:
        return self.customer(url)


class OneFlow:
    """The flow source: only the fuzzed flow itself is in service."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def get(self, name: str) -> Flow:
        if name != self.flow.name:
            raise UnknownFlowError(f"no flow {name}")
        return self.flow


ANSWERS = st.sampled_from(
    [None, "fail", {"name": "Ann", "vip": True, "data": {"level": 3}}, {"name": 5, "vip": "x"}]
)
KEYS = st.lists(st.sampled_from(["", "1", "2", "9", "#", "*", "1234", "12345#", "0" * 70]),
                max_size=12)  # fmt: skip


@FUZZ
@given(flow_text(strict=True), KEYS, st.none() | st.integers(0, 15), ANSWERS)
def test_accepted_flows_run_to_an_outcome(
    tmp_path_factory: Any, text: str, keys: list[str], gone_after: int | None, answer: Any
) -> None:
    draft = parse_flow(text, "fuzz.yaml", LIMITS)
    if check_draft(draft, Checks()):
        return  # refused: (b) covers it
    flow = draft.to_flow()
    runner = FlowRunner(
        flow,
        Caller(list(keys), gone_after),
        variables=call_variables("13800000000", "5000", NOW, "UTC", call_uuid="fuzz"),
        flows=OneFlow(flow),
        lookups=Lookups(answer),
        clock=lambda: NOW,
        voicemail_dir=tmp_path_factory.getbasetemp() / "voicemail",
        max_steps=60,
        speech_dir=tmp_path_factory.getbasetemp() / "speech",
    )
    outcome = runner.run()
    assert isinstance(outcome, Outcome)
    assert outcome.kind in ("queue", "transfer", "hangup", "voicemail", "gone")


def test_structured_generator_reaches_valid_flows() -> None:
    """The strict generator must produce accepted flows, or (c) would test nothing."""
    accepted = []

    @settings(max_examples=60, deadline=None, database=None)
    @given(flow_text(strict=True))
    def count(text: str) -> None:
        draft = parse_flow(text, "fuzz.yaml", LIMITS)
        accepted.append(not check_draft(draft, Checks()))

    count()
    assert sum(accepted) >= 5, f"{sum(accepted)} of {len(accepted)} generated flows accepted"
