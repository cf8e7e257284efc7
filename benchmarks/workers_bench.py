"""Several `tracker run` workers on one PostgreSQL database (issue #16): the warm scenario.

    python benchmarks/workers_bench.py --database postgresql://postgres@127.0.0.1:5432/DB   # drops DB's tables
        [--feeds 2000] [--workers 1,2,4] [--latency 0.1] [--hosts 50] [--alerts 20] [--items 5]

The feed farm (benchmarks/farm.py, its own process) serves `--feeds` feeds on `--hosts`
loopback addresses (127.0.0.2 ...: real processes see that many publisher hosts, so
per-host limits and any split of hosts between workers apply as in real life), and
receives the webhook POSTs. For each worker count, on a fresh database:

  1. cold pass, not measured: one `tracker run --once` fetches and parses every feed
     (`--items` each) and sends the alerts of the pauses it finds;
  2. the farm answers every GET after `--latency` seconds, 304 (If-None-Match) for all
     but `--alerts` feeds with pauses, which get a new item announcing a new pause
     (a new alert each);
  3. every feed is made due (next_poll_at in the past, written into the database), then
     N `tracker run` daemons are started at the same moment; they run until the farm has
     seen a GET of every feed and the alerts' POSTs (or a timeout), then get SIGTERM.

Figures, per worker count: the pass's wall time (the farm's first GET to its last answer,
CLOCK_MONOTONIC in the farm), throughput (feeds/s) and its ratio to one worker measured
in the same run; CPU per worker during the pass and with its start-up, peak RSS per
worker (VmHWM, its children included), read from /proc; the alert delay: from the farm's
GET of a changed feed to the farm receiving that alert's POST. A worker that exits early
(a second daemon refused, as before the worker wiring) is reported in the row's note; the
figures are then those of the workers that ran.
`[tracker] processes = 0` in the daemons (nothing to parse but the changed feeds; a digest
pool per worker would only add memory); the cold pass uses the default pool.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import farm as farm_mod  # noqa: E402
from poll_bench import control, cpu_of, farm_log, peak_rss_mb  # noqa: E402
from two_processes import drop_everything  # noqa: E402

TRACKER = [sys.executable, "-m", "tracker.cli"]
FETCH_WORKERS = 16  # [fetch] workers, the default


def children(pid: int) -> list[int]:
    """`pid` and its descendants (digest pools), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return out


def tree_cpu(pid: int) -> float:
    return sum(cpu_of(p) for p in children(pid))


def tree_rss_mb(pid: int) -> float:
    return sum(peak_rss_mb(p) for p in children(pid))


def write_config(folder: Path, database: str, port: int, feeds: int, hosts: int, processes: int | None) -> Path:
    lines = ["[tracker]", f'database = "{database}"', 'poll_check = "1s"', 'deliver_every = "1s"']
    if processes is not None:
        lines.append(f"processes = {processes}")
    lines += ["[fetch]", "allow_private_networks = true"]
    for i in range(feeds):
        lines += ["[[feeds]]", f'name = "feed {i}"', f'url = "http://{farm_mod.host_address(i, hosts)}:{port}/feed/{i}"', 'every = "15m"']
    # only new pauses: the farm's items are dated 2024, so "source unhealthy" would fire for every feed
    lines += ["[[channels]]", 'name = "hook"', 'type = "webhook"', 'url_env = "BENCH_HOOK"', 'group_wait = "0s"', 'events = ["new"]']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def sql(url: str, statement: str, **params):
    """Run one statement; its first column's first value (None when it returns no rows)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as c:
        result = c.execute(text(statement), params)
        value = result.scalar() if result.returns_rows else None
    engine.dispose()
    return value


class Sampler:
    """CPU time of each worker (with its children) every 0.1 s, stamped with time.monotonic()."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.samples: dict[int, list[tuple[float, float]]] = {p: [] for p in pids}
        self.rss: dict[int, float] = dict.fromkeys(pids, 0.0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            for p in self.pids:
                if Path(f"/proc/{p}").exists():
                    self.samples[p].append((time.monotonic(), tree_cpu(p)))
                    self.rss[p] = max(self.rss[p], tree_rss_mb(p))

    def cpu_at(self, pid: int, at: float) -> float:
        """The last sample at or before `at` (0 before the first)."""
        before = [c for t, c in self.samples[pid] if t <= at]
        return before[-1] if before else 0.0

    def last(self, pid: int) -> float:
        return self.samples[pid][-1][1] if self.samples[pid] else 0.0


def run(n: int, args, port: int, folder: Path, env: dict) -> dict:
    url = args.url
    drop_everything(url)
    control(port, reset_versions=True, latency=0.0, reset_log=True)
    cfg = write_config(folder, args.database, port, args.feeds, args.hosts, None)
    t0 = time.monotonic()
    cold = subprocess.run([*TRACKER, "--config", str(cfg), "run", "--once"], env=env, capture_output=True, text=True, timeout=1800)
    if cold.returncode != 0:
        raise SystemExit(f"the cold pass failed:\n{cold.stderr[-2000:]}")
    cold_s = time.monotonic() - t0
    changed = list(range(0, args.feeds, farm_mod.PAUSE_EVERY))[: args.alerts]
    control(port, latency=args.latency, reset_log=True, change=changed)
    cfg = write_config(folder, args.database, port, args.feeds, args.hosts, args.processes)
    sql(url, "update feed set next_poll_at = :at", at=datetime(2000, 1, 1))  # every feed due
    logs = [open(folder / f"worker{k}.log", "w") for k in range(n)]  # noqa: SIM115 - files, never pipes that fill up
    procs = [subprocess.Popen([*TRACKER, "--config", str(cfg), "run"], env=env, stdout=subprocess.DEVNULL, stderr=log) for log in logs]
    for log in logs:
        log.close()
    sampler = Sampler([p.pid for p in procs])
    deadline = time.monotonic() + args.timeout
    log = farm_log(port)
    while time.monotonic() < deadline:
        log = farm_log(port)
        if len(log["gets"]) >= args.feeds and not sql(url, "select count(*) from alert where status in ('pending', 'sending')"):
            break  # every feed polled, every alert sent
        if all(p.poll() is not None for p in procs):
            break
        time.sleep(0.5)
    time.sleep(0.5)
    log = farm_log(port)
    sampler.stop.set()
    sampler.thread.join()
    refused = {}
    for k, p in enumerate(procs):
        if p.poll() is not None:
            lines = (folder / f"worker{k}.log").read_text(errors="replace").strip().splitlines()
            refused[p.pid] = f"exit {p.returncode}: {(lines or ['(no output)'])[-1][:160]}"
        else:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    gets = {int(k): v for k, v in log["gets"].items()}
    start, end = (min(gets.values()), max(gets.values()) + args.latency) if gets else (0.0, 0.0)
    delays = []
    for at, body in log["hooks"]:
        link = (json.loads(body)["data"]["change"].get("evidence") or {}).get("link") or ""
        feed = int(link.split("/news/", 1)[1].split("/", 1)[0]) if "/news/" in link else None
        if feed in gets and feed in changed:
            delays.append(at - gets[feed])
    live = [p.pid for p in procs if p.pid not in refused]
    return {
        "workers": n, "cold_s": cold_s, "polled": len(gets), "wall": end - start, "alerts": len(log["hooks"]), "delays": delays,
        "cpu_pass": [sampler.cpu_at(p, end) - sampler.cpu_at(p, start) for p in live], "cpu_all": [sampler.last(p) for p in live],
        "rss": [sampler.rss[p] for p in live], "refused": list(refused.values()), "changed": len(changed),
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", required=True, help="a PostgreSQL URL: EVERY table of it is dropped")
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument(
        "--items", type=int, default=5, help="items per feed: the cold pass's cost (the measured one parses only the changed feeds)"
    )
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--latency", type=float, default=0.1, help="seconds before every answer in the measured pass")
    ap.add_argument("--hosts", type=int, default=50, help="publisher hosts (loopback addresses) the feeds are spread over")
    ap.add_argument(
        "--alerts", type=int, default=20, help="feeds with pauses that get a new pause in the measured pass (at most 22 distinct places)"
    )
    ap.add_argument("--processes", type=int, default=0, help="[tracker] processes of the daemons")
    ap.add_argument("--timeout", type=float, default=300, help="at most this long for one measured pass")
    args = ap.parse_args()
    from tracker.config import database_url

    args.url = database_url(args.database, Path.cwd())
    farm = subprocess.Popen(
        [sys.executable, str(HERE / "farm.py"), "serve", "--feeds", str(args.feeds), "--items", str(args.items), "--hosts", str(args.hosts), "--prebuild", "0.1"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = farm.stdout.readline()
    if not line.startswith("PORT "):
        farm.kill()
        raise SystemExit(f"the farm did not start: {line!r}")
    port = int(line.split()[1])
    folder = Path(tempfile.mkdtemp(prefix="workers-bench-"))
    env = {**os.environ, "BENCH_HOOK": f"http://127.0.0.1:{port}/hook", "PYTHONUNBUFFERED": "1"}
    results = []
    try:
        for n in [int(x) for x in args.workers.split(",")]:
            r = run(n, args, port, folder, env)
            results.append(r)
            print(f"  {n} worker(s): {json.dumps({k: v for k, v in r.items() if k != 'delays'})[:400]}", file=sys.stderr)
    finally:
        farm.kill()
        farm.wait(10)
        drop_everything(args.url)
        shutil.rmtree(folder, ignore_errors=True)
    report(results, args)


def report(results: list[dict], args) -> None:
    print(f"\nwarm: {args.feeds} feeds on {args.hosts} hosts, {args.latency * 1000:.0f} ms per answer, 304 but for {results[0]['changed']} new pauses; "
          f"fetch workers {FETCH_WORKERS} per worker (floor: {args.feeds} x {args.latency} s / ({FETCH_WORKERS} x workers))")  # fmt: skip
    print("| workers | polled | wall | feeds/s | x 1 worker | floor | CPU per worker: pass / with start-up | peak RSS per worker | alert delay median / max (n) | note |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    base = next((r["polled"] / r["wall"] for r in results if r["workers"] == 1 and not r["refused"] and r["wall"]), None)
    for r in results:
        n = r["workers"]
        floor = args.feeds * args.latency / (FETCH_WORKERS * n)
        rate = r["polled"] / r["wall"] if r["wall"] else 0.0
        ratio = f"{rate / base:.2f}x" if base else "n/a"
        cpu = ", ".join(f"{a:.2f} / {b:.2f} s" for a, b in zip(r["cpu_pass"], r["cpu_all"], strict=True))
        rss = ", ".join(f"{m:.0f} MB" for m in r["rss"])
        d = r["delays"]
        delay = f"{statistics.median(d):.2f} s / {max(d):.2f} s ({len(d)})" if d else "none"
        note = f"{len(r['refused'])} of {n} exited at start, {n - len(r['refused'])} ran: {r['refused'][0]}" if r["refused"] else ""
        print(f"| {n} | {r['polled']} | {r['wall']:.2f} s | {rate:.0f} | {ratio} | {floor:.2f} s | {cpu} | {rss} | {delay} | {note} |")
    colds = ", ".join(f"{r['cold_s']:.0f} s" for r in results)
    print(f"\n(cold passes, one `run --once` each, not measured: {colds})")


if __name__ == "__main__":
    main()
