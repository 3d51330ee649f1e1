"""Seeded generators of hostile inputs for benchmarks/fuzz_soak.py: mutated bytes (ESL frames,
flow files), JSON values, form fields, query strings and URL path values.

Everything comes from one ``random.Random`` so a run is repeated by its seed. The tokens are
the payload classes of issue #14 (NUL, CR/LF, ``${...}``, formula starts, huge and
superscript digits, deep nesting, oversized text) mixed with random bytes.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TRACES = ROOT / "tests" / "fixtures" / "freeswitch-traces"
SHIPPED_FLOWS = ROOT / "ivr_flows"

# Byte sequences that broke parsers and loaders before (issue #14) or sit on their edges.
BYTE_TOKENS = [
    b"\x00", b"\n", b"\r\n", b"\n\n", b": ", b"%", b"%0A", b"%00", b"%zz", b"=", b"\xff\xfe",
    b"\xc3", b"Content-Length: 99999999999999\n", b"Content-Length: -1\n",
    b"Content-Length: \xc2\xb2\n",
    b"Content-Type: text/event-json\n", b"Content-Type: text/event-plain\n", b"Event-Name: : x\n",
    b"[" * 5000, b"{\"a\":" * 3000, b"9" * 5000, b"\t", b"\xe2\x80\xa8", b"${sh(x)}",
    b"&: *a", b"!!python/object:os.system", b"- - - - -", b"? ", b"%YAML 1.1\n",
]  # fmt: skip

TEXT_TOKENS = [
    "", " ", "\x00", "a\x00b", "\r\n", "line\nInjected: yes", "${system(id)}", "=1+1", "+1", "-1",
    "@SUM(A1)", "=HYPERLINK(\"http://x\")", "\t=1", "²³", "١٢٣", "0x10", "1e309", "-0",
    "9223372036854775807", "9223372036854775808", "18446744073709551616", "9" * 5000,
    "../../etc/passwd", "%2F%2Fevil", "//evil.example", "/\t/evil", "https://evil.example",
    "<script>alert(1)</script>", "' OR 1=1 --", "\u202e", "\ud7ff", "😀" * 10, "é" * 300,
    "admin", "agent", "supervisor", "true", "null", "[]", "{}", "on", "1", "0",
]  # fmt: skip

WEIRD_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    1.5,
    1e308,
    -1e308,
    True,
    False,
]


def console_vocabulary() -> list[str]:
    """Every identifier-like string literal in console/*.py: field names, actions, values."""
    words: set[str] = set()
    for path in (ROOT / "console").glob("*.py"):
        words.update(re.findall(r"[\"']([a-z][a-z0-9_]{1,30})[\"']", path.read_text("utf-8")))
    return sorted(words)


class Inputs:
    """Random hostile inputs from one seeded generator."""

    def __init__(self, rng: random.Random, vocabulary: list[str], protected: set[str]) -> None:
        self.rng = rng
        self.vocabulary = vocabulary
        self.protected = protected  # values never sent (the soak's own agents and users)

    # -- bytes ---------------------------------------------------------------------------------
    def mutate_bytes(self, data: bytes, rounds: int | None = None) -> bytes:
        """``data`` with 1-4 random edits: flips, inserts, deletions, duplicated spans, tokens."""
        rng = self.rng
        out = bytearray(data)
        for _ in range(rounds or rng.randint(1, 4)):
            at = rng.randint(0, len(out))
            kind = rng.random()
            if kind < 0.2 and out:
                out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
            elif kind < 0.35:
                out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            elif kind < 0.5 and out:
                del out[at : at + rng.randint(1, 64)]
            elif kind < 0.6 and out:
                start = rng.randrange(len(out))
                out[at:at] = out[start : start + rng.randint(1, 200)]
            elif kind < 0.65:
                del out[at:]  # truncated
            else:
                out[at:at] = rng.choice(BYTE_TOKENS)
        return bytes(out)

    def chunks(self, data: bytes) -> list[bytes]:
        """``data`` cut at random places, as TCP delivers it."""
        cuts = sorted(self.rng.randint(0, len(data)) for _ in range(self.rng.randint(0, 4)))
        pieces, last = [], 0
        for cut in [*cuts, len(data)]:
            pieces.append(data[last:cut])
            last = cut
        return pieces

    # -- text and JSON values ------------------------------------------------------------------
    def text(self) -> str:
        """A string: a field word, a token, random characters or a long run."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.3:
            value = rng.choice(self.vocabulary)
        elif kind < 0.6:
            value = rng.choice(TEXT_TOKENS)
        elif kind < 0.85:
            value = "".join(chr(rng.choice((rng.randint(0, 0x7F), rng.randint(0, 0x2FFF))))
                            for _ in range(rng.randint(0, 40)))  # fmt: skip
        elif kind < 0.95:
            value = rng.choice(TEXT_TOKENS[1:]) + rng.choice(self.vocabulary)
        else:
            value = rng.choice("a=\x00\n") * rng.choice((300, 5000, 70000))
        return self.scrub(value)

    def scrub(self, value: str) -> str:
        """Protected values (the soak's serving agents and users) are never sent."""
        return "x" + value if value in self.protected else value

    def number_text(self) -> str:
        """A numeric-looking string: ids, huge, negative, other scripts' digits."""
        rng = self.rng
        return self.scrub(rng.choice([
            str(rng.randint(0, 50)), str(rng.randint(10**5, 10**12)),
            str(rng.choice(WEIRD_NUMBERS)), "9" * rng.choice((19, 20, 30, 400, 5000)),
            "-" + str(rng.randint(1, 99)), "²", "٣", "1_0", " 7 ", "0007", "",
        ]))  # fmt: skip

    def json_value(self, depth: int = 0) -> Any:
        """A random JSON value (nested up to a few levels; some values pathological)."""
        rng = self.rng
        kind = rng.random()
        if depth < 3 and kind < 0.12:
            return [self.json_value(depth + 1) for _ in range(rng.randint(0, 4))]
        if depth < 3 and kind < 0.22:
            return {self.key(): self.json_value(depth + 1) for _ in range(rng.randint(0, 4))}
        if kind < 0.55:
            return self.text()
        if kind < 0.7:
            return rng.choice(WEIRD_NUMBERS)
        if kind < 0.8:
            return self.number_text()
        if kind < 0.9:
            return rng.choice([None, True, False, [], {}])
        return rng.randint(-(10**6), 10**6)

    def key(self) -> str:
        """An object key: mostly the console's own field names."""
        return self.rng.choice(self.vocabulary) if self.rng.random() < 0.8 else self.text()

    def fields(self) -> dict[str, Any]:
        """An object of 0-8 fields, keys mostly real field names."""
        return {self.key(): self.json_value() for _ in range(self.rng.randint(0, 8))}

    def json_body(self) -> bytes:
        """A request body claiming to be JSON: an object, another value, deep or broken JSON."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.7:
            return dumps(self.fields())
        if kind < 0.78:
            return dumps(self.json_value())
        if kind < 0.84:
            deep = rng.choice((33, 100, 2000, 100000))
            return (b'{"a":' * deep) + b"1" + (b"}" * deep)
        if kind < 0.88:
            deep = rng.choice((33, 1000, 100000))
            return b"[" * deep + b"]" * deep
        if kind < 0.92:
            return b'{"id": ' + b"9" * rng.choice((20, 4400, 10000)) + b"}"
        if kind < 0.95:
            return b'{"a": NaN, "b": Infinity, "c": -Infinity}'
        return self.mutate_bytes(dumps(self.fields()))

    def form_body(self) -> dict[str, str]:
        """Form fields (application/x-www-form-urlencoded), names mostly real ones."""
        return {self.key(): self.form_value() for _ in range(self.rng.randint(0, 8))}

    def form_value(self) -> str:
        """One form or query value."""
        return self.number_text() if self.rng.random() < 0.25 else self.text()

    def query(self) -> list[tuple[str, str]]:
        """Query parameters (names mostly real, some repeated)."""
        return [(self.key(), self.form_value()) for _ in range(self.rng.randint(0, 5))]

    # -- flow files ----------------------------------------------------------------------------
    def flow_text(self, good: bytes) -> bytes:
        """A mutated flow file: byte edits, or a structural hostile change (any of them)."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            return self.mutate_bytes(good)
        if kind < 0.6:
            return self.broken_flow(good)
        if kind < 0.7:  # a value replaced by a random scalar or flow-style structure
            value = json.dumps(self.json_value(), ensure_ascii=rng.random() < 0.5)
            return re.sub(rb"(?m)^(\s+\w+: ).*$", lambda m: m.group(1) + value.encode(), good,
                          count=rng.randint(1, 3))  # fmt: skip
        if kind < 0.8:  # many nodes
            nodes = "".join(f"  n{i}:\n    type: play\n    prompt: x\n    next: n{i + 1}\n"
                            for i in range(rng.choice((50, 2500))))  # fmt: skip
            return f"name: big\nstart: n0\nnodes:\n{nodes}".encode()
        if kind < 0.9:  # lines shuffled
            lines = good.split(b"\n")
            rng.shuffle(lines)
            return b"\n".join(lines)
        return good.replace(b"  ", b"\t", rng.randint(1, 3))

    def broken_flow(self, good: bytes) -> bytes:
        """``good`` made certainly invalid: NUL, deep nesting, a huge integer, bad UTF-8, alias."""
        rng = self.rng
        at = rng.randint(0, len(good))
        return rng.choice([
            good[:at] + b"\x00" + good[at:],
            good + b"\nextra: " + b"[" * rng.choice((65, 1000, 100000)) + b"\n",
            good + b"\nvariables:\n  big: " + b"7" * rng.choice((101, 4301, 10000)) + b"\n",
            good[:at] + b"\xff" + good[at:],
            good + b"\nx: &a [1]\ny: *a\n",
            b"\t" + good,
        ])  # fmt: skip


def dumps(value: Any) -> bytes:
    """JSON bytes of ``value`` (NaN allowed, as a hostile client sends it)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def trace_frames(direction: str) -> list[bytes]:
    """Every raw ESL message of the recorded traces sent in ``direction`` (recv: by FreeSWITCH)."""
    frames = []
    for path in sorted(TRACES.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            if record.get("dir") == direction:
                frames.append(record["raw"].encode("utf-8"))
    return frames


def shipped_flows() -> dict[str, bytes]:
    """The shipped flow files by name (the flow loader's seeds)."""
    return {path.name: path.read_bytes() for path in sorted(SHIPPED_FLOWS.glob("*.yaml"))}
