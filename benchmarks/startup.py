"""How long the CLI takes to start, next to a bare `python -c pass` measured in the same run.

    python benchmarks/startup.py [--runs 15]

Copies the default config (config.toml, seeds/, templates/) into a temporary folder, makes
its database with one `tracker run --once`, then times, as fresh processes, round after
round (so that a busy moment of the machine hits every command alike):

    python -c pass            the baseline: an interpreter that starts and exits
    tracker --help
    tracker check             reads and validates the config
    tracker pauses            the countdown board, on the database made above

and prints per command the median and the best wall time, the median's difference to the
baseline's median and the ratio of the two. `tracker` is the console script next to this
Python (the venv's), else `python -m tracker.cli`. No assertion: this reports figures,
tests never time anything. Targets (issue #10): --help within 0.3 s of the baseline,
pauses within 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"tracker --help": 0.3, "tracker pauses": 0.5}


def tracker_command() -> list[str]:
    script = Path(sys.executable).with_name("tracker")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker.cli"]


def default_copy(into: Path) -> Path:
    shutil.copy(ROOT / "config.toml", into / "config.toml")
    for folder in ("seeds", "templates"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, into / folder)
    return into / "config.toml"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15, help="rounds (each command once per round)")
    args = ap.parse_args()
    tracker = tracker_command()
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_CONFIG"}
    with tempfile.TemporaryDirectory() as tmp:
        config = default_copy(Path(tmp))
        subprocess.run([*tracker, "--config", str(config), "run", "--once"], env=env, check=True, stdout=subprocess.DEVNULL)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "tracker --help": [*tracker, "--help"],
            "tracker check": [*tracker, "--config", str(config), "check"],
            "tracker pauses": [*tracker, "--config", str(config), "pauses"],
        }
        for cmd in commands.values():  # warm the file cache; not counted
            timed(cmd, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(timed(cmd, env))
    base = statistics.median(times["python -c pass"])
    print(f"{args.runs} rounds, Python {sys.version.split()[0]}, {os.cpu_count()} cores; wall times of fresh processes")
    print(f"{'command':<16} {'median':>8} {'best':>8} {'- baseline':>11} {'ratio':>7}  target")
    for name, values in times.items():
        median = statistics.median(values)
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"<= +{target:.1f} s: {'met' if median - base <= target else 'NOT met'}"
        print(f"{name:<16} {median:>7.3f}s {min(values):>7.3f}s {median - base:>+10.3f}s {median / base:>6.1f}x  {verdict}")


if __name__ == "__main__":
    main()
