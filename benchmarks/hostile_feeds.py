"""Time and memory of every hostile-feed case (tests/test_fetch_hostile.py), one line each.

    python benchmarks/hostile_feeds.py            # one line per case, then the suite's peak

Runs the suite's CASES the way a daemon meets them: one Fetcher and one real local
HTTP server for the whole run, each case served under its own host name (resolved to
127.0.0.1 through the resolver seam). Settings are the suite's: max_bytes 2 MiB,
wall-clock cap 2 s, read timeout 1 s (so drip feeds end in seconds, not 30 s); one more
line runs the gzip bomb under the production defaults (10 MiB cap, 30 s cap).

Measures, does not assert. Two passes: the first times each case and reads the
process's peak RSS (getrusage high-water mark: it only grows, so a jump marks the case
that caused it); the second, under tracemalloc (which slows parsing several times),
records each case's peak of Python allocations (bodies, inflated chunks, parse trees).
Columns: case -> behaviour -> wall time -> tracemalloc peak -> peak RSS so far.
No traffic leaves 127.0.0.1.
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


def measure(case, server, fetcher, host, traced: bool):
    """Run one case; returns (outcome line, seconds, MiB traced or None, peak RSS MiB)."""
    server.reset()
    if traced:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    outcome = run_case(case, server, fetcher, host=host)
    elapsed = time.perf_counter() - started
    peak = (tracemalloc.get_traced_memory()[1] - before) / 2**20 if traced else None
    try:
        assert_outcome(case, outcome, server)
        verdict = ""
    except AssertionError as e:
        verdict = f"  [UNEXPECTED: {str(e)[:80]}]"
    return f"{describe(outcome)}{verdict}", elapsed, peak, rss_mib()


def run_all(cases, traced: bool):
    """Every case, as one daemon meets them: one server, one Fetcher, one host name per case."""
    to_loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    results = []
    with LocalHTTPServer() as server:
        with make_fetcher(resolver=to_loopback) as fetcher:
            for i, case in enumerate(cases[:-1]):
                results.append(measure(case, server, fetcher, f"case{i}.test", traced))
        # the last case runs under the production defaults
        with Fetcher(FetchSettings(allow_private_networks=True), resolver=to_loopback) as default_fetcher:
            results.append(measure(cases[-1], server, default_fetcher, "defaults.test", traced))
    return results


def main() -> int:
    from test_fetch_hostile import Case

    cases = [c for c in CASES if c.expect != "skip"]
    skipped = len(CASES) - len(cases)
    cases.append(
        Case(
            "gzip bomb, 1 GiB inflated, production defaults (10 MiB cap, 30 s)",
            lambda s: (s.respond("/feed", Stream(200, {"Content-Encoding": "gzip"}, pieces(gzip_bomb()))), "/feed")[1],
            Exception,
        )
    )
    gzip_bomb(), gzip_bomb(8)  # build the bombs before measuring
    print(f"baseline before the suite: {rss_mib():.0f} MiB peak RSS; {len(cases)} cases ({skipped} skipped: ../shared absent)")
    started = time.perf_counter()
    timed = run_all(cases, traced=False)  # pass 1: wall time and RSS, no tracing overhead
    total = time.perf_counter() - started
    suite_rss = rss_mib()
    tracemalloc.start()
    traced = run_all(cases, traced=True)  # pass 2: Python allocation peak per case
    tracemalloc.stop()
    for case, (line, seconds, _, rss), (_, _, peak, _) in zip(cases, timed, traced, strict=True):
        print(f"{case.name} -> {line} -> {seconds:.2f} s -> {peak:.1f} MiB traced -> {rss:.0f} MiB peak RSS")
    print(f"whole suite: {len(cases)} cases in {total:.1f} s; peak RSS of the process over the whole suite: {suite_rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
