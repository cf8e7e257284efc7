"""Migrations on real databases: the fixture made by commit 65e150d upgrades to head with
every row kept; a fresh database upgrades to head; migrations and models agree; a database
newer than the code is refused; `tracker db` and `tracker run --once` on the fixture.

SQLite files always; PostgreSQL when TRACKER_TEST_DATABASE_URL is set (its tables are
dropped and remade). tests/fixtures/make_db_65e150d.py says how the fixtures were made.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from dbtools import drop_all
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from tracker.cli import main
from tracker.config import database_url
from tracker.errors import StoreError
from tracker.store import migrate
from tracker.store.coordination import AlertListener
from tracker.store.db import Store
from tracker.types import Rendered

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SQLITE_FIXTURE = FIXTURES / "tracker-65e150d.db"
PG_FIXTURE = FIXTURES / "tracker-65e150d.postgresql.sql"
PG = os.environ.get("TRACKER_TEST_DATABASE_URL")
#: What the fixture holds (make_db_65e150d.py printed these when it made them).
FIXTURE_COUNTS = {"feed": 4, "article": 11, "pause": 5, "evidence": 12, "change": 10, "alert": 19, "silence": 2}


def _pg_url(tmp_path: Path) -> str:
    if not PG:
        pytest.skip("PostgreSQL migration tests skipped: set TRACKER_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return database_url(PG, tmp_path)


def _load_pg_fixture(url: str) -> None:
    """The plain pg_dump, run through psycopg (no psql), into a database with no tables."""
    engine = create_engine(url)
    try:
        drop_all(engine)
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cur.execute(PG_FIXTURE.read_text(encoding="utf-8"))
            raw.commit()
        finally:
            raw.close()  # the dump empties search_path for its session: not reused
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fixture_url(request, tmp_path):
    """A database holding the 65e150d fixture, made before migrations (no alembic_version)."""
    if request.param == "sqlite":
        shutil.copy(SQLITE_FIXTURE, tmp_path / "tracker.db")
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    url = _pg_url(tmp_path)
    _load_pg_fixture(url)
    yield url
    _drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    url = _pg_url(tmp_path)
    _drop(url)
    yield url
    _drop(url)


def _drop(url: str) -> None:
    engine = create_engine(url)
    try:
        drop_all(engine)
    finally:
        engine.dispose()


def _rows(url: str, columns: dict[str, list[str]] | None = None) -> dict[str, tuple[list[str], list[tuple]]]:
    """Every row of every tracker table, by id, with its columns (only `columns`, when given)."""
    engine = create_engine(url)
    out = {}
    try:
        with engine.connect() as c:
            insp = inspect(c)
            for table in sorted(columns or set(insp.get_table_names()) - {"alembic_version"}):
                cols = columns[table] if columns else [x["name"] for x in insp.get_columns(table)]
                listed = ", ".join(f'"{x}"' for x in cols)
                out[table] = (cols, [tuple(r) for r in c.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY 1'))])
    finally:
        engine.dispose()
    return out


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata)
    finally:
        engine.dispose()


def _has_version_table(url: str) -> bool:
    engine = create_engine(url)
    try:
        return "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_fixture_upgrades_to_head_with_every_row_kept(fixture_url):
    before = _rows(fixture_url)
    assert {t: len(rows) for t, (_, rows) in before.items()} == FIXTURE_COUNTS
    store = Store(fixture_url)
    try:
        done = store.upgrade()
        assert (done.before.current, done.before.has_tables, done.after) == (None, True, migrate.HEAD)
        assert "stamped as the baseline 0001" in done.line()
        after = _rows(fixture_url, {t: cols for t, (cols, _) in before.items()})
        assert after == before  # every row of every table, every value
        assert store.schema().up_to_date
        # and the code reads it: the pauses, alerts and silences the old code wrote
        pauses = {p.location: p.status for p in store.pauses()}
        assert pauses == {"Aleppo": "proposed", "Donetsk": "collapsed", "Taiz": "expired", "Hodeidah": "expired", "Madaya": "in_effect"}
        alerts = store.alerts()
        assert {a.kind for a in alerts} == {"change", "health", "digest"}
        assert {a.status for a in alerts} == {"sent", "silenced", "pending"}
        assert [s.reason for s in store.silences()] == ["Taiz desk on leave", "Donetsk followed elsewhere"]
        hodeidah = next(p for p in store.pauses() if p.location == "Hodeidah")
        assert {c.event for c in store.pause(hodeidah.id).changes} == {"new", "started", "ends_soon", "ends_very_soon", "expired"}
        again = store.upgrade()
        assert not again.changed and "nothing to upgrade" in again.line()
    finally:
        store.close()
    assert _diff(fixture_url) == []  # the baseline revision is what create_all made at 65e150d


def test_head_is_the_newest_revision_in_versions():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(migrate.MIGRATIONS)).get_current_head() == migrate.HEAD


def test_a_fresh_database_upgrades_to_head_and_matches_the_models(empty_url):
    store = Store(empty_url)
    try:
        assert store.schema().describe() == "empty (no tables yet)"
        done = store.upgrade()
        assert (done.before.has_tables, done.after) == (False, migrate.HEAD)
        assert done.line() == f"database created at revision {migrate.HEAD} (head)"
        assert store.schema().up_to_date
    finally:
        store.close()
    # a model changed without a migration makes a difference here, and fails this test
    assert _diff(empty_url) == []


def test_a_model_change_without_a_migration_is_seen(tmp_path):
    """The check above can fail: a column the migrations do not make is reported."""
    from sqlalchemy import Column, MetaData, String, Table

    url = f"sqlite:///{tmp_path / 'x.db'}"
    Store(url).upgrade()
    md = MetaData()
    for t in SQLModel.metadata.sorted_tables:
        t.to_metadata(md)
    Table("feed", md, Column("language", String), extend_existing=True)
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            diff = compare_metadata(MigrationContext.configure(c), md)
    finally:
        engine.dispose()
    assert [(d[0], d[3].name) for d in diff] == [("add_column", "language")]


RACER = """
import sys, time
from tracker.store.db import Store
store = Store(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both start upgrading at this instant
print(store.upgrade().line())
store.close()
"""


def test_two_processes_upgrading_a_fresh_database_at_once_do_not_race(empty_url):
    """PostgreSQL: the advisory lock; SQLite: its write lock (BEGIN IMMEDIATE). Two real
    processes, released at the same instant once imported."""
    at = str(time.time() + 2)
    procs = [subprocess.Popen([sys.executable, "-c", RACER, empty_url, at], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    head = migrate.HEAD
    assert sorted(out.strip() for out, _ in outs) == [f"database created at revision {head} (head)", f"database is at revision {head} (head): nothing to upgrade"]


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    finally:
        engine.dispose()


def test_a_database_newer_than_the_code_is_refused(empty_url, tmp_path):
    store = Store(empty_url)
    try:
        store.upgrade()
        _set_revision(empty_url, "9999")
        message = f"database is at revision 9999, newer than this pause-tracker (knows up to {migrate.HEAD}): upgrade pause-tracker, or restore a backup"
        with pytest.raises(StoreError, match="newer than this pause-tracker") as e:
            store.upgrade()
        assert message in str(e.value)
        with pytest.raises(StoreError) as e:
            store.require_current()
        assert message in str(e.value)
    finally:
        store.close()
    cfg = _config(tmp_path, empty_url)
    for args in (["run", "--once"], ["pauses"], ["db", "upgrade"]):
        result = CliRunner().invoke(main, ["--config", cfg, *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    current = CliRunner().invoke(main, ["--config", cfg, "db", "current", "--json"])
    assert current.exit_code == 0
    assert json.loads(current.output) | {"database": None} == {
        "database": None, "revision": "9999", "head": migrate.HEAD, "up_to_date": False, "state": "9999",
        "status": f"newer than this pause-tracker (knows up to {migrate.HEAD}): upgrade pause-tracker, or restore a backup",
    }


def test_tables_from_before_the_baseline_are_refused_naming_what_is_missing(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(SQLITE_FIXTURE, path)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE article DROP COLUMN content_hash")
    con.commit()
    con.close()
    store = Store(f"sqlite:///{path}")
    try:
        with pytest.raises(StoreError, match="table article lacks column\\(s\\) content_hash"):
            store.upgrade()
    finally:
        store.close()
    assert not _has_version_table(f"sqlite:///{path}")  # nothing was changed


def _config(folder: Path, url: str) -> str:
    """A config on `url` with the sample feeds and a file channel."""
    database = url.replace("postgresql+psycopg://", "postgresql://")
    path = folder / "config.toml"
    path.write_text(
        f"""
[tracker]
database = "{database}"
templates = "{ROOT / 'templates'}"
processes = 0

[[feeds]]
name = "Sample Wire (RSS 2.0)"
url = "{ROOT / 'seeds/sample-wire.rss.xml'}"

[[feeds]]
name = "Sample Desk (Atom)"
url = "{ROOT / 'seeds/sample-desk.atom.xml'}"

[[channels]]
name = "outbox"
type = "file"
path = "{folder / 'outbox'}"
""",
        encoding="utf-8",
    )
    return str(path)


def test_db_current_and_db_upgrade_on_the_fixture(fixture_url, tmp_path):
    cfg = _config(tmp_path, fixture_url)
    run = lambda *args: CliRunner().invoke(main, ["--config", cfg, *args])  # noqa: E731
    head = migrate.HEAD

    current = run("db", "current")
    assert current.exit_code == 0, current.output
    assert "revision: before migrations (made by create_all)" in current.output
    assert f"head:     {head}" in current.output
    assert "status:   behind: run `tracker db upgrade`" in current.output

    # a command that only reads refuses, and creates nothing
    refused = run("pauses")
    assert refused.exit_code == 1 and "run `tracker db upgrade`" in refused.output
    assert not _has_version_table(fixture_url)

    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.output == f"database upgraded from before migrations (stamped as the baseline 0001) to {head}\n"
    assert run("db", "upgrade").output == f"database is at revision {head} (head): nothing to upgrade\n"
    state = json.loads(run("db", "current", "--json").output)
    assert (state["revision"], state["head"], state["up_to_date"], state["status"]) == (head, head, True, "up to date")
    assert run("pauses", "--all").exit_code == 0


def test_run_once_on_the_fixture_upgrades_then_works(fixture_url, tmp_path):
    cfg = _config(tmp_path, fixture_url)
    result = CliRunner().invoke(main, ["--config", cfg, "run", "--once"])
    # exit 1: the fixture's pending alert is for a channel this config lacks, and fails
    assert result.exit_code == 1 and "channel 'morning-digest' is no longer configured" in result.output, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"database upgraded from before migrations (stamped as the baseline 0001) to {migrate.HEAD}"
    # the fixture's feeds, unchanged since (or, in another checkout, new ones): none fails
    assert lines[1].startswith("Polled 2 feed(s): ") and " 0 failed;" in lines[1]
    assert "Alerts: " in result.output
    board = json.loads(CliRunner().invoke(main, ["--config", cfg, "pauses", "--all", "--json"]).output)
    assert {p["location"] for p in board} >= {"Aleppo", "Donetsk", "Taiz", "Hodeidah", "Madaya"}
    again = CliRunner().invoke(main, ["--config", cfg, "run", "--once"])
    assert again.exit_code == 0 and not again.output.startswith("database")


def test_reading_commands_on_a_missing_sqlite_file_create_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'none.db'}"
    cfg = _config(tmp_path, url)
    result = CliRunner().invoke(main, ["--config", cfg, "pauses"])
    assert result.exit_code == 1
    assert "no database at" in result.output and "`tracker run` or `tracker db upgrade` creates it" in result.output
    current = CliRunner().invoke(main, ["--config", cfg, "db", "current"])
    assert "revision: empty (no tables yet)" in current.output
    assert not (tmp_path / "none.db").exists()
    made = CliRunner().invoke(main, ["--config", cfg, "silence", "add", "--place", "Aleppo", "--for", "1h", "--reason", "test"])
    assert made.exit_code == 0 and (tmp_path / "none.db").exists()  # a command that writes upgrades


READERS = [["pauses"], ["show", "1"], ["feeds"], ["feeds", "export"], ["alerts"], ["silence", "list"], ["digest", "--dry-run", "--channel", "outbox"], ["test-alert", "--channel", "outbox"]]
WRITERS = [["run", "--once"], ["silence", "add", "--place", "Aleppo", "--for", "1h", "--reason", "test"], ["silence", "remove", "1"], ["digest", "--channel", "outbox"], ["db", "upgrade"]]


@pytest.mark.parametrize("args", READERS + WRITERS, ids=" ".join)
def test_commands_that_read_refuse_a_database_behind_head_and_commands_that_write_upgrade_it(args, tmp_path):
    shutil.copy(SQLITE_FIXTURE, tmp_path / "tracker.db")
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    result = CliRunner().invoke(main, ["--config", _config(tmp_path, url), *args])
    if args in READERS:
        assert result.exit_code == 1, result.output
        assert "the database was made before migrations; this pause-tracker needs revision" in result.output
        assert "run `tracker db upgrade`" in result.output
        assert not _has_version_table(url)
    else:
        # the fixture's pending alerts are for channels this config lacks: they fail (exit 1), nothing else does
        failed = [line for line in result.output.splitlines() if "failed" in line and " 0 failed" not in line]
        assert result.exit_code == 0 or (result.exit_code == 1 and all("no longer configured" in line or "Alerts:" in line or "Digest(s)" in line for line in failed)), result.output
        assert "Traceback" not in result.output
        store = Store(url)
        try:
            assert store.schema().up_to_date
        finally:
            store.close()


def test_a_reading_command_on_an_empty_database_creates_no_table(empty_url, tmp_path):
    engine = create_engine(empty_url)
    engine.connect().close()  # an SQLite file with nothing in it; PostgreSQL: a database without tables
    try:
        result = CliRunner().invoke(main, ["--config", _config(tmp_path, empty_url), "alerts"])
        assert result.exit_code == 1
        assert "the database has no tables yet: `tracker run` or `tracker db upgrade` creates them" in result.output
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


LATER = '''"""A later revision, for the test: ALTERs that SQLite can only do by rebuilding the table."""

import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feed") as b:
        b.add_column(sa.Column("language", sa.String(), nullable=False, server_default="en"))
        b.alter_column("name", type_=sa.Text(), existing_type=sa.String(), existing_nullable=False)
    with op.batch_alter_table("pause") as b:  # referenced by evidence, change and alert
        b.alter_column("kind", type_=sa.Text(), existing_type=sa.String(), existing_nullable=False)


def downgrade():
    pass
'''


def test_a_later_revision_that_rebuilds_referenced_tables_keeps_every_row(fixture_url, tmp_path, monkeypatch):
    """Batch mode on SQLite (copy, drop, rename) of tables other tables point at, with the
    fixture's rows: the foreign keys survive, nothing is lost. PostgreSQL ALTERs in place."""
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "9999_later.py").write_text(LATER.replace("{head}", migrate.HEAD), encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS", migrations)
    monkeypatch.setattr(migrate, "HEAD", "9999")
    migrate._script.cache_clear()  # the revisions are read again from the copy (and again after)
    migrate._revisions.cache_clear()
    before = _rows(fixture_url)
    store = Store(fixture_url)
    try:
        done = store.upgrade()
        assert (done.before.current, done.after) == (None, "9999")
        assert done.line() == "database upgraded from before migrations (stamped as the baseline 0001) to 9999"
        assert _rows(fixture_url, {t: cols for t, (cols, _) in before.items()}) == before
        assert {r[-1] for r in _rows(fixture_url)["feed"][1]} == {"en"}
        assert len(store.pauses()) == 5 and len(store.pause(4).evidence) == 2  # the Hodeidah truce's two mentions
        assert store.require_current().up_to_date
    finally:
        store.close()
        migrate._script.cache_clear()
        migrate._revisions.cache_clear()
    engine = create_engine(fixture_url)
    try:
        with engine.connect() as c:
            fks = {t: inspect(c).get_foreign_keys(t) for t in ("article", "evidence", "change", "alert")}
            if c.dialect.name == "sqlite":
                assert c.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
    assert {fk["referred_table"] for t in fks for fk in fks[t]} == {"feed", "article", "pause"}


def test_a_database_at_0003_upgrades_to_0004_with_every_row_kept_and_down_again(fixture_url):
    """0004 (issue #16: workers, feed claims, channel state, singletons, the alert NOTIFY)
    from the revision before it, with the fixture's rows: all kept, no feed claimed; on
    PostgreSQL an alert insert NOTIFYs a listener. Its downgrade gives back 0003's tables."""
    from alembic import command

    def to(revision: str, down: bool = False) -> None:
        engine = create_engine(fixture_url)
        try:
            with engine.connect() as conn, conn.begin():
                cfg = migrate._config(conn)
                if not down and not _has_version_table(fixture_url):
                    command.stamp(cfg, migrate.BASELINE)
                (command.downgrade if down else command.upgrade)(cfg, revision)
        finally:
            engine.dispose()

    to("0003")
    before = _rows(fixture_url)
    store = Store(fixture_url)
    try:
        done = store.upgrade()
        assert (done.before.current, done.after) == ("0003", "0004")
        assert _rows(fixture_url, {t: cols for t, (cols, _) in before.items()}) == before
        claims = _rows(fixture_url, {"feed": ["id", "claimed_by", "claimed_until"], "worker": ["id"], "singleton": ["name"], "channel_state": ["key"]})
        assert {r[1:] for r in claims["feed"][1]} == {(None, None)} and len(claims["feed"][1]) == FIXTURE_COUNTS["feed"]
        assert [rows for _, rows in (claims["worker"], claims["singleton"], claims["channel_state"])] == [[], [], []]
        if not store.is_sqlite:
            listener = AlertListener(store.engine)
            try:
                assert not listener.wait(0.1)
                rendered = Rendered("subject", "text", "<p>html</p>", {"text": "slack"}, {"webhook": True})
                assert store.queue_health(datetime.now(UTC), "health/test", "test", [("desk", rendered)])
                assert listener.wait(2.0)
            finally:
                listener.close()
    finally:
        store.close()
    assert _diff(fixture_url) == []
    to("0003", down=True)
    assert _rows(fixture_url, {"feed": before["feed"][0]})["feed"] == before["feed"]
    engine = create_engine(fixture_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert not names & {"worker", "singleton", "channel_state"}
        assert "claimed_by" not in {c["name"] for c in inspect(engine).get_columns("feed")}
    finally:
        engine.dispose()
