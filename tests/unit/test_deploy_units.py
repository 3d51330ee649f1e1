"""The systemd units under deploy/: accepted by ``systemd-analyze verify`` without a warning,
and they run the engine / console as an unprivileged user, restarted on failure, secrets from
an environment file."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNITS = {"callcenter-engine.service": "--no-console", "callcenter-console.service": "--no-engine"}
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
INSTALLED = "/opt/callcenter/.venv/bin/callcenter"


def _service(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name)
    return parser["Service"]


def _verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )


def _here(tmp_path: Path, name: str, text: str | None = None) -> Path:
    """The unit with ExecStart pointing at this checkout's callcenter (verify checks it exists)."""
    text = (DEPLOY / name).read_text() if text is None else text
    unit = tmp_path / name
    unit.write_text(text.replace(INSTALLED, str(Path(sys.executable).parent / "callcenter")))
    return unit


@pytest.mark.parametrize("name", sorted(UNITS))
def test_each_unit_runs_its_part_unprivileged_with_secrets_from_a_file(name: str) -> None:
    service = _service(name)
    assert service["ExecStart"] == f"{INSTALLED} serve {UNITS[name]}"
    assert service["User"] == "callcenter" and service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/callcenter/")
    environment = service.get("Environment", "")
    assert not any(secret in environment for secret in ("PASSWORD", "SECRET", "TOKEN", "URL"))


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="no systemd-analyze on this machine")
@pytest.mark.parametrize("name", sorted(UNITS))
def test_systemd_analyze_verify_accepts_the_unit(name: str, tmp_path: Path) -> None:
    result = _verify(_here(tmp_path, name))
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""  # not even a warning (unknown keys are warnings)


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="no systemd-analyze on this machine")
def test_verify_reports_a_mistyped_key(tmp_path: Path) -> None:
    """The check above can fail: a unit with a typo is reported."""
    name = "callcenter-engine.service"
    text = (DEPLOY / name).read_text().replace("Restart=on-failure", "Restrat=on-failure")
    result = _verify(_here(tmp_path, name, text))
    assert "Unknown key" in result.stderr
