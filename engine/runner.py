"""Run an approved ruleset over a mart: one compiled DuckDB query, deterministic output.

- The mart is opened read-only with ``enable_external_access=false`` and the configuration is
  locked right after opening (the query cannot read files or change settings).
- Output: JSON Lines, one extracted child per line in extraction order (main list in rank order,
  then the one-side extras), keys sorted, UTF-8, ``\\n`` line ends; plus ``<out>.manifest.json``
  (ruleset hash and document, catalog hash, per-table mart checksums, engine version, reference
  date, counts at each step, results file hash). The data tables' checksums are those ingestion
  recorded in ``_meta`` (row counts checked against the tables; ``tsunagu mart-verify`` recomputes
  them); for a mart without them they are computed during the run (``checksums_from``). No
  timestamps or paths other than file names, so the same mart, ruleset and reference date give
  byte-identical files.
- Ties: total DESC, max side score DESC, number of fired rules DESC, pseudonym ASC.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.catalog.model import Catalog
from engine.errors import Category, TsunaguError
from engine.mart.connection import Connection
from engine.rules.model import Ruleset
from engine.version import ENGINE_VERSION

if TYPE_CHECKING:
    from engine.compiler.query import CompiledRuleset

RESULTS_FORMAT = "tsunagu-run/1"
SIDES = ("welfare", "education", "both")


class RunError(TsunaguError, RuntimeError):
    """A run that cannot proceed; the message is Japanese, for staff."""

    category = Category.CONFLICT


@dataclass(frozen=True)
class FiredRule:
    rule_id: str
    points: int
    values: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "points": self.points, "values": self.values}


@dataclass(frozen=True)
class ChildResult:
    pseudonym: str
    rank: int
    scores: dict[str, int]
    total: int
    alert_level: str | None
    extraction_reason: str
    fired: list[FiredRule]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pseudonym": self.pseudonym,
            "rank": self.rank,
            "scores": dict(self.scores),
            "total": self.total,
            "alert_level": self.alert_level,
            "extraction_reason": self.extraction_reason,
            "fired": [f.to_dict() for f in self.fired],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChildResult:
        return cls(
            pseudonym=d["pseudonym"],
            rank=d["rank"],
            scores=dict(d["scores"]),
            total=d["total"],
            alert_level=d["alert_level"],
            extraction_reason=d["extraction_reason"],
            fired=[FiredRule(f["rule_id"], f["points"], dict(f["values"])) for f in d["fired"]],
        )


@dataclass
class RunResult:
    manifest: dict[str, Any]
    children: list[ChildResult] = field(default_factory=list)

    def child(self, pseudonym: str) -> ChildResult | None:
        return next((c for c in self.children if c.pseudonym == pseudonym), None)

    def ruleset(self) -> Ruleset:
        return Ruleset.model_validate(self.manifest["ruleset"]["document"])


# ---------------------------------------------------------------------------
# hashing and normalization


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def ruleset_document(ruleset: Ruleset) -> dict[str, Any]:
    return ruleset.model_dump(mode="json", by_alias=True)


def ruleset_hash(ruleset: Ruleset) -> str:
    """SHA-256 of the ruleset's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(ruleset_document(ruleset)).encode("utf-8")).hexdigest()


def normalize_value(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (list, tuple)):
        return [normalize_value(x) for x in v]
    return v


def alert_level_for(total: int, ruleset: Ruleset) -> str | None:
    for lvl in sorted(ruleset.alert_levels, key=lambda a: -a.min_score):
        if total >= lvl.min_score:
            return lvl.level
    return None


# ---------------------------------------------------------------------------
# DuckDB access


class _Instance:
    """One configured read-only DuckDB instance of a mart file version, shared by its open readers."""

    def __init__(self, version: tuple | None, base: Any) -> None:
        self.version = version
        self.base = base
        self.readers = 0


class MartConnection:
    """A reader's own connection (a cursor on the shared instance); closing the last one closes the instance.

    Closing the instance when no reader is left matters: an idle process must not keep the file open
    (read-only) so that the same process can later open it with another configuration.
    """

    def __init__(self, key: str, instance: _Instance) -> None:
        self._key = key
        self._instance = instance
        self._cursor = instance.base.cursor()
        self._closed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._cursor.close()
        with _instances_lock:
            inst = self._instance
            inst.readers -= 1
            if inst.readers == 0:
                if _instances.get(self._key) is inst:
                    del _instances[self._key]
                inst.base.close()


_instances: dict[str, _Instance] = {}
_instances_lock = threading.Lock()


def open_mart(mart_path: Path, threads: int | None = None) -> MartConnection:
    """A read-only connection to the mart: no external access, configuration locked.

    DuckDB keeps one database instance per file in a process, and a second ``duckdb.connect`` with a
    configuration races the first one's ``lock_configuration`` ("Cannot change configuration option").
    So the instance is opened and configured once per file version (under a lock) while readers are
    open, and each reader gets its own connection to it (``cursor()``), safe to use in its own thread.
    Closing the last reader closes the instance. ``threads`` applies when the instance is first opened.
    """
    import duckdb

    mart_path = Path(mart_path)
    if not mart_path.is_file():
        raise RunError(f"データマートのファイルが見つかりません: {mart_path}", category=Category.UNAVAILABLE)
    key = str(mart_path.resolve())
    version = _file_version(mart_path)
    with _instances_lock:
        inst = _instances.get(key)
        if inst is not None and inst.version != version:
            del _instances[key]  # superseded by a newly published mart; its open readers close it when done
            inst = None
        if inst is None:
            config: dict[str, Any] = {"enable_external_access": False}
            if threads is not None:
                config["threads"] = int(threads)
            try:
                base = duckdb.connect(key, read_only=True, config=config)
                base.execute("SET lock_configuration = true")
            except duckdb.Error as exc:
                raise RunError(f"データマートを開けません ({mart_path.name}): {exc}", category=Category.UNAVAILABLE) from exc
            _instances[key] = inst = _Instance(version, base)
        inst.readers += 1
        try:
            return MartConnection(key, inst)
        except Exception:
            inst.readers -= 1
            raise


def mart_tables(con: Connection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for t, c in rows:
        out.setdefault(t, set()).add(c)
    return out


def check_required(tables: dict[str, set[str]], required: dict[str, set[str]]) -> None:
    problems = []
    for t, cols in sorted(required.items()):
        if t not in tables:
            problems.append(f"表「{t}」がありません")
            continue
        missing = sorted(cols - tables[t])
        if missing:
            problems.append(f"表「{t}」に列 {', '.join(missing)} がありません")
    if problems:
        raise RunError("データマートにルールセットが使う項目がありません (取り込みを確認してください):\n" + "\n".join(f"- {p}" for p in problems))


def table_checksums(con: Connection, tables: dict[str, set[str]] | list[str]) -> dict[str, dict[str, Any]]:
    """Order-independent checksum per table, in one SQL query: row count and the sum of the rows' hashes."""
    from engine.mart import checksums

    return checksums.compute(con, tables)


_COMPILED: dict[tuple, tuple[Catalog, Any, str]] = {}
_COMPILED_MAX = 16
_COMPILED_LOCK = threading.Lock()


def _compiled(ruleset: Ruleset, catalog: Catalog, as_of: dt.date, top_n: int | None) -> tuple[Any, str]:
    """``compile_ruleset`` and its SQL text, remembered for the last few (ruleset, catalog, date, top_n).

    The key is the ruleset's canonical hash (its full content), the reference date, ``top_n`` and the
    catalog (hash, then equality), so a cached query is exactly the one compiling would give.
    """
    from engine.compiler import compile_ruleset

    key = (ruleset_hash(ruleset), as_of.isoformat(), top_n, catalog.content_hash)
    with _COMPILED_LOCK:
        hit = _COMPILED.get(key)
    if hit is not None and (hit[0] is catalog or hit[0] == catalog):
        return hit[1], hit[2]
    compiled = compile_ruleset(ruleset, catalog, as_of, top_n=top_n)
    sql = compiled.sql_compact
    with _COMPILED_LOCK:
        while len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = (catalog, compiled, sql)
    return compiled, sql


# Table checksums per mart file version. The manifest keeps its meaning (row count and full-content,
# order-independent checksum of every table, as computed by ``table_checksums``): a cached value is
# only reused for the very same file version, identified by device, inode, size, modification AND
# status-change times (ctime cannot be set back by tools such as ``cp -p``/``rsync -t``) of the
# database file and of its write-ahead log. Any write to the mart changes these, so the checksums
# are recomputed from the data whenever the data may have changed.
_CHECKSUMS: dict[tuple, dict[str, dict[str, Any]]] = {}
_CHECKSUMS_MAX = 16
_CHECKSUMS_LOCK = threading.Lock()


def _file_version(mart_path: Path) -> tuple | None:
    import os

    def ident(p: Path) -> tuple | None:
        try:
            st = os.stat(p)
        except FileNotFoundError:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    main = ident(mart_path)
    if main is None:
        return None
    # "racy" versions (as git's index does): a file written in the last seconds could be written
    # again within the file system's timestamp granularity without a visible change; never cache it
    wal = ident(mart_path.with_name(mart_path.name + ".wal"))
    newest = max(t for i in (main, wal) if i is not None for t in i[3:])
    if time.time_ns() - newest < 3_000_000_000:
        return None
    return (os.path.realpath(mart_path), main, wal)


def _cached_checksums(version: tuple | None) -> dict[str, dict[str, Any]] | None:
    if version is None:
        return None
    with _CHECKSUMS_LOCK:
        hit = _CHECKSUMS.get(version)
    return json.loads(json.dumps(hit)) if hit is not None else None  # a private copy


def _remember_checksums(version: tuple | None, checksums: dict[str, dict[str, Any]]) -> None:
    if version is None:
        return
    with _CHECKSUMS_LOCK:
        while len(_CHECKSUMS) >= _CHECKSUMS_MAX:
            _CHECKSUMS.pop(next(iter(_CHECKSUMS)))
        _CHECKSUMS[version] = json.loads(json.dumps(checksums))


def _recorded_checksums(con: Connection, tables: dict[str, set[str]]) -> dict[str, dict[str, Any]] | None:
    """The data tables' checksums recorded in ``_meta`` at ingest, plus ``_meta``'s own (computed:
    a few rows); None when the mart records none or not for exactly its tables (then the run
    computes them). Row counts are checked against the tables (metadata, no scan): a mart whose
    tables changed after ingest is refused rather than described with stale checksums."""
    from engine.mart import checksums as cs
    from engine.mart.layout import META_TABLE

    if META_TABLE not in tables:
        return None
    rec = cs.recorded(cs.read_meta(con))
    data = set(tables) - {META_TABLE}
    if rec is None or set(rec) != data:
        return None
    live = cs.row_counts(con, data)
    changed = sorted(t for t in data if live[t] != rec[t]["rows"])
    if changed:
        raise RunError(
            "データマートの表が取込後に変更されています (行数が取込時の記録と異なります): "
            + ", ".join(f"{t} (記録 {rec[t]['rows']:,}行、現在 {live[t]:,}行)" for t in changed)
            + "。tsunagu ingest で取り込み直してください"
        )
    out = dict(rec)
    out.update(cs.compute(con, [META_TABLE]))
    return dict(sorted(out.items()))


def _fetch_rows(con: Connection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _checksums_alongside(con: Connection, tables: dict[str, set[str]], sql: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """``table_checksums`` on a second cursor in a thread, concurrently with ``sql`` on ``con``."""
    out: dict[str, Any] = {}
    cur2 = con.cursor()

    def work() -> None:
        try:
            out["checksums"] = table_checksums(cur2, tables)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            out["error"] = exc

    th = threading.Thread(target=work, name="tsunagu-checksums", daemon=True)
    th.start()
    try:
        rows = _fetch_rows(con, sql)
    finally:
        th.join()
        cur2.close()
    if "error" in out:
        raise out["error"]
    return out["checksums"], rows


# ---------------------------------------------------------------------------
# run


def run_ruleset(
    mart_path: Path,
    ruleset: Ruleset,
    catalog: Catalog,
    as_of: dt.date,
    *,
    top_n: int | None = None,
    threads: int | None = None,
) -> RunResult:
    """Score every child of the mart, extract candidates for human review, and describe the run."""
    compiled, sql = _compiled(ruleset, catalog, as_of, top_n)
    con = open_mart(Path(mart_path), threads)
    try:
        tables = mart_tables(con)
        check_required(tables, compiled.required)
        # table checksums: those ingestion recorded in _meta (row counts checked). A mart without
        # them gets them computed (a full read of every table), remembered per mart file version
        # (see _file_version), on a second cursor of the same read-only database while the scoring
        # query runs, filling the cores the query leaves idle in its single-threaded phases. Both
        # are plain reads, so the results do not depend on the overlap.
        checksums = _recorded_checksums(con, tables)
        source = "ingest"
        if checksums is None:
            source = "run"
            version = _file_version(Path(mart_path))  # taken while our read-only lock keeps writers out
            checksums = _cached_checksums(version)
            if checksums is None:
                checksums, rows = _checksums_alongside(con, tables, sql)
                _remember_checksums(version, checksums)
            else:
                rows = _fetch_rows(con, sql)
        else:
            rows = _fetch_rows(con, sql)
    finally:
        con.close()

    counts = {"screened": 0, "excluded": 0, "scored": 0}
    if rows:
        counts = {"screened": int(rows[0]["n_screened"]), "excluded": int(rows[0]["n_excluded"]), "scored": int(rows[0]["n_scored"])}
    cands = [r for r in rows if r["cid"] is not None]
    if compiled.top_n is not None and compiled.min_score is not None:
        main_reason = "top_n_and_min_score"
    elif compiled.top_n is not None:
        main_reason = "top_n"
    else:
        main_reason = "min_score"
    chosen: list[tuple[dict[str, Any], str]] = [(r, main_reason) for r in sorted((r for r in cands if r["main"]), key=lambda r: r["rank"])]
    taken = {r["cid"] for r, _ in chosen}
    n_extra = 0
    for e in compiled.extras:
        pool = sorted((r for r in cands if r[e.eligible_column] and r["cid"] not in taken), key=lambda r: r[e.rank_column])
        for r in pool[: e.top_n]:
            chosen.append((r, f"one_side_extra:{e.side}"))
            taken.add(r["cid"])
            n_extra += 1

    children = [_child(r, reason, compiled, ruleset) for r, reason in chosen]
    counts["extracted_main"] = len(children) - n_extra
    counts["extracted_one_side"] = n_extra
    counts["extracted"] = len(children)
    manifest = {
        "format": RESULTS_FORMAT,
        "engine_version": ENGINE_VERSION,
        "reference_date": as_of.isoformat(),
        "ruleset": {
            "id": ruleset.id,
            "version": ruleset.version,
            "title": ruleset.title,
            "sha256": ruleset_hash(ruleset),
            "document": ruleset_document(ruleset),
        },
        "catalog_sha256": catalog.content_hash,
        "mart": {"file": Path(mart_path).name, "tables": checksums, "checksums_from": source},
        "extraction": {
            "top_n": compiled.top_n,
            "min_score": compiled.min_score,
            "one_side_extra": [{"side": e.side, "top_n": e.top_n} for e in compiled.extras],
            "tie_break": ["total desc", "max side score desc", "fired rules desc", "pseudonym asc"],
        },
        "counts": counts,
    }
    return RunResult(manifest=manifest, children=children)


def _child(row: dict[str, Any], reason: str, compiled: CompiledRuleset, ruleset: Ruleset) -> ChildResult:
    fired: list[tuple[int, FiredRule]] = []
    for i, (fcol, rule) in enumerate(zip(compiled.fire_columns, ruleset.rules, strict=True)):
        if not row[fcol]:
            continue
        values = {lo.key: normalize_value(row[lo.column]) for lo in compiled.leaf_outputs[i]}
        fired.append((i, FiredRule(rule.id, rule.points, values)))
    fired.sort(key=lambda p: (-p[1].points, p[0]))
    total = int(row["total"])
    return ChildResult(
        pseudonym=row["cid"],
        rank=int(row["rank"]),
        scores={s: int(row[f"s_{s}"]) for s in SIDES},
        total=total,
        alert_level=alert_level_for(total, ruleset),
        extraction_reason=reason,
        fired=[f for _, f in fired],
    )


# ---------------------------------------------------------------------------
# files


def manifest_path_for(results_path: Path) -> Path:
    results_path = Path(results_path)
    return results_path.with_name(results_path.name + ".manifest.json")


def results_bytes(result: RunResult) -> bytes:
    return "".join(canonical_json(c.to_dict()) + "\n" for c in result.children).encode("utf-8")


def write_results(result: RunResult, path: Path) -> Path:
    """Write the JSON Lines results and ``<path>.manifest.json``; returns the manifest path."""
    path = Path(path)
    data = results_bytes(result)
    path.write_bytes(data)
    manifest = dict(result.manifest)
    manifest["results"] = {"file": path.name, "sha256": hashlib.sha256(data).hexdigest(), "format": "jsonl"}
    mpath = manifest_path_for(path)
    mpath.write_text(json.dumps(manifest, sort_keys=True, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return mpath


def read_results(path: Path) -> RunResult:
    """Read a run from its results file or its manifest; the results file's hash is checked."""
    path = Path(path)
    if path.name.endswith(".manifest.json"):
        mpath = path
        rpath = path.with_name(path.name[: -len(".manifest.json")])
    else:
        rpath, mpath = path, manifest_path_for(path)
    if not mpath.is_file():
        raise RunError(f"実行記録 (マニフェスト) が見つかりません: {mpath}", category=Category.UNAVAILABLE)
    if not rpath.is_file():
        raise RunError(f"結果ファイルが見つかりません: {rpath}", category=Category.UNAVAILABLE)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunError(f"マニフェストを JSON として読めません ({mpath.name} {exc.lineno}行目)") from exc
    data = rpath.read_bytes()
    expected = manifest.get("results", {}).get("sha256")
    if expected != hashlib.sha256(data).hexdigest():
        raise RunError(f"結果ファイル {rpath.name} がマニフェストの記録と一致しません (書き換えられた可能性があります)")
    children = []
    for no, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        try:
            children.append(ChildResult.from_dict(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise RunError(f"結果ファイル {rpath.name} の {no} 行目を読めません") from exc
    return RunResult(manifest=manifest, children=children)
