"""Check a pseudonymized DuckDB mart for direct identifiers before it is published.

    report = scan_mart("var/mart.duckdb", sample_rows=200)
    if not report.ok:
        raise RuntimeError(report.describe())

Every VARCHAR column of every table and view is sampled deterministically (distinct non-empty
values ordered by their md5, so the same file gives the same sample), each value is run through
the Japanese analyzer with the column name as context, and columns holding personal information
are reported with counts and masked examples. Pseudonyms (hex or base64 HMAC strings) are skipped,
and dates in columns named as reference dates (基準日, snapshot_date, created_at) are not personal.
The file is opened read-only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import regex

from privacy.pii.analyzer import DEFAULT_THRESHOLD, analyze_many
from privacy.pii.entities import label_of
from privacy.pii.masking import mask_value

DEFAULT_SAMPLE_ROWS = 200
MAX_EXAMPLES = 3
# HMAC pseudonyms and similar tokens: long hex, or long base64/base64url without spaces.
_PSEUDONYM = regex.compile(r"^(?:[0-9a-fA-F]{24,128}|[A-Za-z0-9_\-+/]{32,128}={0,2})$")
# Columns whose dates describe the data, not a person (基準日, snapshot_date, created_at).
_REFERENCE_DATE_COLUMN = regex.compile(
    r"基準|時点|抽出|作成|更新|集計|取込|登録日時|snapshot|as_?of|created|updated|loaded|extracted|run_?date",
    regex.IGNORECASE)


@dataclass(frozen=True)
class ColumnFinding:
    """A column whose sampled values contain personal information."""

    table: str
    column: str
    values_sampled: int
    values_with_pii: int
    counts: dict[str, int]
    examples: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"table": self.table, "column": self.column,
                "values_sampled": self.values_sampled, "values_with_pii": self.values_with_pii,
                "counts": dict(self.counts),
                "labels": {k: label_of(k) for k in self.counts},
                "examples": list(self.examples)}


@dataclass(frozen=True)
class MartScanReport:
    """Result of `scan_mart`: `ok` is False when any column holds personal information."""

    path: str
    sample_rows: int
    columns_scanned: int
    values_scanned: int
    findings: tuple[ColumnFinding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "ok": self.ok, "sample_rows": self.sample_rows,
                "columns_scanned": self.columns_scanned, "values_scanned": self.values_scanned,
                "findings": [f.to_dict() for f in self.findings]}

    def describe(self) -> str:
        """One Japanese line per column with personal information."""
        if self.ok:
            return f"個人情報は見つかりませんでした({self.columns_scanned}列を確認)。"
        lines = [f"個人情報を含む列が{len(self.findings)}列あります:"]
        for f in self.findings:
            kinds = "、".join(f"{label_of(k)} {n}件" for k, n in f.counts.items())
            lines.append(f"- {f.table}.{f.column}: {kinds}(例: {' / '.join(f.examples)})")
        return "\n".join(lines)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def is_pseudonym(value: str) -> bool:
    """True for HMAC-style pseudonyms, which are not direct identifiers."""
    return bool(_PSEUDONYM.match(value.strip()))


# Tables the ingestion writes itself (load metadata: hashes, key id, reference date, counts), never from
# source values; their ISO dates would read as birth dates. Same name as engine.mart.layout.META_TABLE.
LOAD_METADATA_TABLES: tuple[str, ...] = ("_meta",)


def scan_mart(path: str | Path, sample_rows: int = DEFAULT_SAMPLE_ROWS,
              threshold: float = DEFAULT_THRESHOLD,
              skip_tables: tuple[str, ...] = LOAD_METADATA_TABLES) -> MartScanReport:
    """Scan every VARCHAR column of a DuckDB file (opened read-only) for personal information.

    `sample_rows`: distinct non-empty values checked per column (deterministic sample).
    `skip_tables`: tables not judged (by default the mart's own load metadata); pass () to scan all.
    """
    import duckdb

    if sample_rows < 1:
        raise ValueError("sample_rows must be at least 1")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE NOT internal AND data_type = 'VARCHAR' AND database_name = current_database() "
            "ORDER BY schema_name, table_name, column_index").fetchall()
        findings: list[ColumnFinding] = []
        values_scanned = 0
        for schema, table, column in columns:
            if table in skip_tables:
                continue
            col = _quote(column)
            rows = con.execute(
                f"SELECT DISTINCT {col} AS v FROM {_quote(schema)}.{_quote(table)} "
                f"WHERE {col} IS NOT NULL AND trim({col}) <> '' ORDER BY md5({col}) LIMIT ?",
                [sample_rows]).fetchall()
            values = [r[0] for r in rows]
            values_scanned += len(values)
            finding = _scan_column(table if schema == "main" else f"{schema}.{table}", column,
                                   values, threshold)
            if finding:
                findings.append(finding)
    finally:
        con.close()
    return MartScanReport(path=str(path), sample_rows=sample_rows, columns_scanned=len(columns),
                          values_scanned=values_scanned, findings=tuple(findings))


def _scan_column(table: str, column: str, values: list[str],
                 threshold: float) -> ColumnFinding | None:
    counts: Counter[str] = Counter()
    examples: list[str] = []
    with_pii = 0
    texts = [v for v in values if not is_pseudonym(v)]
    reference_dates = bool(_REFERENCE_DATE_COLUMN.search(column))
    for value, found in zip(texts, analyze_many(texts, context=[column], threshold=threshold), strict=True):
        if reference_dates:
            found = [f for f in found if f.type != "DATE_OF_BIRTH"]
        if not found:
            continue
        with_pii += 1
        for f in found:
            counts[f.type] += 1
            if len(examples) < MAX_EXAMPLES:
                examples.append(mask_value(value[f.start:f.end], f.type))
    if not with_pii:
        return None
    return ColumnFinding(table=table, column=column, values_sampled=len(values),
                         values_with_pii=with_pii, counts=dict(counts.most_common()),
                         examples=tuple(examples))
