"""Benchmark: synthetic city + ingestion at full size (default 100,000 children).

    .venv/bin/python benchmarks/ingest.py [--children 100000] [--seed 1]

Each phase runs in its own child process, which reports its own peak RSS (getrusage ru_maxrss,
which covers DuckDB's native memory, unlike tracemalloc). The ingest process also runs a baseline
in the same process: a plain DuckDB read_csv (all VARCHAR) of the same files into a DuckDB file,
with CP932 files transcoded in Python first (DuckDB cannot read CP932 without a downloaded extension).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def phase_synth(out: Path, children: int, seed: int) -> dict:
    from engine.synth import generate_city

    t = time.perf_counter()
    s = generate_city(out, children=children, seed=seed)
    return {"seconds": time.perf_counter() - t, "rows": sum(s.files.values()), "files": len(s.files),
            "bytes": sum(p.stat().st_size for p in out.glob("*.csv")), "peak_mb": _peak_mb()}


def baseline(exports: Path, work: Path) -> float:
    import duckdb

    from engine.ingest import detect_encoding

    t = time.perf_counter()
    con = duckdb.connect(str(work / "baseline.duckdb"))
    for i, path in enumerate(sorted(exports.glob("*.csv"))):
        data = path.read_bytes()
        src = path
        if detect_encoding(data, path) == "cp932":
            src = work / f"utf8_{path.name}"
            src.write_bytes(data.decode("cp932").encode("utf-8"))
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar = true, header = true)", [str(src)])
    con.close()
    return time.perf_counter() - t


def phase_ingest(exports: Path, work: Path) -> dict:
    from engine.ingest import ingest_exports
    from engine.synth import DEFAULT_AS_OF
    from privacy.pseudonymize import HmacPseudonymizer

    ps = HmacPseudonymizer(b"\x01" * 32, "bench", record_types=("resident", "household"))
    t = time.perf_counter()
    s = ingest_exports(exports, work / "mart.duckdb", ps, as_of=DEFAULT_AS_OF)
    seconds = time.perf_counter() - t
    peak = _peak_mb()
    base = baseline(exports, work)
    return {"seconds": seconds, "rows": s.total_rows, "rejected_rows": sum(s.rejected_rows.values()),
            "children": s.tables["child"], "peak_mb": peak, "baseline_seconds": base,
            "mart_bytes": (work / "mart.duckdb").stat().st_size}


def _run(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--children", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--phase", choices=["synth", "ingest"])
    p.add_argument("--dir")
    a = p.parse_args()
    sys.path.insert(0, str(ROOT))
    if a.phase == "synth":
        print(json.dumps(phase_synth(Path(a.dir) / "exports", a.children, a.seed)))
        return
    if a.phase == "ingest":
        print(json.dumps(phase_ingest(Path(a.dir) / "exports", Path(a.dir))))
        return
    with tempfile.TemporaryDirectory(prefix="tsunagu-bench-") as d:
        s = _run(["--phase", "synth", "--dir", d, "--children", str(a.children), "--seed", str(a.seed)])
        i = _run(["--phase", "ingest", "--dir", d])
    per100k = lambda sec, rows: sec / rows * 100_000  # noqa: E731
    print(f"children: {a.children:,}  export files: {s['files']}  rows: {s['rows']:,}  CSV size: {s['bytes'] / 1e6:.1f} MB")
    print(f"synth : {s['seconds']:6.2f} s  ({per100k(s['seconds'], s['rows']):.3f} s / 100k rows)  peak RSS {s['peak_mb']:.0f} MB")
    print(f"ingest: {i['seconds']:6.2f} s  ({per100k(i['seconds'], i['rows']):.3f} s / 100k rows)  peak RSS {i['peak_mb']:.0f} MB"
          f"  rejected rows {i['rejected_rows']:,}  mart {i['mart_bytes'] / 1e6:.1f} MB")
    print(f"baseline (plain DuckDB read_csv of the same files, same process): {i['baseline_seconds']:.2f} s"
          f"  -> ingest / baseline = {i['seconds'] / i['baseline_seconds']:.1f}x")


if __name__ == "__main__":
    main()
