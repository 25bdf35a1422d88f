"""The audit store: every run kept in one SQLite file (sqlite-utils), for history and diff.

Location: ``--store PATH``; else ``$MLM_AUDIT_STORE``; else ``./.mlm-audit/audit.db``.
Tables (plain SQLite, JSON in TEXT columns, so Datasette opens the file as it is):
``runs``, ``packs``, ``inputs``, ``findings``, ``data_issues``, ``org_metrics``.

Guarantees: the schema is created idempotently and migrated by ``PRAGMA user_version``;
the journal is WAL; a run is written in one ``BEGIN IMMEDIATE`` transaction, so a killed
process leaves the whole run or none of it, and concurrent writers queue on the busy
timeout instead of failing. The store never decides anything: it keeps what the engine said.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from mlm_audit.model import (
    AuditResult,
    DataIssue,
    InputError,
    InputInfo,
    IssueLevel,
    Reference,
    Severity,
    StampedFinding,
    Subject,
)

ENV_VAR = "MLM_AUDIT_STORE"
DEFAULT_PATH = Path(".mlm-audit") / "audit.db"
BUSY_TIMEOUT_S = 60.0


def default_path() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_PATH


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- schema ---------------------------------------------------------------------------------
def _v1(db: sqlite_utils.Database) -> None:
    db.table("runs").create({
        "id": int, "started_at": str, "tool": str, "tool_version": str, "command": str,
        "fail_on": str, "verdict": str, "findings": int, "waived": int, "failing": int,
        "critical": int, "high": int, "medium": int, "low": int, "info": int,
        "data_errors": int, "data_warnings": int, "data_info": int,
        "suppressed_by_baseline": int, "agents": int, "orders": int, "payouts": int,
        "organizations": int, "packs": str, "checks": str, "stats": str, "notes": str,
        "waivers": str,
    }, pk="id", not_null={"started_at", "tool_version", "command"})
    db.table("runs").create_index(["started_at"])
    db.table("packs").create({"run_id": int, "pack": str, "version": int, "path": str,
                        "sha256": str, "rules": str},
                       pk=("run_id", "pack"), foreign_keys=[("run_id", "runs", "id")])
    db.table("inputs").create({"run_id": int, "table_name": str, "path": str, "sha256": str,
                         "encoding": str, "format": str, "rows_read": int,
                         "rows_loaded": int, "rows_rejected": int},
                        pk=("run_id", "table_name"), foreign_keys=[("run_id", "runs", "id")])
    db.table("findings").create({
        "run_id": int, "fingerprint": str, "rule_id": str, "check_name": str,
        "severity": str, "severity_rank": int, "title": str, "subject_kind": str,
        "subject_id": str, "period": str, "message": str, "evidence": str, "refs": str,
        "waived": int, "waiver": str, "suppressed": int,
    }, pk=("run_id", "fingerprint"), foreign_keys=[("run_id", "runs", "id")])
    db.table("findings").create_index(["rule_id"])
    db.table("findings").create_index(["subject_kind", "subject_id"])
    db.table("data_issues").create({
        "run_id": int, "seq": int, "code": str, "level": str, "message": str, "file": str,
        "source_row": int, "column_name": str, "table_name": str, "count": int,
    }, pk=("run_id", "seq"), foreign_keys=[("run_id", "runs", "id")])
    db.table("org_metrics").create({
        "run_id": int, "root_id": str, "persons": int, "paying": int, "levels": int,
        "payouts_total": int, "entry_total": int,
    }, pk=("run_id", "root_id"), foreign_keys=[("run_id", "runs", "id")])


def _v2(db: sqlite_utils.Database) -> None:
    # the rules that ran and the aggregated report tables, so `show` renders every format
    db.table("runs").add_column("rules", str)
    db.table("runs").add_column("report_tables", str)


# Migration i brings the schema from version i to i + 1; append, never edit.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)


def _migrate(db: sqlite_utils.Database, where: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    db.conn.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise InputError(f"{where}: store schema version {version} is newer than this "
                             f"mlm-audit ({SCHEMA_VERSION}); upgrade mlm-audit")
        for step in MIGRATIONS[version:]:
            step(db)
        db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise


def _set_up(db: sqlite_utils.Database, path: Path) -> None:
    """WAL mode and schema. While another process sets up the same new file, SQLite can
    answer "locked" at once instead of waiting (a change of journal mode does not always go
    through the busy handler), so retry until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            _migrate(db, path)
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_store(path: Path, create: bool = True) -> sqlite_utils.Database:
    """Open (and when ``create``, create or migrate) the store at ``path``."""
    if not create and not path.is_file():
        raise InputError(f"{path}: no audit store here; run 'mlm-audit audit' first, or pass "
                         f"--store PATH (or set {ENV_VAR})")
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        db = sqlite_utils.Database(conn, execute_plugins=False)
        # closed when dropped, or at exit even when the process ends without freeing it
        # (the command's fast exit): the write-ahead log is folded in and removed
        weakref.finalize(db, conn.close)
        _set_up(db, path)
    except sqlite3.DatabaseError as e:
        raise InputError(f"{path}: cannot open the audit store: {e}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot create the audit store: {e.strerror}") from None
    return db


# -- writing --------------------------------------------------------------------------------
def _finding_row(run_id: int, f: StampedFinding, suppressed: bool) -> dict[str, Any]:
    return {
        "run_id": run_id, "fingerprint": f.fingerprint, "rule_id": f.rule_id,
        "check_name": f.check, "severity": f.severity.value, "severity_rank": f.severity.rank,
        "title": _json(f.title), "subject_kind": f.subject.kind, "subject_id": f.subject.id,
        "period": f.period, "message": f.message, "evidence": _json(f.evidence),
        "refs": _json([r.to_dict() for r in f.references]), "waived": int(f.waived),
        "waiver": _json(f.waiver) if f.waiver is not None else None,
        "suppressed": int(suppressed),
    }


def _write_rows(db: sqlite_utils.Database, table: str, rows: Iterable[dict[str, Any]]) -> None:
    """Bulk insert inside the caller's transaction (a seam the crash test interrupts)."""
    db.table(table).insert_all(rows, batch_size=2000)


def record_run(
    db: sqlite_utils.Database,
    result: AuditResult,
    *,
    command: str,
    started_at: datetime,
    checks: dict[str, int] | None = None,
    orgs: Sequence[dict[str, Any]] = (),
    organizations: int | None = None,
    suppressed: Sequence[StampedFinding] = (),
) -> int:
    """Write one run atomically and return its id.

    ``result.findings`` are the reported findings; ``suppressed`` are those a baseline left
    out (kept, flagged, so ``diff`` still sees them). ``orgs`` are org_metrics rows.
    """
    s = result.summary()
    sev, issues = s["by_severity"], s["data_issues"]
    run = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "tool": result.tool.get("name", "mlm-audit"),
        "tool_version": result.tool.get("version", ""), "command": command,
        "fail_on": result.fail_on.value, "verdict": s["verdict"], "findings": s["findings"],
        "waived": s["waived"], "failing": s["failing"], **{k: sev[k] for k in sev},
        "data_errors": issues["error"], "data_warnings": issues["warning"],
        "data_info": issues["info"], "suppressed_by_baseline": result.suppressed_by_baseline,
        "agents": result.stats.get("agents"), "orders": result.stats.get("orders"),
        "payouts": result.stats.get("payouts"),
        "organizations": organizations if organizations is not None else len(orgs),
        "packs": _json([p["pack"] for p in result.packs]), "checks": _json(checks or {}),
        "stats": _json(result.stats), "notes": _json(result.notes),
        "waivers": _json(result.waivers) if result.waivers is not None else None,
        "rules": _json(result.rules), "report_tables": _json(result.tables),
    }
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")  # take the write lock first: no upgrade deadlock in WAL
    try:
        run_id = int(db.table("runs").insert(run).last_pk or 0)
        _write_rows(db, "packs", ({"run_id": run_id, "pack": p["pack"], "version": p["version"],
                                   "path": p["path"], "sha256": p["sha256"],
                                   "rules": _json(p["rules"])} for p in result.packs))
        _write_rows(db, "inputs", (
            {"run_id": run_id, "table_name": i.table, "path": i.path, "sha256": i.sha256,
             "encoding": i.encoding, "format": i.format, "rows_read": i.rows_read,
             "rows_loaded": i.rows_loaded, "rows_rejected": i.rows_rejected}
            for i in result.inputs))
        _write_rows(db, "data_issues", (
            {"run_id": run_id, "seq": n, "code": i.code, "level": i.level.value,
             "message": i.message, "file": i.file, "source_row": i.row,
             "column_name": i.column, "table_name": i.table, "count": i.count}
            for n, i in enumerate(result.data_issues)))
        _write_rows(db, "org_metrics", ({"run_id": run_id, **o} for o in orgs))
        _write_rows(db, "findings", [*(_finding_row(run_id, f, False) for f in result.findings),
                                     *(_finding_row(run_id, f, True) for f in suppressed)])
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return run_id


# -- reading --------------------------------------------------------------------------------
def resolve_run(db: sqlite_utils.Database, ref: str) -> int:
    """A run id, ``latest``, or ``latest~N`` (N runs before the latest)."""
    text = ref.strip().lower()
    if text.isdigit():
        row = db.execute("SELECT id FROM runs WHERE id = ?", [int(text)]).fetchone()
    elif text == "latest" or (text.startswith("latest~") and text[7:].isdigit()):
        back = int(text[7:]) if "~" in text else 0
        row = db.execute("SELECT id FROM runs ORDER BY started_at DESC, id DESC "
                         "LIMIT 1 OFFSET ?", [back]).fetchone()
    else:
        raise InputError(f"run {ref!r}: expected a run id, 'latest' or 'latest~N'")
    if row is None:
        raise InputError(f"no run {ref!r} in the store; see 'mlm-audit history'")
    return int(row[0])


def history(db: sqlite_utils.Database, limit: int | None = None) -> list[dict[str, Any]]:
    """Runs, newest first, with their counts (one indexed query on ``runs``)."""
    sql = ("SELECT id, started_at, tool_version, command, verdict, fail_on, findings, waived, "
           "failing, critical, high, medium, low, info, data_errors, data_warnings, "
           "suppressed_by_baseline, agents, orders, payouts, packs FROM runs "
           "ORDER BY started_at DESC, id DESC")
    params: list[Any] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    out = []
    for row in db.query(sql, params):
        row["packs"] = json.loads(row["packs"])
        out.append(row)
    return out


def findings_from_rows(rows: Iterable[dict[str, Any]]) -> list[StampedFinding]:
    """Rebuild findings, sorted as the engine sorts them.

    Titles, references and waivers repeat across a rule's findings: each distinct JSON text
    is parsed once and the value shared (renderers only read it).
    """
    cache: dict[str, Any] = {}

    def shared(text: str) -> Any:
        value = cache.get(text)
        if value is None:
            value = cache[text] = json.loads(text)
        return value

    out = []
    for r in rows:
        out.append(StampedFinding(
            rule_id=r["rule_id"], check=r["check_name"], severity=Severity(r["severity"]),
            title=shared(r["title"]), subject=Subject(r["subject_kind"], r["subject_id"]),
            message=r["message"], evidence=json.loads(r["evidence"]),
            references=[Reference(**x) for x in shared(r["refs"])],
            fingerprint=r["fingerprint"], period=r["period"], waived=bool(r["waived"]),
            waiver=shared(r["waiver"]) if r["waiver"] else None,
        ))
    out.sort(key=StampedFinding.sort_key)
    return out


def load_findings(db: sqlite_utils.Database, run_id: int, include_suppressed: bool = False
                  ) -> list[StampedFinding]:
    where = "run_id = ?" + ("" if include_suppressed else " AND suppressed = 0")
    return findings_from_rows(db.query(f"SELECT * FROM findings WHERE {where}", [run_id]))


def load_run(db: sqlite_utils.Database, run_id: int) -> AuditResult:
    """Rebuild the AuditResult of a stored run, for any renderer."""
    run = db.table("runs").get(run_id)
    packs = [{"pack": p["pack"], "version": p["version"], "path": p["path"],
              "sha256": p["sha256"], "rules": json.loads(p["rules"])}
             for p in db.query("SELECT * FROM packs WHERE run_id = ? ORDER BY rowid", [run_id])]
    inputs = [InputInfo(table=i["table_name"], path=i["path"], sha256=i["sha256"],
                        encoding=i["encoding"], format=i["format"], rows_read=i["rows_read"],
                        rows_loaded=i["rows_loaded"], rows_rejected=i["rows_rejected"])
              for i in db.query("SELECT * FROM inputs WHERE run_id = ?", [run_id])]
    issues = [DataIssue(code=i["code"], level=IssueLevel(i["level"]), message=i["message"],
                        file=i["file"], row=i["source_row"], column=i["column_name"],
                        table=i["table_name"], count=i["count"])
              for i in db.query("SELECT * FROM data_issues WHERE run_id = ? ORDER BY seq",
                                [run_id])]
    return AuditResult(
        tool={"name": run["tool"], "version": run["tool_version"]}, inputs=inputs,
        packs=packs, data_issues=issues, findings=load_findings(db, run_id),
        stats=json.loads(run["stats"]), fail_on=Severity(run["fail_on"]),
        notes=json.loads(run["notes"]), suppressed_by_baseline=run["suppressed_by_baseline"],
        waivers=json.loads(run["waivers"]) if run["waivers"] else None,
        rules=json.loads(run["rules"]) if run.get("rules") else [],
        tables=json.loads(run["report_tables"]) if run.get("report_tables") else {},
    )


def org_rows(db: sqlite_utils.Database, run_id: int) -> list[dict[str, Any]]:
    return list(db.query("SELECT root_id, persons, paying, levels, payouts_total, entry_total "
                         "FROM org_metrics WHERE run_id = ? ORDER BY root_id", [run_id]))
