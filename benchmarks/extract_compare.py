"""The extractor of this checkout against an earlier revision's, in one process.

    python benchmarks/extract_compare.py [--base REV] [--rounds 4] [--items 2000]

A shared machine's speed drifts between runs (this one's feedparser baseline ran from 730 to
2,500 items/s across sessions), so a speed change is measured against its base in the same
process: `git archive REV tracker` is unpacked as package `tracker_base` beside a copy of
this checkout's `tracker/` as `tracker_this`, both read the same items (extract_speed.py's),
in slices of 100 alternated between them, and the CPU time (`time.process_time`) of each is
summed. Prints items/s per round and the ratio this / base. Needs git; no assertion.
"""

from __future__ import annotations

import argparse
import importlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from extract_speed import PUBLISHED, build_items  # noqa: E402 - benchmarks run as scripts from their folder

ROOT = Path(__file__).resolve().parent.parent


def unpack(rev: str | None, into: Path, name: str) -> None:
    """`tracker/` at `rev` (None: the working tree) as package `name` under `into`."""
    if rev is None:
        shutil.copytree(ROOT / "tracker", into / name, ignore=shutil.ignore_patterns("__pycache__"))
        return
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "tracker"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(into, filter="data")
    (into / "tracker").rename(into / name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="HEAD~1", help="the revision to compare with (default HEAD~1)")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--items", type=int, default=2000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        unpack(args.base, Path(tmp), "tracker_base")
        unpack(None, Path(tmp), "tracker_this")
        sys.path.insert(0, tmp)
        versions = {"base": importlib.import_module("tracker_base.extract"), "this": importlib.import_module("tracker_this.extract")}
        items = [f"{t}\n\n{s}" for t, s in build_items(args.items)]
        for mod in versions.values():  # warm: vocabularies, tables, caches
            for text in items:
                mod.extract(text, PUBLISHED)
        total = dict.fromkeys(versions, 0.0)
        for r in range(args.rounds):
            spent = dict.fromkeys(versions, 0.0)
            for k in range(0, len(items), 100):
                order = ("base", "this") if (k // 100 + r) % 2 == 0 else ("this", "base")
                for name in order:
                    t0 = time.process_time()
                    for text in items[k : k + 100]:
                        versions[name].extract(text, PUBLISHED)
                    spent[name] += time.process_time() - t0
            for name in versions:
                total[name] += spent[name]
            print(
                f"round {r + 1}: base ({args.base}) {len(items) / spent['base']:,.0f} items/s, "
                f"this {len(items) / spent['this']:,.0f} items/s, ratio {spent['base'] / spent['this']:.3f}",
                flush=True,
            )
        n = args.rounds * len(items)
        print(f"all rounds: base {n / total['base']:,.0f} items/s, this {n / total['this']:,.0f} items/s, ratio {total['base'] / total['this']:.3f}")


if __name__ == "__main__":
    main()
