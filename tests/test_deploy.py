"""The systemd unit in deploy/ passes `systemd-analyze verify` and matches what the README
and the config expect: a dynamic user, the state directory systemd makes, read-only config."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "pause-tracker.service"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(UNIT)
    return parser


def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd); .ci/run installs it")
    # verify checks that ExecStart's program exists: point it at this test's tracker
    tracker = Path(sys.executable).parent / "tracker"
    assert tracker.exists()
    unit = tmp_path / "pause-tracker.service"
    unit.write_text(UNIT.read_text().replace("/opt/pause-tracker/.venv/bin/tracker", str(tracker)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "pause-tracker.service" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


def test_the_unit_keeps_state_in_its_state_directory_with_a_dynamic_user():
    service = _unit()["Service"]
    assert service["DynamicUser"] == "yes" and service["StateDirectory"] == "pause-tracker"
    assert service["ProtectSystem"] == "strict"  # /etc read-only: state must not live there
    assert service["Environment"] == "TRACKER_CONFIG=/etc/pause-tracker/config.toml"
    assert "User" not in service and "ReadWritePaths" not in service
    assert service["ExecStart"].endswith("tracker run") and service["ExecStartPre"].endswith("tracker check")


def test_the_readme_service_steps_use_the_unit_s_paths():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running it as a service", 1)[1].split("\n## ", 1)[0]
    for needle in ("/opt/pause-tracker/.venv", "/etc/pause-tracker/config.toml", "deploy/pause-tracker.service", "systemd-analyze verify", "/var/lib/pause-tracker"):
        assert needle in section, needle
