"""Polling at scale: the tracker's poller against the feedparser floor, a naive loop and reader.

    python benchmarks/poll_bench.py [--feeds 1000] [--items 20] [--runs 5]
        [--scenarios cold,warm,mixed] [--systems ours,floor,naive,reader]
        [--latency 0.1] [--naive-runs 1] [--reader-python /tmp/readervenv/bin/python]
    python benchmarks/poll_bench.py --feeds 10000 --scenarios cold --systems ours --runs 1
    python benchmarks/poll_bench.py --profile cold        # cProfile of our poller, parent process

A feed farm (benchmarks/farm.py) runs in its own process on 127.0.0.1. Each measured pass
runs in a fresh child process, so its CPU time and peak RSS are its own:

    cold   every feed new (fresh database), no added latency
    warm   a cold pass first (not measured), then every feed answers 304, after `--latency`
    mixed  a cold pass first, then 10 % of the feeds have one new item (one in 25 of those
           announces a pause: a new pause, an alert); the others 304; `--latency` each

Systems, all on the same farm in the same run:
    ours    tracker.pipeline.Pipeline.poll: fetch, parse, extract, reconcile, store (SQLite
            file), and a webhook channel (group_wait 0) whose POSTs the farm receives,
            delivered by a thread woken by poll(on_changes=...), as the daemon does
    floor   feedparser.parse(bytes) alone over the bodies the scenario must parse (fetched
            beforehand, not timed), default options; also with ours (sanitize and relative
            URI resolution off), printed as "floor-opts"
    naive   for each feed: requests.get (with If-None-Match) + feedparser.parse, in order
    reader  lemon24/reader (installed in a SEPARATE venv, never a project dependency):
            make_reader(sqlite file), add_feed, update_feeds(workers=16, scheduled=False)

Figures: wall time of the pass, CPU time (parent + digest workers), peak RSS (parent; and
the sum of the digest workers' peaks), and for ours the delay from the GET of a feed whose
change causes an alert to that alert's webhook POST (both stamped by the farm process
with CLOCK_MONOTONIC). Medians over --runs; ratios against the floor and reader.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import farm as farm_mod  # noqa: E402  (stdlib only: the reader venv imports it too)

WORKERS = 16
CHANGE_FRACTION = 0.1


# --------------------------------------------------------------------------- helpers


def control(port: int, **ctl) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/_control", json.dumps(ctl).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def farm_log(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_log", timeout=30) as r:
        return json.loads(r.read())


def cpu_of(pid: int) -> float:
    """utime + stime of a live process, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def urls(port: int, feeds: int, named_hosts: bool) -> list[str]:
    f = farm_mod.Farm.__new__(farm_mod.Farm)  # only host(); no corpus needed
    if named_hosts:  # ours: per-host limits apply per publisher, as in real life
        return [f"http://{f.host(i)}:{port}/feed/{i}" for i in range(feeds)]
    return [f"http://127.0.0.1:{port}/feed/{i}" for i in range(feeds)]


def between_passes(port: int, scenario: str, feeds: int, latency: float) -> None:
    ctl: dict = {"latency": latency, "reset_log": True}
    if scenario == "mixed":
        ctl["change"] = farm_mod.changed_ids(feeds, CHANGE_FRACTION)
    control(port, **ctl)


# --------------------------------------------------------------------------- children


def child_ours(args) -> dict:
    from datetime import timedelta

    import requests

    from tracker.alerts.channels import WebhookChannel
    from tracker.alerts.render import Renderer
    from tracker.clock import utcnow
    from tracker.config import ChannelRules, FeedSettings, FetchSettings, WebhookSettings
    from tracker.feeds.fetch import Fetcher
    from tracker.outbox import Outlet
    from tracker.pipeline import Pipeline
    from tracker.store.db import Store

    tmp = tempfile.mkdtemp(prefix="pollbench-")
    store = Store(f"sqlite:///{tmp}/t.db")
    store.upgrade()
    now = utcnow()
    store.sync_feeds([FeedSettings(u, f"feed {i}", 900) for i, u in enumerate(urls(args.port, args.feeds, True))], now)
    session = requests.Session()
    hook = WebhookChannel(WebhookSettings("hook", f"http://127.0.0.1:{args.port}/hook", None), session)
    fetcher = Fetcher(FetchSettings(allow_private_networks=True), resolver=lambda host, port: ["127.0.0.1"], per_host_limit=2)
    pipeline = Pipeline(
        store, fetcher, {"hook": Outlet(hook, ChannelRules(group_wait_seconds=0), Renderer(HERE.parent / "templates"))},
        workers=args.workers, processes=args.processes,
    )
    wake = threading.Event()
    done = threading.Event()

    def deliverer() -> None:  # the daemon's "deliver now" after a poll batch with changes
        while not done.is_set():
            if wake.wait(0.05):
                wake.clear()
                pipeline.deliver(utcnow())
        pipeline.deliver(utcnow() + timedelta(seconds=1))

    t = threading.Thread(target=deliverer, daemon=True)
    t.start()
    on_changes = lambda changes: wake.set()  # noqa: E731
    if args.scenario != "cold":
        pipeline.poll(now, due_only=False, on_changes=on_changes)
        time.sleep(0.3)
        wake.set()
        time.sleep(0.3)
        between_passes(args.port, args.scenario, args.feeds, args.latency)
        now = utcnow()  # due_only=False polls every feed; alerts are due at once
    # the extractor's vocabulary is compiled on first use (~0.2 s, once per process); compiled
    # here, outside the timed pass, as importing tracker.extract did before issue #10
    from tracker.extract import default_extractor

    default_extractor()
    workers0 = {pid: cpu_of(pid) for pid in pipeline.poller.worker_pids()}
    cpu0, t0 = self_cpu(), time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
    reports = pipeline.poll(now, due_only=False, on_changes=on_changes)
    wall = time.perf_counter() - t0
    if args.profile:
        prof.disable()
    cpu = self_cpu() - cpu0
    pids = pipeline.poller.worker_pids()
    wcpu = sum(cpu_of(pid) - workers0.get(pid, 0.0) for pid in pids)
    wrss = sum(peak_rss_mb(pid) for pid in pids)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(a.status == "pending" for a in store.alerts(limit=50)):
        wake.set()
        time.sleep(0.05)
    done.set()
    t.join(10)
    log = farm_log(args.port)
    delays = []
    for at, body in log["hooks"]:
        link = (json.loads(body)["data"]["change"].get("evidence") or {}).get("link") or ""
        feed = link.split("/news/", 1)[1].split("/", 1)[0] if "/news/" in link else None
        if feed is not None and feed in log["gets"]:
            delays.append(at - log["gets"][feed])
    statuses = {}
    for r in reports:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    pipeline.close()
    fetcher.close()
    session.close()
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)
    out = {"wall": wall, "cpu": cpu + wcpu, "cpu_parent": cpu, "rss": self_peak_mb(), "rss_workers": wrss,
           "statuses": statuses, "articles": sum(r.articles for r in reports), "delays": delays}
    if args.profile:
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
    return out


def child_floor(args) -> dict:
    import feedparser
    import requests

    if args.scenario != "cold":
        between_passes(args.port, args.scenario, args.feeds, 0.0)
    ids = range(args.feeds) if args.scenario == "cold" else (farm_mod.changed_ids(args.feeds, CHANGE_FRACTION) if args.scenario == "mixed" else [])
    with requests.Session() as s:
        bodies = [s.get(f"http://127.0.0.1:{args.port}/feed/{i}", timeout=30).content for i in ids]
    out = {}
    for name, kw in (("floor", {}), ("floor-opts", {"sanitize_html": False, "resolve_relative_uris": False})):
        cpu0, t0 = self_cpu(), time.perf_counter()
        n = sum(len(feedparser.parse(b, **kw).entries) for b in bodies)
        out[name] = {"wall": time.perf_counter() - t0, "cpu": self_cpu() - cpu0, "entries": n}
    out["rss"] = self_peak_mb()
    return out


def child_naive(args) -> dict:
    import feedparser
    import requests

    etags: dict[str, str] = {}

    def one_pass() -> int:
        n = 0
        for u in urls(args.port, args.feeds, False):
            r = requests.get(u, headers={"If-None-Match": etags[u]} if u in etags else {}, timeout=30)
            if r.status_code == 200:
                n += len(feedparser.parse(r.content).entries)
                if r.headers.get("ETag"):
                    etags[u] = r.headers["ETag"]
        return n

    if args.scenario != "cold":
        one_pass()
        between_passes(args.port, args.scenario, args.feeds, args.latency)
    cpu0, t0 = self_cpu(), time.perf_counter()
    n = one_pass()
    return {"wall": time.perf_counter() - t0, "cpu": self_cpu() - cpu0, "rss": self_peak_mb(), "entries": n}


def child_reader(args) -> dict:
    import logging

    from reader import make_reader

    logging.getLogger("reader").setLevel(logging.CRITICAL)
    tmp = tempfile.mkdtemp(prefix="readerbench-")
    r = make_reader(f"{tmp}/reader.sqlite")
    for u in urls(args.port, args.feeds, False):
        r.add_feed(u)
    if args.scenario != "cold":
        r.update_feeds(workers=WORKERS, scheduled=False)
        between_passes(args.port, args.scenario, args.feeds, args.latency)
    cpu0, t0 = self_cpu(), time.perf_counter()
    r.update_feeds(workers=WORKERS, scheduled=False)
    wall, cpu = time.perf_counter() - t0, self_cpu() - cpu0
    entries = r.get_entry_counts().total
    r.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return {"wall": wall, "cpu": cpu, "rss": self_peak_mb(), "entries": entries}


CHILDREN = {"ours": child_ours, "floor": child_floor, "naive": child_naive, "reader": child_reader}


# --------------------------------------------------------------------------- driver


def start_farm(feeds: int, items: int) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "farm.py"), "serve", "--feeds", str(feeds), "--items", str(items), "--prebuild", str(CHANGE_FRACTION)],
        stdout=subprocess.PIPE, text=True,
    )
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"the farm did not start: {line!r}")
    return proc, int(line.split()[1])


def run_child(system: str, scenario: str, port: int, args, profile: bool = False) -> dict:
    python = args.reader_python if system == "reader" else sys.executable
    cmd = [python, str(Path(__file__).resolve()), "--child", system, "--scenario", scenario, "--port", str(port),
           "--feeds", str(args.feeds), "--items", str(args.items), "--latency", str(args.latency if scenario != "cold" else 0.0),
           "--workers", str(args.workers)]  # fmt: skip
    if args.processes is not None:
        cmd += ["--processes", str(args.processes)]
    if profile:
        cmd += ["--profile-child"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if res.returncode != 0:
        raise SystemExit(f"{system}/{scenario} failed:\n{res.stderr[-3000:]}")
    if profile:
        print(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v: float | None, unit: str = "s") -> str:
    if v is None:
        return "n/a"
    return f"{v:.2f} {unit}" if unit == "s" else f"{v:.0f} {unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--naive-runs", type=int, default=1, help="runs of the naive loop in warm/mixed (100 s each at 1,000 feeds)")
    ap.add_argument("--scenarios", default="cold,warm,mixed")
    ap.add_argument("--systems", default="ours,floor,naive,reader")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds per response in warm and mixed")
    ap.add_argument("--workers", type=int, default=WORKERS)
    ap.add_argument("--processes", type=int, default=None)
    ap.add_argument("--reader-python", default="/tmp/readervenv/bin/python")
    ap.add_argument("--profile", metavar="SCENARIO", help="profile our poller (parent process) in this scenario and exit")
    ap.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    ap.add_argument("--scenario", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.profile = args.profile_child
        print(json.dumps(CHILDREN[args.child](args)))
        return

    farm_proc, port = start_farm(args.feeds, args.items)
    try:
        if args.profile:
            control(port, reset_versions=True, latency=0.0, reset_log=True)
            run_child("ours", args.profile, port, args, profile=True)
            return
        results: dict[tuple[str, str], list[dict]] = {}
        for scenario in args.scenarios.split(","):
            for run in range(args.runs):
                for system in args.systems.split(","):
                    if system == "naive" and scenario != "cold" and run >= args.naive_runs:
                        continue
                    control(port, reset_versions=True, latency=0.0, reset_log=True)
                    r = run_child(system, scenario, port, args)
                    results.setdefault((scenario, system), []).append(r)
                    print(f"  {scenario:5s} run {run + 1} {system:6s} {json.dumps({k: v for k, v in r.items() if k != 'delays'})[:300]}", file=sys.stderr)
        report(results, args)
    finally:
        farm_proc.kill()
        farm_proc.wait(10)


def report(results: dict, args) -> None:
    print(f"\n{args.feeds} feeds x {args.items} items, median of {args.runs} run(s) (naive in warm/mixed: {args.naive_runs}); latency {args.latency} s in warm/mixed")
    print("| scenario | system | wall | CPU | peak RSS (parent + digest workers) | alert delay (median / max) |")
    print("|---|---|---|---|---|---|")
    for (scenario, system), rs in results.items():
        if system == "floor":
            for name in ("floor", "floor-opts"):
                wall = median([r[name]["wall"] for r in rs])
                cpu = median([r[name]["cpu"] for r in rs])
                print(f"| {scenario} | {name} | {fmt(wall if wall else None)} | {fmt(cpu if wall else None)} | {fmt(median([r['rss'] for r in rs]), 'MB')} | |")
            continue
        wall = median([r["wall"] for r in rs])
        cpu = median([r["cpu"] for r in rs])
        rss = median([r["rss"] for r in rs])
        extra = ""
        if system == "ours":
            extra = f" + {fmt(median([r['rss_workers'] for r in rs]), 'MB')}"
        delays = [d for r in rs for d in r.get("delays", [])]
        dl = f"{statistics.median(delays):.2f} s / {max(delays):.2f} s (n={len(delays)})" if delays else ""
        print(f"| {scenario} | {system} | {fmt(wall)} | {fmt(cpu)} | {fmt(rss, 'MB')}{extra} | {dl} |")
    print()
    for scenario in args.scenarios.split(","):
        ours = results.get((scenario, "ours"))
        if not ours:
            continue
        w = median([r["wall"] for r in ours])
        parts = [f"{scenario}: ours {w:.2f} s"]
        floor = results.get((scenario, "floor"))
        if floor:
            for name in ("floor", "floor-opts"):
                f = median([r[name]["wall"] for r in floor])
                if f and scenario != "warm":  # nothing to parse in warm
                    parts.append(f"ours/{name} {w / f:.2f}x")
        for other in ("naive", "reader"):
            rs = results.get((scenario, other))
            if rs:
                parts.append(f"ours/{other} {w / median([r['wall'] for r in rs]):.2f}x")
        print("; ".join(parts))


if __name__ == "__main__":
    main()
