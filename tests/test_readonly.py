"""Reading commands never write (issue #13, item 13): `pauses`, `show`, `feeds`, `feeds
export`, `alerts` and `silence list` work on a read-only database (file and folder) and
while another process holds the write lock, and leave the file byte for byte as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

READING = [["pauses", "--all"], ["show", "1"], ["feeds", "--all"], ["feeds", "export"], ["alerts"], ["silence", "list", "--all"]]


def _feed() -> bytes:
    text = "The warring parties agreed to a 72-hour ceasefire in Aleppo on Monday, officials said."
    item = f"<item><guid>a1</guid><title>Aleppo</title><link>https://news.example/1</link><description>{escape(text)}</description></item>"
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{item}</channel></rss>'.encode()


def _made(folder: Path, http_server) -> Path:
    """A config and a database made by `run --once` (one pause, its alert, a silence)."""
    http_server.serve("/feed", _feed())
    cfg = folder / "config.toml"
    cfg.write_text(
        '[tracker]\ndatabase = "tracker.db"\nprocesses = 0\n[fetch]\nallow_private_networks = true\n'
        f'[[feeds]]\nname = "feed"\nurl = "{http_server.url}/feed"\n'
        '[[channels]]\nname = "out"\ntype = "file"\npath = "outbox"\ngroup_wait = "0s"\n'
    )
    cmd = [sys.executable, "-m", "tracker.cli", "--config", str(cfg)]
    subprocess.run([*cmd, "run", "--once"], check=True, capture_output=True, timeout=120)
    subprocess.run([*cmd, "silence", "add", "--place", "Gaza", "--for", "1h", "--reason", "test"], check=True, capture_output=True, timeout=60)
    return cfg


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reading_commands_do_not_wait_for_the_write_lock_another_process_holds(tmp_path, http_server):
    cfg = _made(tmp_path, http_server)
    # a feed added to the config since: reading commands used to sync it in (a write)
    cfg.write_text(cfg.read_text().replace("[[channels]]", f'[[feeds]]\nname = "new"\nurl = "{http_server.url}/new"\n[[channels]]'))
    db = tmp_path / "tracker.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # like the daemon's writer in the middle of a poll
    try:
        for args in READING:
            done = subprocess.run([sys.executable, "-m", "tracker.cli", "--config", str(cfg), *args], capture_output=True, text=True, timeout=20)
            assert done.returncode == 0, (args, done.stderr)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with sqlite3.connect(db) as c:
        assert [u for (u,) in c.execute("select url from feed")] == [f"{http_server.url}/feed"]  # nothing synced


def _as_unprivileged():
    """preexec_fn: drop root (root ignores file modes), to the user `nobody`."""
    os.setgid(65534)
    os.setuid(65534)


def _unprivileged_can_run_python() -> bool:
    """Whether `nobody` can start this interpreter (root's os.access says yes to everything)."""
    try:
        return subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_as_unprivileged, cwd="/", timeout=60).returncode == 0
    except PermissionError:
        return False


def test_reading_commands_work_on_a_read_only_database_in_a_read_only_folder(http_server):
    if os.geteuid() == 0 and not _unprivileged_can_run_python():
        pytest.skip(f"the user nobody cannot run {sys.executable} here (a folder on its path is closed to others)")
    folder = Path(tempfile.mkdtemp(prefix="tracker-ro-"))  # under /tmp, so `nobody` can reach it
    try:
        folder.chmod(0o755)
        cfg = _made(folder, http_server)
        db = folder / "tracker.db"
        assert not Path(f"{db}-wal").exists()  # the last writer closed cleanly
        before = _sha(db)
        db.chmod(0o444)
        cfg.chmod(0o444)
        folder.chmod(0o555)
        preexec = _as_unprivileged if os.geteuid() == 0 else None
        outputs = {}
        for args in READING:
            done = subprocess.run(
                [sys.executable, "-m", "tracker.cli", "--config", str(cfg), *args],
                capture_output=True, text=True, timeout=60, preexec_fn=preexec, cwd="/",
            )  # fmt: skip
            assert done.returncode == 0, (args, done.stderr)
            outputs[args[0] + (args[1] if len(args) > 1 and not args[1].startswith("-") else "")] = done.stdout
        assert "Aleppo" in outputs["pauses"] and "Aleppo" in outputs["show1"]
        assert "feed" in outputs["feeds"] and "<opml" in outputs["feedsexport"]
        assert "out" in outputs["alerts"] and "Gaza" in outputs["silencelist"]
        assert _sha(db) == before and sorted(p.name for p in folder.iterdir()) == ["config.toml", "outbox", "tracker.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_reading_command_refuses_to_write_through_its_store(tmp_path, http_server):
    from tracker.errors import StoreError
    from tracker.store.db import Store

    _made(tmp_path, http_server)
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}", readonly=True)
    try:
        assert [p.location for p in store.pauses()] == ["Aleppo"]
        with pytest.raises(StoreError, match="readonly"):
            store.sync_feeds([], datetime.now(UTC))
    finally:
        store.close()
