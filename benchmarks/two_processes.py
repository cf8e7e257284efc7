"""Two processes on one database: does any alert arrive twice? (issue #13, item 8)

    python benchmarks/two_processes.py --database sqlite [--seconds 90] [--feeds 40]
    python benchmarks/two_processes.py --database postgresql://postgres@127.0.0.1:5432/test_x

Runs real `tracker` processes against local receivers, twice:

  two-daemons   two `tracker run` started at the same moment on one (fresh) database;
                the second should be refused (its message is printed), the first runs
  daemon+once   one `tracker run` and, beside it, a `tracker run --once` every 10 s, as
                cron would (they may overlap each other)

for `--seconds`, then waits (at most `--drain` seconds) until no alert is pending and
stops the daemon with SIGTERM. The feeds (`--feeds`, on a local HTTP server) change on
every request: each answer puts a story about another place on top, so every poll finds
news and alerts keep coming. Receivers: a webhook (counted by `webhook-id`), a Slack
incoming webhook (counted by body: two different alerts never have the same text) and an
SMTP server (aiosmtpd, counted by Message-ID). Prints, per run and channel: received,
unique, doubled (received - unique; must be 0), and the alerts the database has sent.

A PostgreSQL database given here has EVERY table dropped first: give it one of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import LocalSMTPServer  # noqa: E402 - the tests' aiosmtpd server

PLACES = [p["name"] for p in json.loads((ROOT / "tracker/extract/data/places.json").read_text())["places"] if p["type"] == "city"]
KINDS = ["a 72-hour ceasefire", "a humanitarian pause", "an aid corridor"]


class Farm:
    """Feeds that change on every GET, and the webhook and Slack receivers."""

    def __init__(self, feeds: int):
        self.feeds = feeds
        self.lock = threading.Lock()
        self.versions = [0] * feeds
        self.hooks: list[str] = []  # webhook-id of each POST /hook
        self.slack: list[str] = []  # sha256 of each POST /slack body
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                i = int(self.path.rsplit("/", 1)[1])
                with farm.lock:
                    farm.versions[i] += 1
                    v = farm.versions[i]
                self.reply(200, farm.feed(i, v), "application/rss+xml")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with farm.lock:
                    if self.path == "/hook":
                        farm.hooks.append(self.headers.get("webhook-id", ""))
                    else:
                        farm.slack.append(hashlib.sha256(body).hexdigest())
                self.reply(200, b"ok", "text/plain")

            def reply(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def feed(self, i: int, version: int) -> bytes:
        now = datetime.now(UTC)
        items = []
        for v in range(max(1, version - 9), version + 1):  # the newest ten
            n = i + self.feeds * v
            place, kind = PLACES[n % len(PLACES)], KINDS[n // len(PLACES) % len(KINDS)]
            text = f"The warring parties agreed to {kind} in {place} on Monday, officials said."
            items.append(
                f"<item><guid>f{i}-v{v}</guid><title>{escape(kind)} in {escape(place)}</title><link>https://news.example/{i}/{v}</link>"
                f"<pubDate>{format_datetime(now)}</pubDate><description>{escape(text)}</description></item>"
            )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>feed {i}</title>{"".join(reversed(items))}</channel></rss>'.encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def write_config(folder: Path, database: str, farm: Farm, smtp: LocalSMTPServer) -> Path:
    lines = ["[tracker]", f'database = "{database}"', 'poll_check = "1s"', 'deliver_every = "1s"', "processes = 0",
             "[fetch]", "allow_private_networks = true", "per_host_limit = 8"]  # fmt: skip
    for i in range(farm.feeds):
        lines += ["[[feeds]]", f'name = "feed {i}"', f'url = "{farm.url}/feed/{i}"', 'every = "1m"']
    lines += ["[[channels]]", 'name = "hook"', 'type = "webhook"', 'url_env = "BENCH_HOOK"', 'group_wait = "0s"']
    lines += ["[[channels]]", 'name = "slack"', 'type = "slack"', 'webhook_url_env = "BENCH_SLACK"', 'group_wait = "0s"']
    lines += ["[[channels]]", 'name = "mail"', 'type = "email"', f'smtp_host = "{smtp.host}"', f"smtp_port = {smtp.port}",
              'from = "alerts@desk.example.org"', 'to = ["ops@example.org"]', 'group_wait = "0s"']  # fmt: skip
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def drop_everything(url: str) -> None:
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    md = MetaData()
    md.reflect(engine)
    md.drop_all(engine)
    engine.dispose()


def sent_by_channel(url: str) -> tuple[dict[str, int], int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        sent = dict(c.execute(text("select channel, count(*) from alert where status = 'sent' group by channel")).all())
        left = c.execute(text("select count(*) from alert where status in ('pending', 'sending')")).scalar()
    engine.dispose()
    return sent, left


def run(mode: str, database: str, seconds: float, feeds: int, drain: float) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="two-proc-"))
    farm = Farm(feeds)
    smtp = LocalSMTPServer().start()
    try:
        if database == "sqlite":
            url = f"sqlite:///{folder / 'tracker.db'}"
            cfg_db = "tracker.db"
        else:
            url = cfg_db = database
            drop_everything(url)
        cfg = write_config(folder, cfg_db, farm, smtp)
        env = {**os.environ, "BENCH_HOOK": farm.url + "/hook", "BENCH_SLACK": farm.url + "/slack", "PYTHONUNBUFFERED": "1"}
        cmd = [sys.executable, "-m", "tracker.cli", "--config", str(cfg)]
        logs = [open(folder / f"daemon{i}.log", "w") for i in range(2)]  # noqa: SIM115
        daemon = subprocess.Popen([*cmd, "run"], env=env, stdout=subprocess.DEVNULL, stderr=logs[0])
        refusal = None
        onces: list[subprocess.Popen] = []
        started = time.monotonic()
        if mode == "two-daemons":  # started together: one gets the lease, the other is refused
            second = subprocess.Popen([*cmd, "run"], env=env, stdout=subprocess.DEVNULL, stderr=logs[1])
            pair = [daemon, second]
            while time.monotonic() - started < 60 and all(d.poll() is None for d in pair):
                time.sleep(0.1)
            refused = [i for i, d in enumerate(pair) if d.poll() is not None]
            if refused:
                i = refused[0]
                logs[i].flush()
                last = ((folder / f"daemon{i}.log").read_text().strip().splitlines() or ["(no output)"])[-1]
                refusal = f"exit {pair[i].returncode}: {last}"
                daemon = pair[1 - i]
            else:
                refusal = "NOT REFUSED: both still running"
            while time.monotonic() - started < seconds:
                time.sleep(0.5)
        else:
            while time.monotonic() - started < seconds:
                err = open(folder / f"once{len(onces)}.log", "w")  # noqa: SIM115 - a file, never a pipe that fills up
                onces.append(subprocess.Popen([*cmd, "run", "--once"], env=env, stdout=subprocess.DEVNULL, stderr=err))
                err.close()
                time.sleep(10)
        once_hung = 0
        for p in onces:
            try:
                p.wait(max(1.0, started + seconds + drain - time.monotonic()))
            except subprocess.TimeoutExpired:
                once_hung += 1
                p.kill()
                p.wait()
        once_crashes = sum("Traceback" in (folder / f"once{i}.log").read_text() for i in range(len(onces)))
        deadline = time.monotonic() + drain
        left = None
        while time.monotonic() < deadline:
            _, left = sent_by_channel(url)
            if left == 0:
                break
            time.sleep(1)
        for d in [daemon, *([second] if mode == "two-daemons" else [])]:
            if d.poll() is None:
                d.send_signal(signal.SIGTERM)
                try:
                    d.wait(60)
                except subprocess.TimeoutExpired:
                    d.kill()
                    d.wait()
        for f in logs:
            f.close()
        sent, left = sent_by_channel(url)
        got = {"hook": list(farm.hooks), "slack": list(farm.slack), "mail": [m.message["Message-ID"] for m in smtp.messages]}
        rows = {ch: (len(ids), len(set(ids)), len(ids) - len(set(ids)), sent.get(ch, 0)) for ch, ids in got.items()}
        return {"mode": mode, "rows": rows, "refusal": refusal, "left": left, "onces": len(onces), "once_crashes": once_crashes,
                "once_hung": once_hung, "daemon_exit": daemon.returncode}  # fmt: skip
    finally:
        smtp.stop()
        farm.close()
        if database != "sqlite":
            drop_everything(database)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", default="sqlite", help='"sqlite" (a new file) or a PostgreSQL URL (its tables are dropped)')
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--feeds", type=int, default=40)
    ap.add_argument("--drain", type=float, default=120, help="at most this long for the pending alerts to go out after")
    ap.add_argument("--mode", choices=["two-daemons", "daemon+once", "both"], default="both")
    a = ap.parse_args()
    where = "SQLite file" if a.database == "sqlite" else "PostgreSQL"
    modes = ["two-daemons", "daemon+once"] if a.mode == "both" else [a.mode]
    print("| database | run | channel | received | unique | doubled | sent (db) |")
    print("|---|---|---|---|---|---|---|")
    results = [run(m, a.database, a.seconds, a.feeds, a.drain) for m in modes]
    for r in results:
        for ch, (received, unique, doubled, sent) in r["rows"].items():
            print(f"| {where} | {r['mode']} | {ch} | {received} | {unique} | {doubled} | {sent} |")
    for r in results:
        extra = f"; {r['onces']} run --once, {r['once_crashes']} crashed, {r['once_hung']} killed after the drain" if r["mode"] == "daemon+once" else ""
        print(f"\n{r['mode']}: {r['left']} alert(s) still pending at the end; daemon exit {r['daemon_exit']}{extra}")
        if r["refusal"]:
            print(f"second daemon: {r['refusal']}")


if __name__ == "__main__":
    main()
