"""Time and memory of every hostile-feed case (tests/test_fetch_hostile.py), one line each.

    python benchmarks/hostile_feeds.py            # one line per case, then the suite's peak

Runs the suite's CASES the way a daemon meets them: one Fetcher and one real local
HTTP server for the whole run, each case served under its own host name (resolved to
127.0.0.1 through the resolver seam). Settings are the suite's: max_bytes 2 MiB,
wall-clock cap 2 s, read timeout 1 s (so drip feeds end in seconds, not 30 s); one more
line runs the gzip bomb under the production defaults (10 MiB cap, 30 s cap).

Measures, does not assert. Columns: case -> behaviour -> wall time -> tracemalloc peak
of that case (Python allocations: bodies, inflated chunks, parse trees) -> the process's
peak RSS so far (getrusage high-water mark: it only grows, so a jump marks the case that
caused it). No traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import LocalHTTPServer, Stream  # noqa: E402
from test_fetch_hostile import CASES, assert_outcome, describe, gzip_bomb, make_fetcher, pieces, run_case  # noqa: E402

from tracker.config import FetchSettings  # noqa: E402
from tracker.feeds.fetch import Fetcher  # noqa: E402


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(case, server, fetcher, host):
    server.reset()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    outcome = run_case(case, server, fetcher, host=host)
    elapsed = time.perf_counter() - started
    peak = (tracemalloc.get_traced_memory()[1] - before) / 2**20
    try:
        assert_outcome(case, outcome, server)
        verdict = ""
    except AssertionError as e:
        verdict = f"  [UNEXPECTED: {str(e)[:80]}]"
    line = f"{case.name} -> {describe(outcome)}{verdict} -> {elapsed:.2f} s -> {peak:.1f} MiB traced -> {rss_mib():.0f} MiB peak RSS"
    del outcome
    return line


def main() -> int:
    cases = [c for c in CASES if c.expect != "skip"]
    skipped = len(CASES) - len(cases)
    gzip_bomb(), gzip_bomb(8)  # build the bombs before measuring
    tracemalloc.start()
    print(f"baseline before the suite: {rss_mib():.0f} MiB peak RSS; {len(cases)} cases ({skipped} skipped: ../shared absent)")
    started = time.perf_counter()
    to_loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    with LocalHTTPServer() as server, make_fetcher(resolver=to_loopback) as fetcher:
        for i, case in enumerate(cases):
            print(measure(case, server, fetcher, host=f"case{i}.test"), flush=True)
        # the same bomb under the production defaults
        from test_fetch_hostile import Case

        bomb = Case(
            "gzip bomb, 1 GiB inflated, production defaults (10 MiB cap, 30 s)",
            lambda s: (s.respond("/feed", Stream(200, {"Content-Encoding": "gzip"}, pieces(gzip_bomb()))), "/feed")[1],
            Exception,
        )
        with Fetcher(FetchSettings(allow_private_networks=True), resolver=to_loopback) as default_fetcher:
            print(measure(bomb, server, default_fetcher, host="defaults.test"), flush=True)
    total = time.perf_counter() - started
    tracemalloc.stop()
    print(f"whole suite: {len(cases) + 1} cases in {total:.1f} s; peak RSS of the process over the whole suite: {rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
