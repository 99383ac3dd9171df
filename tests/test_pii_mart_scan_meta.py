"""The mart's own load metadata (_meta) is not judged by default; everything else is."""

from __future__ import annotations

import duckdb

from privacy.pii.mart_scan import scan_mart


def test_load_metadata_is_skipped_by_default_but_can_be_scanned(tmp_path):
    path = tmp_path / "mart.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE _meta (key VARCHAR, value VARCHAR)")
    con.execute("INSERT INTO _meta VALUES ('as_of', '2015-04-03'), ('loaded_at', '2016-07-21')")
    con.execute("CREATE TABLE child (child_id VARCHAR, note VARCHAR)")
    con.execute("INSERT INTO child VALUES ('a' || repeat('0', 63), '山田太郎くん 090-1234-5678')")
    con.close()
    default = scan_mart(path)
    assert {f.table for f in default.findings} == {"child"} and not default.ok
    everything = scan_mart(path, skip_tables=())
    assert {f.table for f in everything.findings} == {"_meta", "child"}
