"""Schema migrations: Alembic, configured in code, over the environment in ./migrations.

I/O. The one place that creates or alters tables. A database is in one of four states:

- empty (no tracker tables): upgrading creates every table at head;
- made before migrations (tracker tables, no alembic_version): if its tables hold the
  baseline's columns (the schema of commit 65e150d) it is stamped as the baseline and
  upgraded; otherwise refused, naming what is missing;
- at a revision this code knows: upgraded to head (or already there);
- at a revision this code does not know (a newer pause-tracker wrote it): refused.

Upgrading is one transaction (SQLite: BEGIN IMMEDIATE, foreign keys off while tables
are rebuilt and checked before commit; PostgreSQL: transactional DDL) under a lock
(SQLite's write lock; a PostgreSQL advisory lock), so two processes starting together
on an empty database do not race: the second finds it at head. Does not decide which
commands may upgrade (the CLI does) and never downgrades.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlmodel import SQLModel

from ..errors import StoreError
from . import models  # noqa: F401  (the tables, on SQLModel.metadata)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The first revision: the schema as create_all made it at commit 65e150d.
BASELINE = "0001"
#: The newest revision in migrations/versions/ (a test checks it against Alembic's view).
#: Written here so that a command that only reads checks the schema without importing
#: Alembic (it is imported only to upgrade, or when the database is not at HEAD).
HEAD = "0004"
#: pg_advisory_lock key held while upgrading (any constant; "pause-tr" as a number).
LOCK_KEY = 0x7061757365_7472
UPGRADE_HINT = "run `tracker db upgrade` (back up the database first)"


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database stands. `current` None: not stamped (empty, or made before migrations)."""

    current: str | None
    head: str
    has_tables: bool  # any tracker table there

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def known(self) -> bool:
        return self.current is None or self.current == HEAD or self.current in _revisions()

    def describe(self) -> str:
        if self.current is None:
            return "before migrations (made by create_all)" if self.has_tables else "empty (no tables yet)"
        return self.current


@dataclass(frozen=True, slots=True)
class Upgraded:
    before: SchemaState
    after: str

    @property
    def changed(self) -> bool:
        return self.before.current != self.after

    def line(self) -> str:
        """One line for the log or the terminal."""
        if not self.changed:
            return f"database is at revision {self.after} (head): nothing to upgrade"
        if not self.before.has_tables:
            return f"database created at revision {self.after} (head)"
        if self.before.current is None:
            return f"database upgraded from before migrations (stamped as the baseline {BASELINE}) to {self.after}"
        return f"database upgraded from {self.before.current} to {self.after}"


@cache
def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


@cache
def _revisions() -> frozenset[str]:
    return frozenset(r.revision for r in _script().walk_revisions())


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _state(conn: Connection) -> SchemaState:
    names = set(inspect(conn).get_table_names())
    current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if "alembic_version" in names else None
    return SchemaState(current, HEAD, bool(names & set(SQLModel.metadata.tables)))


def state(engine: Engine) -> SchemaState:
    """Where the database stands; a SQLite file that does not exist is empty (and is not made)."""
    path = _sqlite_path(engine)
    if path is not None and not path.exists():
        return SchemaState(None, HEAD, False)
    with engine.connect() as conn:
        return _state(conn)


def _newer(s: SchemaState) -> StoreError:
    return StoreError(
        f"database is at revision {s.current}, newer than this pause-tracker (knows up to {s.head}): "
        "upgrade pause-tracker, or restore a backup"
    )


def require_current(engine: Engine) -> SchemaState:
    """The state, when the database is at head; else a StoreError saying what to run.
    Creates nothing (an SQLite file that does not exist is not created)."""
    path = _sqlite_path(engine)
    if path is not None and not path.exists():
        raise StoreError(f"there is no database at {path} yet: `tracker run` or `tracker db upgrade` creates it")
    s = state(engine)
    if not s.known:
        raise _newer(s)
    if not s.has_tables:
        raise StoreError("the database has no tables yet: `tracker run` or `tracker db upgrade` creates them")
    if s.current is None:
        raise StoreError(f"the database was made before migrations; this pause-tracker needs revision {s.head}: {UPGRADE_HINT}")
    if not s.up_to_date:
        raise StoreError(f"the database is at revision {s.current}; this pause-tracker needs revision {s.head}: {UPGRADE_HINT}")
    return s


def upgrade(engine: Engine) -> Upgraded:
    """Bring the database to head (see the module docstring); returns from where to where."""
    from alembic import command

    with _locked(engine) as conn:
        with conn.begin():
            before = _state(conn)
            if not before.known:
                raise _newer(before)
            cfg = _config(conn)
            if before.current is None and before.has_tables:
                _check_baseline(conn)
                command.stamp(cfg, BASELINE)
            command.upgrade(cfg, "head")
            if conn.dialect.name == "sqlite":
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"the upgrade would break {len(broken)} foreign key(s) (first: {broken[0]}); nothing was changed")
            return Upgraded(before, _state(conn).current)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection for upgrading: PostgreSQL holds an advisory lock on it; SQLite has its
    foreign keys off (a table rebuilt by batch mode must not cascade or fail half-way)."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection  # outside any transaction: a PRAGMA there is ignored
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                yield conn
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
            return
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()
            return
        yield conn


@cache
def _baseline_columns() -> dict[str, frozenset[str]]:
    """Each table's columns at the baseline, read from the baseline revision run on an
    in-memory SQLite database (so they are written down once, in the revision)."""
    from alembic import command

    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            command.upgrade(_config(conn), BASELINE)
            insp = inspect(conn)
            return {t: frozenset(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names() if t != "alembic_version"}
    finally:
        engine.dispose()


def _check_baseline(conn: Connection) -> None:
    insp = inspect(conn)
    tables = set(insp.get_table_names())
    problems = []
    for table, columns in sorted(_baseline_columns().items()):
        if table not in tables:
            problems.append(f"table {table} is missing")
            continue
        missing = columns - {c["name"] for c in insp.get_columns(table)}
        if missing:
            problems.append(f"table {table} lacks column(s) {', '.join(sorted(missing))}")
    if problems:
        raise StoreError(
            "the database was made before migrations but is not the baseline schema (pause-tracker at 65e150d): "
            + "; ".join(problems)
            + ". It is older than any release that can be upgraded: point [tracker] database at a new file, "
            "or add what is missing by hand and run `tracker db upgrade`"
        )


def _sqlite_path(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    return Path(url.database)


def new_revision(message: str) -> Path:
    """For developers: autogenerate the next revision from the models (against an empty
    SQLite database brought to head) into migrations/versions/, to be reviewed and edited.

        .venv/bin/python -c "from tracker.store.migrate import new_revision; print(new_revision('add feed.language'))"

    Then set HEAD above to its number.
    """
    from alembic import command

    number = f"{len(_revisions()) + 1:04d}"
    engine = create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            cfg = _config(conn)
            command.upgrade(cfg, "head")
            script = command.revision(cfg, message=message, autogenerate=True, rev_id=number)
    finally:
        engine.dispose()
    _script.cache_clear()
    _revisions.cache_clear()
    return Path(script.path)
