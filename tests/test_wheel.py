"""The built wheel, installed into a fresh virtualenv with no checkout in reach, checks and
runs a config that holds only a feed and a file channel (issue #10: the templates are in
the package, state goes to the state folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "-w", str(out), str(ROOT)], check=True, cwd=out)
    [built] = out.glob("pause_tracker-*.whl")
    return built


def test_the_wheel_holds_every_package_the_templates_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "tracker").rglob("__init__.py")}
    for package in packages | {"tracker/templates"}:
        assert f"{package}/__init__.py" in names, package
    for template in (ROOT / "templates").glob("*.j2"):
        assert f"tracker/templates/{template.name}" in names
    for data in (ROOT / "tracker" / "extract" / "data").glob("*.*"):  # the gazetteers, the vocabulary, town_keys.bin
        assert f"tracker/extract/data/{data.name}" in names


def test_the_wheel_in_a_fresh_venv_checks_and_runs_once_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(tmp_path)), "LANG": "C.UTF-8"}
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel)], check=True, env=env, cwd=tmp_path)
    etc, state, elsewhere = tmp_path / "etc", tmp_path / "state", tmp_path / "elsewhere"
    for d in (etc, elsewhere):
        d.mkdir()
    shutil.copy(ROOT / "seeds" / "sample-wire.rss.xml", etc / "wire.xml")
    (etc / "config.toml").write_text('[[feeds]]\nname = "Wire"\nurl = "wire.xml"\n\n[[channels]]\nname = "out"\ntype = "file"\npath = "outbox"\ngroup_wait = "0s"\n')
    tracker = [str(venv / "bin" / "tracker"), "--config", str(etc / "config.toml")]
    run = lambda *args: subprocess.run([*tracker, *args], cwd=elsewhere, env={**env, "STATE_DIRECTORY": str(state)}, capture_output=True, text=True, timeout=120)  # noqa: E731

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import tracker; print(tracker.__file__)"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(venv)), where.stdout  # the installed copy, not the checkout
    check = run("check")
    assert check.returncode == 0, check.stderr
    assert "OK (1 feed(s), 1 channel(s)" in check.stdout
    once = run("run", "--once")
    assert once.returncode == 0, once.stdout + once.stderr
    assert "48-hour ceasefire in Aleppo" in once.stdout
    assert (state / "tracker.db").is_file() and not (etc / "tracker.db").exists()
    assert sorted(p.suffix for p in (state / "outbox").iterdir()) == [".eml", ".json", ".json"]
    assert "Content-Type: text/html" in next((state / "outbox").glob("*.eml")).read_text()
