"""Item 1: no export the product writes carries a cell a spreadsheet would evaluate."""

from __future__ import annotations

import csv
import io

import pytest

pytest.register_assert_rewrite("tests.conftest_api")
from tests.conftest_api import propose_and_approve  # noqa: E402

pytest_plugins = ["tests.conftest_api"]

PAYLOADS = ['=HYPERLINK("http://x","c")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3", "\t=1+1", "\r=1+1",
            "＝SUM(A1)"]


def test_shared_writer_neutralizes_every_payload_in_csv_and_xlsx(tmp_path):
    from openpyxl import load_workbook

    from privacy.exports import Sheet, write_csv, write_xlsx

    rows = [[p, 42, -7] for p in PAYLOADS]
    for enc in ("utf-8-sig", "cp932"):
        buf = io.BytesIO()
        write_csv(buf, ["値", "数", "負"], rows, encoding=enc)
        back = list(csv.reader(io.StringIO(buf.getvalue().decode(enc))))
        assert [r[0] for r in back[1:]] == ["'" + p for p in PAYLOADS]
        assert [r[1:] for r in back[1:]] == [["42", "-7"]] * len(PAYLOADS)  # numbers stay numbers
    path = tmp_path / "x.xlsx"
    write_xlsx(path, [Sheet("一覧", ["値", "数"], [[p, 3] for p in PAYLOADS])])
    ws = load_workbook(path).active
    for r, p in enumerate(PAYLOADS, start=2):
        assert ws.cell(r, 1).data_type == "s" and ws.cell(r, 1).value == ("'" + p).replace("\r", "\n")  # XML keeps no bare CR
        assert ws.cell(r, 2).value == 3
    assert b"<f>" not in _sheet_xml(path)


def _sheet_xml(path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_registry_exports_carry_no_live_formula(sqlite_service, tmp_path):
    from openpyxl import load_workbook

    svc = sqlite_service
    staff = svc.as_role("staff")
    body = {"item_id": "school.absence_days", "receiving_department": "こども家庭センター",
            "purpose": '=HYPERLINK("http://x","c")', "basis": "69-1", "law_citation": "児童福祉法第25条の3", "use": "recurring",
            "justification": "=cmd|' /C calc'!A0 支援対象の早期把握のため"}
    r = staff.post("/api/registry", json=body)
    assert r.status_code == 201, r.text
    assert svc.as_role("privacy_officer").post(f"/api/registry/{r.json()['id']}/approve",
                                               json={"reason": "根拠を確認した"}).status_code == 200
    propose_and_approve(svc, "child.yotaikyo_registered")
    po = svc.as_role("privacy_officer")
    text = po.get("/api/registry/export.csv").content.decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + body["purpose"] in cells
    assert not any(c[:1] in "=+-@\t\r" for c in cells if c)
    x = po.get("/api/registry/export.xlsx")
    path = tmp_path / "r.xlsx"
    path.write_bytes(x.content)
    assert b"<f>" not in _sheet_xml(path)
    values = [c.value for ws in load_workbook(path) for row in ws.iter_rows() for c in row]
    assert "'" + body["justification"] in values
