"""`tsunagu pii`: check texts and marts for personal information.

- `tsunagu pii scan`: one text per line on stdin -> one JSON object per line on stdout
  ({"text", "entities": [{"type", "start", "end", "score"}], "redacted"}).
- `tsunagu pii scan-mart MART`: report the columns of a DuckDB mart that hold personal
  information; exit code 1 when any are found.

presidio and GiNZA are imported inside the commands so that `tsunagu --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

pii_app = typer.Typer(
    name="pii",
    help="個人情報(氏名・マイナンバー・電話番号・住所など)の検出",
    no_args_is_help=True,
)


@pii_app.command("scan")
def scan(
    threshold: float = typer.Option(0.5, help="この値以上のスコアの検出だけを出力します"),
) -> None:
    """標準入力の各行を検査し、1行につき1つのJSONを出力します。"""
    from privacy.pii.analyzer import analyze
    from privacy.pii.guard import redact

    out = sys.stdout
    for raw in sys.stdin:
        text = raw.rstrip("\r\n")
        findings = analyze(text, threshold=threshold)
        record = {
            "text": text,
            "entities": [f.as_dict() for f in findings],
            "redacted": redact(text, findings),
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


@pii_app.command("scan-mart")
def scan_mart_command(
    mart: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="DuckDBファイル"),
    sample_rows: int = typer.Option(200, "--sample-rows", min=1,
                                    help="列ごとに検査する値の数(決定的な抽出)"),
    as_json: bool = typer.Option(False, "--json", help="JSONで出力します"),
) -> None:
    """マートの文字列列に個人情報が残っていないか検査します(見つかれば終了コード1)。"""
    from privacy.pii.mart_scan import scan_mart

    report = scan_mart(mart, sample_rows=sample_rows)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    raise typer.Exit(code=0 if report.ok else 1)


def _print_report(report) -> None:
    from rich.console import Console
    from rich.table import Table

    from privacy.pii.entities import label_of

    console = Console()
    if report.ok:
        console.print(f"[green]個人情報は見つかりませんでした[/green]"
                      f"({report.columns_scanned}列・{report.values_scanned}値を確認)")
        return
    table = Table(title=f"個人情報を含む列: {report.path}")
    for header in ("テーブル", "列", "検査した値", "個人情報を含む値", "種類と件数", "例(マスク済み)"):
        table.add_column(header)
    for f in report.findings:
        kinds = "、".join(f"{label_of(k)} {n}件" for k, n in f.counts.items())
        table.add_row(f.table, f.column, str(f.values_sampled), str(f.values_with_pii), kinds,
                      " / ".join(f.examples))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the `pii` sub-app to the `tsunagu` app."""
    app.add_typer(pii_app, name="pii")
