"""SQLite storage of review judgements.

Schema (version 1)::

    CREATE TABLE judgements (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order; latest = largest id
        item_id    TEXT NOT NULL,                      -- QARecord.id
        annotator  TEXT NOT NULL,
        verdict    TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
        comment    TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL                       -- UTC ISO 8601, e.g. 2026-01-31T12:00:00.123456+00:00
    );
    CREATE VIEW latest_judgements AS ...  -- one row per (item_id, annotator): the row with the largest id

The table is append-only: re-judging an item adds a row, so the full history stays and the
``latest_judgements`` view gives the verdict that counts (latest wins). The database runs in WAL
mode with a busy timeout, and every operation opens its own short-lived connection, so several
server threads (and several server processes on the same dataset) can write at once; writes take
the lock up front (``BEGIN IMMEDIATE``) so that concurrent writers queue instead of failing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

VERDICTS = ("accept", "reject")
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS judgements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    TEXT NOT NULL,
    annotator  TEXT NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('accept', 'reject')),
    comment    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS judgements_item_annotator ON judgements (item_id, annotator, id);
CREATE INDEX IF NOT EXISTS judgements_annotator ON judgements (annotator, id);
CREATE VIEW IF NOT EXISTS latest_judgements AS
    SELECT j.* FROM judgements AS j
    WHERE j.id = (SELECT MAX(k.id) FROM judgements AS k
                  WHERE k.item_id = j.item_id AND k.annotator = j.annotator);
"""


@dataclass(frozen=True)
class Judgement:
    """One annotator's verdict on one item."""

    item_id: str
    annotator: str
    verdict: str
    comment: str
    created_at: str
    row_id: int = 0

    def to_dict(self) -> dict[str, str | int]:
        return {"item_id": self.item_id, "annotator": self.annotator, "verdict": self.verdict,
                "comment": self.comment, "created_at": self.created_at, "row_id": self.row_id}


def utc_now() -> str:
    """The current time as UTC ISO 8601 with microseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class JudgementStore:
    """Judgements in one SQLite file; safe to share between threads (a connection per call)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            # WAL lets readers run while one writer commits; it is a property of the file.
            con.execute("PRAGMA journal_mode=WAL")
            with con:
                con.executescript(_SCHEMA)
                con.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                            (str(SCHEMA_VERSION),))
            (version,) = con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if int(version) != SCHEMA_VERSION:
                raise ValueError(f"{self.path}: review database schema {version}, "
                                 f"this version reads {SCHEMA_VERSION}")
        # SQLite checkpoints and removes the WAL whenever its last connection closes, which costs
        # a sync per judgement; one idle connection held for the store's lifetime avoids that.
        self._keeper: sqlite3.Connection | None = self._connect(check_same_thread=False)

    def close(self) -> None:
        """Release the idle connection (the WAL is checkpointed when the last one closes)."""
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    def _connect(self, check_same_thread: bool = True) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                              check_same_thread=check_same_thread)
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def record(self, item_id: str, annotator: str, verdict: str, comment: str = "",
               created_at: str | None = None) -> Judgement:
        """Append a judgement (the latest one per item and annotator is the one that counts)."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict {verdict!r} not in {VERDICTS}")
        when = created_at or utc_now()
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                cur = con.execute(
                    "INSERT INTO judgements (item_id, annotator, verdict, comment, created_at) "
                    "VALUES (?, ?, ?, ?, ?)", (item_id, annotator, verdict, comment, when))
                con.execute("COMMIT")
            except sqlite3.Error:
                con.execute("ROLLBACK")
                raise
            row_id = int(cur.lastrowid or 0)
        return Judgement(item_id, annotator, verdict, comment, when, row_id)

    def latest(self, annotator: str | None = None) -> list[Judgement]:
        """The verdicts that count, one per (item, annotator), optionally for one annotator."""
        sql = "SELECT item_id, annotator, verdict, comment, created_at, id FROM latest_judgements"
        args: tuple[str, ...] = ()
        if annotator is not None:
            sql += " WHERE annotator = ?"
            args = (annotator,)
        sql += " ORDER BY item_id, annotator"
        with closing(self._connect()) as con:
            return [Judgement(*row) for row in con.execute(sql, args)]

    def history(self, item_id: str | None = None) -> list[Judgement]:
        """Every judgement ever recorded (optionally for one item), oldest first."""
        sql = "SELECT item_id, annotator, verdict, comment, created_at, id FROM judgements"
        args: tuple[str, ...] = ()
        if item_id is not None:
            sql += " WHERE item_id = ?"
            args = (item_id,)
        sql += " ORDER BY id"
        with closing(self._connect()) as con:
            return [Judgement(*row) for row in con.execute(sql, args)]

    def annotators(self) -> list[str]:
        """Names of everyone who judged at least one item, sorted."""
        with closing(self._connect()) as con:
            return [r[0] for r in con.execute("SELECT DISTINCT annotator FROM judgements ORDER BY 1")]

    def journal_mode(self) -> str:
        """The database's journal mode (``wal`` once initialised)."""
        with closing(self._connect()) as con:
            return str(con.execute("PRAGMA journal_mode").fetchone()[0])
