"""The three things benchmarks/fuzz_soak.py feeds: the ESL parser (in this process and over a
socket to the simulator), the flow loader (in this process and through the engine's flows
folder) and the console's HTTP routes.

Each target's ``one()`` consumes one input and counts what happened. An exception other than
the documented error type (ProtocolError; a flow problem) is a crash: its repr is kept.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.fuzz_inputs import Inputs
from callcenter.ivr.checks import Checks, check_draft, read_draft, sibling_flows
from callcenter.switch.protocol import (
    FrameParser,
    ProtocolError,
    _fast_plain_headers,
    _plain_headers,
    decode_event,
)

KEEP = 20  # examples kept per kind of finding


class Findings:
    """Counters and the first examples of each kind of finding."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, kind: str, example: str) -> None:
        """Count one finding of ``kind`` and keep its description if among the first few."""
        self.counts[kind] += 1
        kept = self.examples.setdefault(kind, [])
        if len(kept) < KEEP:
            kept.append(example[:600])


class ParserTarget:
    """Mutated real frames into FrameParser + decode_event; a sample to the simulator's port."""

    def __init__(
        self, inputs: Inputs, frames: list[bytes], commands: list[bytes], findings: Findings,
        esl: tuple[int, str] | None = None, socket_every: int = 200,
    ) -> None:  # fmt: skip
        self.inputs, self.frames, self.findings = inputs, frames, findings
        self.commands = commands  # client commands (dir=send), for the socket
        self.esl, self.socket_every = esl, socket_every
        self.done = self.rejected = self.socket_sent = self.socket_checks = 0

    def one(self) -> None:
        """Parse one mutated frame (sometimes two spliced); count ProtocolError as refused."""
        rng = self.inputs.rng
        data = rng.choice(self.frames)
        if rng.random() < 0.2:
            data += rng.choice(self.frames)
        data = self.inputs.mutate_bytes(data)
        parser = FrameParser()
        try:
            for chunk in self.inputs.chunks(data):
                for frame in parser.feed(chunk):
                    decode_event(frame)
                    if frame.content_type == "text/event-plain":
                        self._same_headers(frame.body)
        except ProtocolError:
            self.rejected += 1
        except Exception as exc:  # noqa: BLE001 - what the soak is looking for
            self.findings.add("parser_crash", f"{exc!r} on {data[:300]!r}")
        self.done += 1
        if self.esl is not None and self.done % self.socket_every == 0:
            self.over_socket()

    def _same_headers(self, body: bytes) -> None:
        """The fast plain-event decoder must give what the exact one gives (no forged header)."""
        end = body.find(b"\n\n")
        block = body if end < 0 else body[:end]
        fast = _fast_plain_headers(block)
        if fast is None:
            return
        try:
            exact = _plain_headers(block)
        except ProtocolError:
            exact = None
        if fast != exact:
            self.findings.add("parser_crash", f"fast and exact decoders differ on {block[:300]!r}")

    def over_socket(self) -> None:
        """Send a mutated client command to the simulator, then check it still answers."""
        port, password = self.esl  # type: ignore[misc]
        rng = self.inputs.rng
        data = self.inputs.mutate_bytes(rng.choice(self.commands))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.recv(4096)  # auth/request
                if rng.random() < 0.5:
                    conn.sendall(f"auth {password}\n\n".encode())
                    conn.recv(4096)
                conn.sendall(data)
                conn.settimeout(0.1)
                try:
                    conn.recv(65536)
                except OSError:
                    pass
        except OSError:
            pass  # the simulator may close on garbage; what matters is the next check
        self.socket_sent += 1
        if self.socket_sent % 10 == 0:
            self.socket_checks += 1
            if not esl_answers(port, password):
                self.findings.add("esl_unanswered", f"no answer after sending {data[:300]!r}")


def esl_answers(port: int, password: str) -> bool:
    """The ESL server accepts our password and answers ``api status``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            reader = conn.makefile("rb")
            _read_frame(reader)
            conn.sendall(f"auth {password}\n\n".encode())
            if b"+OK" not in _read_frame(reader):
                return False
            conn.sendall(b"api status\n\n")
            return b"api/response" in _read_frame(reader)
    except OSError:
        return False


def _read_frame(reader: Any) -> bytes:
    head = b""
    length = 0
    while True:
        line = reader.readline()
        if not line or line == b"\n":
            break
        head += line
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + (reader.read(length) if length else b"")


class FlowTarget:
    """Mutated flow files through the loader here; a sample into the engine's flows folder."""

    def __init__(
        self, inputs: Inputs, seeds: dict[str, bytes], scratch: Path, flows: Path,
        serving: str, queues: list[str], findings: Findings, disk_every: int = 20,
    ) -> None:  # fmt: skip
        self.inputs, self.seeds, self.findings = inputs, seeds, findings
        self.scratch, self.flows, self.serving = scratch, flows, serving
        self.queues, self.disk_every = queues, disk_every
        self.done = self.refused = self.loaded = self.disk_writes = self.serving_broken = 0
        scratch.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (scratch / name).write_bytes(data)

    def one(self) -> None:
        """Load one mutated flow file in this process; count problems as refusals."""
        rng = self.inputs.rng
        name = rng.choice(list(self.seeds))
        data = self.inputs.flow_text(self.seeds[name])
        path = self.scratch / f"fuzz_{name}"
        path.write_bytes(data)
        try:
            draft = read_draft(path)
            problems = check_draft(draft, Checks(None, self.queues, sibling_flows(self.scratch)))
            if problems:
                self.refused += 1
                internal = [p for p in problems if "cannot check this file" in p.message]
                if internal:  # the loader's last guard caught an unexpected exception
                    self.findings.add("flow_internal_error", f"{internal[0]} on {data[:300]!r}")
            else:
                draft.to_flow()
                self.loaded += 1
        except Exception as exc:  # noqa: BLE001 - what the soak is looking for
            self.findings.add("flow_crash", f"{exc!r} on {data[:300]!r}")
        self.done += 1
        if self.done % self.disk_every == 0:
            self.into_engine()

    def into_engine(self) -> None:
        """Write a mutated file where the engine's hot reload reads it; every 5th time the
        serving flow itself is replaced by a certainly broken version (last good must serve)."""
        rng = self.inputs.rng
        self.disk_writes += 1
        if self.disk_writes % 5 == 0:
            good = self.seeds[self.serving]
            (self.flows / self.serving).write_bytes(self.inputs.broken_flow(good))
            self.serving_broken += 1
            return
        name = rng.choice(list(self.seeds))
        slot = self.flows / f"fuzz{rng.randrange(6)}.yaml"
        slot.write_bytes(self.inputs.flow_text(self.seeds[name]))

    def restore(self) -> None:
        """Put the good serving flow back and remove the fuzz files."""
        (self.flows / self.serving).write_bytes(self.seeds[self.serving])
        for path in self.flows.glob("fuzz*.yaml"):
            path.unlink()


def run_local(targets: list[tuple[Any, int]]) -> float:
    """Run ``count`` inputs of each target, interleaved; returns the seconds taken."""
    started = time.monotonic()
    left = [[target, count] for target, count in targets if count > 0]
    while left:
        for item in list(left):
            item[0].one()
            item[1] -= 1
            if item[1] <= 0:
                left.remove(item)
    return time.monotonic() - started
