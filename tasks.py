#!/usr/bin/env python3
"""The two commands of the Quick start, with nothing but Python 3.11+ on the machine.

    python3 tasks.py run     create .venv, install the tracker, run one cycle on config.toml
    python3 tasks.py test    create .venv, install the tracker with its test tools, run ruff and pytest

Extra arguments after `test` go to pytest; after `run` to `tracker run` (e.g. without --once
use `.venv/bin/tracker run` directly). Standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT)
    if code:
        sys.exit(code)


def setup(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by any python3
        sys.exit(f"pause-tracker needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extra or 'base'}"
    inputs = max(p.stat().st_mtime for p in (ROOT / "pyproject.toml", Path(__file__)))
    if stamp.exists() and stamp.stat().st_mtime >= inputs:
        return
    py = BIN / "python"
    _run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
    target = f".[{extra}]" if extra else "."
    _run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target)
    stamp.touch()


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("run", "test"):
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "run":
        setup("")
        _run(BIN / "tracker", "--config", ROOT / "config.toml", "run", *(rest or ["--once"]))
    else:
        setup("test")
        _run(BIN / "ruff", "check", "tracker", "tests", "benchmarks", "tasks.py")
        _run(BIN / "python", "-m", "pytest", *rest)


if __name__ == "__main__":
    main(sys.argv[1:])
