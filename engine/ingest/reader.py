"""Read one export into an Arrow table of strings: encoding detection, selected columns only.

Values are normalized (NFKC, stripped, empty -> null) and dates parsed per *distinct* value, then
taken back to the rows, so the Python work is proportional to the number of distinct values.
Columns that ingestion does not use (names, addresses, 備考 ...) are never materialized.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engine.dates import DateParseError, parse_date
from engine.errors import TsunaguError

BOM = b"\xef\xbb\xbf"


class IngestError(TsunaguError, RuntimeError):
    """An export that cannot be ingested at all (missing file or column, unreadable encoding)."""


@dataclass(frozen=True)
class RawExport:
    name: str
    path: Path
    encoding: str
    sha256: str
    table: pa.Table  # selected columns as strings, plus _line (record number, header = 1)


def detect_encoding(data: bytes, path: Path) -> str:
    """utf-8-sig (BOM), utf-8 or cp932; anything else is an error naming the byte offset."""
    if data.startswith(BOM):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
        return "cp932"
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"{path.name}: 文字コードを判定できません (UTF-8 でも CP932 (Shift_JIS) でもありません。{exc.start}バイト目付近)"
        ) from None


CHUNK = 1 << 20


def _sniff_file(path: Path) -> tuple[str, str]:
    """(encoding, sha256) in one streaming pass, without holding the decoded text in memory."""
    import codecs
    import hashlib

    digest = hashlib.sha256()
    decoders = {"utf-8": codecs.getincrementaldecoder("utf-8")(), "cp932": codecs.getincrementaldecoder("cp932")()}
    failed: dict[str, int] = {}
    offset = 0
    first = b""
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if not first:
                first = chunk[:3]
            digest.update(chunk)
            for name, dec in decoders.items():
                if name in failed:
                    continue
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError as exc:
                    failed[name] = offset + exc.start
            offset += len(chunk)
    for name, dec in decoders.items():
        if name not in failed:
            try:
                dec.decode(b"", final=True)
            except UnicodeDecodeError:
                failed[name] = offset
    if first.startswith(BOM) and "utf-8" not in failed:
        return "utf-8-sig", digest.hexdigest()
    if "utf-8" not in failed:
        return "utf-8", digest.hexdigest()
    if "cp932" not in failed:
        return "cp932", digest.hexdigest()
    raise IngestError(
        f"{path.name}: 文字コードを判定できません (UTF-8 でも CP932 (Shift_JIS) でもありません。{failed['cp932']}バイト目付近)")


def _header(path: Path, encoding: str) -> list[str]:
    with path.open("rb") as fh:
        line = fh.readline(1 << 16)
    text = line.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding, errors="strict").rstrip("\r\n")
    return [h.strip() for h in next(csv.reader([text]), [])]


def read_export(name: str, path: Path, columns: Sequence[str]) -> RawExport:
    """Selected columns as strings; CP932 is transcoded by pyarrow while streaming (never the whole file at once)."""
    if not path.is_file():
        raise IngestError(f"エクスポートファイル {path.name} が見つかりません ({path.parent})")
    encoding, sha = _sniff_file(path)
    header = _header(path, encoding)
    missing = [c for c in columns if c not in header]
    if missing:
        raise IngestError(f"{path.name}: 必要な列がありません: {', '.join(missing)} (見出し行: {', '.join(header)})")
    dupes = sorted({h for h in header if header.count(h) > 1 and h in columns})
    if dupes:
        raise IngestError(f"{path.name}: 列名が重複しています: {', '.join(dupes)}")
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 22,
                                           encoding="cp932" if encoding == "cp932" else "utf8"),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(dict.fromkeys(columns)),
                column_types={c: pa.string() for c in columns},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid:
        # pyarrow's message quotes the whole offending row (宛名番号, 氏名, 生年月日 ...): never shown
        raise IngestError(_parse_problem(path, encoding, header)) from None
    table = table.append_column("_line", pa.array(range(2, table.num_rows + 2), pa.int64()))
    return RawExport(name=name, path=path, encoding=encoding, sha256=sha, table=table)


def _parse_problem(path: Path, encoding: str, header: list[str]) -> str:
    """Where and why a file is not a well-formed CSV, in Japanese: file, line and column, never a value."""
    import io

    width = len(header)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if encoding == "utf-8-sig" else encoding, errors="replace", newline="")
        reader = csv.reader(text, strict=True)
        record, end = 0, 0
        try:
            for fields in reader:
                if not fields:  # a blank line is not a record (pyarrow skips it too)
                    end = reader.line_num
                    continue
                record, start, end = record + 1, end + 1, reader.line_num
                if record == 1 or len(fields) == width:
                    continue
                lines = f"{start}行目" if start == end else f"{start}〜{end}行目"
                where = f"{path.name}: {record}行目" + (f" (テキストでは{lines})" if (start, end) != (record, record) else "")
                if len(fields) > width:
                    return (f"{where}: 列の数が見出し行より多くなっています (見出し {width}列、この行 {len(fields)}列。"
                            f"{width + 1}列目以降が余分です)。値の中の「,」は「\"」で囲んでください")
                missing = header[len(fields)]
                hint = "引用符「\"」の閉じ忘れがないか" if end > start else "行の途中で切れていないか"
                return (f"{where}: 列の数が見出し行より少なくなっています (見出し {width}列、この行 {len(fields)}列。"
                        f"「{missing}」列 ({len(fields) + 1}列目) 以降がありません)。{hint}確認してください")
        except csv.Error:
            return (f"{path.name}: {record + 1}行目 (テキストでは{end + 1}行目から) が CSV として読めません "
                    "(引用符「\"」の使い方が正しくありません)")
    return f"{path.name}: CSV として読めません (列の区切りや引用符「\"」を確認してください)"


def map_distinct(column: pa.ChunkedArray | pa.Array, fn: Callable[[list], list], out_type: pa.DataType) -> pa.Array:
    """Apply `fn` (list of distinct values -> list of results) and take the results back to the rows."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return pa.array([], out_type)
    enc = pc.dictionary_encode(arr)
    results = pa.array(fn(enc.dictionary.to_pylist()), out_type)
    return pc.take(results, enc.indices)


def normalize_text(values: list) -> list:
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        s = unicodedata.normalize("NFKC", v).strip()
        out.append(s or None)
    return out


def parse_dates(column: pa.ChunkedArray, *, allow_month: bool) -> tuple[pa.Array, pa.Array]:
    """(date32 values, Japanese error messages) per row; both null where the cell is empty."""
    errors: dict[str, str] = {}

    def parse(values: list) -> list:
        out: list[dt.date | None] = []
        for v in values:
            if v is None or not v.strip():
                out.append(None)
                continue
            try:
                out.append(parse_date(v, allow_month=allow_month))
            except DateParseError as exc:
                errors[v] = str(exc)
                out.append(None)
        return out

    dates = map_distinct(column, parse, pa.date32())
    errs = map_distinct(column, lambda vs: [errors.get(v) if v is not None else None for v in vs], pa.string())
    return dates, errs
