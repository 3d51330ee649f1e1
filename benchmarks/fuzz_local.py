"""The in-process half of benchmarks/fuzz_soak.py, run as its own process so its CPU work
(parsing frames, loading flows) never stalls the simulator's event loop.

Usage (by fuzz_soak.py): ``python3 benchmarks/fuzz_local.py '<json job>'``; the job names the
seed, the input counts, the simulator's ESL port and password, the engine's flows folder,
a scratch folder and the serving flow file. Prints one JSON object: per-target counts and
the findings (counts, first examples).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.fuzz_inputs import Inputs, console_vocabulary, trace_frames  # noqa: E402
from benchmarks.fuzz_targets import Findings, FlowTarget, ParserTarget, run_local  # noqa: E402
from tests.support.flows import QUEUES  # noqa: E402


def run(job: dict) -> dict:
    """Feed ``job["parser"]`` frames and ``job["flows"]`` flow files; the counts and findings."""
    findings = Findings()
    inputs = Inputs(random.Random(job["seed"]), console_vocabulary(), set(job["protected"]))
    commands = [c for c in trace_frames("send") if b"originate" not in c]
    esl = (job["esl_port"], job["esl_password"])
    parser = ParserTarget(inputs, trace_frames("recv"), commands, findings, esl)
    flows_dir = Path(job["flows_dir"])
    seeds = {p.name: p.read_bytes() for p in sorted(flows_dir.glob("*.yaml"))}
    flows = FlowTarget(
        inputs, seeds, Path(job["scratch"]), flows_dir, job["serving"], QUEUES, findings
    )
    seconds = run_local([(parser, job["parser"]), (flows, job["flows"])])
    flows.restore()
    return {
        "seconds": round(seconds, 1),
        "parser": {"inputs": parser.done, "refused": parser.rejected,
                   "socket_sent": parser.socket_sent, "socket_checks": parser.socket_checks},
        "flows": {"inputs": flows.done, "refused": flows.refused, "loaded": flows.loaded,
                  "engine_writes": flows.disk_writes, "serving_broken": flows.serving_broken},
        "counts": dict(findings.counts),
        "examples": findings.examples,
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))), flush=True)
