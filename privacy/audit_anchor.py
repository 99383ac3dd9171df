"""The operation log's anchor: an append-only file outside the database, with its own hash chain.

After every committed append the service writes one line per new record (its seq and hash), chained
to the previous line and fsynced. The database user cannot rewrite this file, so deleting the newest
rows, forging an appended row or editing a record and recomputing every later hash (edit-and-rechain)
no longer verifies: :func:`verify_against_anchor` names the first entry that differs from the anchor.

Line format (one per record, UTF-8)::

    tsunagu-audit-anchor v1 seq=<n> sha256=<record hash> prev=<previous line's hash> line=<this line's hash>

``line`` = SHA-256 of ``"<seq>|<record hash>|<prev>"``; the first line's ``prev`` is 64 zeros. Keep the
file on storage the database user cannot write (and, on Linux, ``chattr +a`` makes it append-only).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from privacy.audit import GENESIS, AuditRecord, ChainProblem

MAGIC = "tsunagu-audit-anchor v1"


@dataclass(frozen=True)
class AnchorLine:
    number: int  # line number in the file (1-based)
    seq: int
    record_hash: str
    prev: str
    line_hash: str


def line_hash(seq: int, record_hash: str, prev: str) -> str:
    return hashlib.sha256(f"{seq}|{record_hash}|{prev}".encode("ascii")).hexdigest()


def format_line(seq: int, record_hash: str, prev: str) -> str:
    return f"{MAGIC} seq={seq} sha256={record_hash} prev={prev} line={line_hash(seq, record_hash, prev)}"


def parse_lines(text: str) -> tuple[list[AnchorLine], list[ChainProblem]]:
    """The lines of an anchor file and the problems of its own chain (a broken or edited line)."""
    lines: list[AnchorLine] = []
    problems: list[ChainProblem] = []
    prev = GENESIS
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = dict(p.split("=", 1) for p in raw.split() if "=" in p)
        try:
            line = AnchorLine(number, int(parts["seq"]), parts["sha256"], parts["prev"], parts["line"])
        except (KeyError, ValueError):
            problems.append(ChainProblem(0, "anchor_broken", f"外部の検証ファイルの{number}行目の形式が正しくありません（書き換えられています）"))
            continue
        if not raw.startswith(MAGIC) or line.line_hash != line_hash(line.seq, line.record_hash, line.prev):
            problems.append(ChainProblem(line.seq, "anchor_broken", f"外部の検証ファイルの{number}行目（seq {line.seq}）が書き換えられています（行のハッシュ不一致）"))
        elif line.prev != prev:
            problems.append(ChainProblem(line.seq, "anchor_broken", f"外部の検証ファイルの{number}行目（seq {line.seq}）の前に行が削除・挿入されています（行の連鎖が切れています）"))
        prev = line.line_hash
        lines.append(line)
    return lines, problems


class AnchorFile:
    """Appends anchor lines (file lock across processes, fsync after each batch)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> tuple[list[AnchorLine], list[ChainProblem]]:
        return parse_lines(self.path.read_text(encoding="utf-8")) if self.path.exists() else ([], [])

    def append(self, records: Sequence[tuple[int, str]], *, create: bool = False) -> bool:
        """Anchor ``(seq, hash)`` pairs, in the order given, after the file's last line.

        A missing file is created only with ``create`` (the log's first record, or an operator starting
        the anchor on purpose): otherwise a deleted anchor would silently restart and hide what it lost.
        Returns whether the lines were written.
        """
        if not records:
            return False
        flags = os.O_RDWR | os.O_APPEND
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags |= os.O_CREAT
        try:
            fd = os.open(self.path, flags, 0o640)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            prev = _last_line_hash(fd)
            out = []
            for seq, h in records:
                text = format_line(seq, h, prev)
                prev = line_hash(seq, h, prev)
                out.append(text + "\n")
            os.write(fd, "".join(out).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the lock
        return True


def _last_line_hash(fd: int) -> str:
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return GENESIS
    chunk = min(size, 4096)
    os.lseek(fd, size - chunk, os.SEEK_SET)
    tail = os.read(fd, chunk).decode("ascii", errors="replace").rstrip("\n").rsplit("\n", 1)[-1]
    parts = dict(p.split("=", 1) for p in tail.split() if "=" in p)
    return parts.get("line", GENESIS)


def _runs(values: Iterable[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in sorted(set(values)):
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def _span(a: int, b: int) -> str:
    return f"seq {a}" if a == b else f"seq {a}〜{b}"


def verify_against_anchor(records: Sequence[AuditRecord], anchor: AnchorFile) -> list[ChainProblem]:
    """Differences between the stored records and the anchor file, each naming the first entry affected."""
    if not anchor.exists():
        if records:
            return [ChainProblem(records[0].seq, "anchor_missing",
                                 f"外部の検証ファイル（{anchor.path}）がありません。操作ログの末尾の削除や作り直しを確かめられません")]
        return []
    lines, problems = anchor.read()
    by_seq = {r.seq: r for r in records}
    db_last = max(by_seq) if by_seq else 0
    first: dict[int, AnchorLine] = {}
    reused: list[int] = []
    for line in lines:
        if line.seq in first:
            if line.record_hash != first[line.seq].record_hash:
                reused.append(line.seq)
        else:
            first[line.seq] = line
    for a, b in _runs(reused):
        problems.append(ChainProblem(a, "reused", f"{_span(a, b)} が別の内容で二度記録されています（末尾の記録が削除され、番号が再利用されました）"))
    missing_tail = [s for s in first if s > db_last]
    for a, b in _runs(missing_tail):
        problems.append(ChainProblem(a, "truncated", f"{_span(a, b)} の記録がありません（外部の検証ファイルには記録があります。末尾が削除されています）"))
    mismatched = [s for s, line in first.items() if s in by_seq and by_seq[s].hash != line.record_hash]
    for a, b in _runs(mismatched):
        problems.append(ChainProblem(a, "root_mismatch", f"{_span(a, b)} のハッシュが外部の検証ファイルと一致しません（記録が差し替えられ、作り直されています）"))
    anchored_last = max(first) if first else 0
    unanchored = [s for s in by_seq if s > anchored_last]
    for a, b in _runs(unanchored):
        problems.append(ChainProblem(a, "unanchored", f"{_span(a, b)} は外部の検証ファイルにありません（後から追加された記録か、検証ファイルへの書き込み前にサービスが停止しました）"))
    return problems
