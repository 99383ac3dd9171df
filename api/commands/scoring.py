"""CLI: validate rules, run a ruleset over a mart, explain a child, preview a draft, starter ruleset.

Heavy imports (duckdb, sqlglot, the engine) happen inside the command functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

SAMPLE_RULESET = "izumi_style.json"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _load_document(path: Path):
    """A rule or ruleset document from JSON (or YAML), with a Japanese error on bad input."""
    import json

    import yaml

    if not path.is_file():
        _fail(f"ファイルが見つかりません: {path}", 2)
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{path.name} を JSON として読めません ({exc.lineno}行目 {exc.colno}文字目): {exc.msg}", 2)
    except yaml.YAMLError as exc:
        _fail(f"{path.name} を YAML として読めません: {exc}", 2)


def _parse_as_of(text: str):
    from engine.dates import DateParseError, parse_date

    try:
        return parse_date(text)
    except DateParseError as exc:
        _fail(f"基準日 (--as-of): {exc}", 2)


def _load_valid_ruleset(path: Path, catalog):
    from engine.rules.validation import validate_ruleset

    doc = _load_document(path)
    if isinstance(doc, dict) and "rules" not in doc and "condition" in doc:
        _fail(f"{path.name} は1つのルールです。実行にはルールセット (rules を持つファイル) が必要です。", 2)
    report = validate_ruleset(doc, catalog)
    if not report.ok:
        _fail(f"ルールセット {path.name} に誤りがあるため実行できません。\n" + report.to_text())
    return report.ruleset


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `tsunagu` app."""

    @app.command("validate")
    def validate_cmd(
        file: Path = typer.Argument(..., help="ルールまたはルールセットの JSON/YAML ファイル"),
        as_json: bool = typer.Option(False, "--json", help="結果を JSON で出力 (ツール・LLM 向け)"),
    ) -> None:
        """ルール・ルールセットをカタログと照らして検査し、問題を日本語で表示します。"""
        from engine.catalog import default_catalog
        from engine.rules.validation import validate_rule, validate_ruleset

        doc = _load_document(file)
        catalog = default_catalog()
        is_ruleset = isinstance(doc, dict) and "rules" in doc
        report = validate_ruleset(doc, catalog) if is_ruleset else validate_rule(doc, catalog)
        kind = "ルールセット" if is_ruleset else "ルール"
        if as_json:
            typer.echo(report.to_json())
        else:
            typer.echo(f"{kind} {file.name}: " + report.to_text())
        if not report.ok:
            raise typer.Exit(1)

    @app.command("run")
    def run_cmd(
        ruleset: Path = typer.Option(..., "--ruleset", help="承認済みルールセット (JSON)"),
        mart: Path = typer.Option(..., "--mart", help="データマート (DuckDB ファイル)"),
        out: Path = typer.Option(..., "--out", help="結果ファイル (JSON Lines)。隣に <out>.manifest.json を書きます"),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="基準日 (例: 2026-04-01, 令和8年4月1日)。省略時はルールセットの方針"),
        top: Optional[int] = typer.Option(None, "--top", min=1, help="上位何名を抽出するか (ルールセットの設定を上書き)"),
        threads: Optional[int] = typer.Option(None, "--threads", min=1, help="DuckDB のスレッド数"),
    ) -> None:
        """ルールセットをデータマートに適用し、確認候補のこどもを抽出します (判定ではありません)。"""
        import datetime as dt

        from engine.catalog import default_catalog
        from engine.runner import RunError, run_ruleset, write_results

        catalog = default_catalog()
        rs = _load_valid_ruleset(ruleset, catalog)
        if as_of is not None:
            ref = _parse_as_of(as_of)
        else:
            ref = rs.reference_date.resolve(dt.date.today())
        try:
            result = run_ruleset(mart, rs, catalog, ref, top_n=top, threads=threads)
        except RunError as exc:
            _fail(str(exc))
        mpath = write_results(result, out)
        c = result.manifest["counts"]
        typer.echo(
            f"基準日 {ref.isoformat()} / ルールセット {rs.id} 第{rs.version}版\n"
            f"対象 {c['screened']} 名 → 除外 {c['excluded']} 名 → 点数あり {c['scored']} 名 → "
            f"抽出 {c['extracted']} 名 (上位 {c['extracted_main']} 名 + 片側のみ高い子 {c['extracted_one_side']} 名)\n"
            f"結果: {out}\n実行記録: {mpath}\n"
            "※ 抽出結果は人による確認の候補です。支援の要否を判定するものではありません。"
        )

    @app.command("explain")
    def explain_cmd(
        pseudonym: str = typer.Argument(..., help="こどもの仮名ID"),
        run: Path = typer.Option(..., "--run", help="結果ファイルまたはその .manifest.json"),
    ) -> None:
        """抽出されたこどもが、なぜその順位にいるのかを日本語で説明します。"""
        from engine.catalog import default_catalog
        from engine.explain import explain_child
        from engine.runner import RunError, read_results

        try:
            result = read_results(run)
        except RunError as exc:
            _fail(str(exc))
        child = result.child(pseudonym)
        if child is None:
            _fail(
                f"仮名ID {pseudonym} のこどもは、この実行の抽出結果に含まれていません "
                f"(抽出 {len(result.children)} 名)。抽出されなかったことは支援が不要という意味ではありません。"
            )
        catalog = default_catalog()
        m = result.manifest
        if m.get("catalog_sha256") != catalog.content_hash:
            typer.echo("注意: この実行の後にデータ項目カタログが変更されています。項目名は現在のカタログで表示します。", err=True)
        typer.echo(
            f"実行: 基準日 {m['reference_date']} / ルールセット {m['ruleset']['id']} 第{m['ruleset']['version']}版 "
            f"/ 対象 {m['counts']['screened']} 名中\n"
        )
        typer.echo(explain_child(child, result.ruleset(), catalog))

    @app.command("sample-ruleset")
    def sample_ruleset_cmd(
        out: Path = typer.Option(..., "--out", help="書き出すファイル"),
        force: bool = typer.Option(False, "--force", help="既存のファイルを上書きする"),
    ) -> None:
        """和泉市方式 (福祉側・教育側の二面スコア) のサンプルルールセットを書き出します。"""
        import shutil

        src = Path(__file__).resolve().parents[2] / "engine" / "rules" / "samples" / SAMPLE_RULESET
        if out.exists() and not force:
            _fail(f"{out} はすでにあります (上書きするなら --force)", 2)
        shutil.copyfile(src, out)
        typer.echo(f"サンプルルールセットを書き出しました: {out}\n点数や条件は目安です。自市の実情に合わせて見直し、承認を受けてから使ってください。")

    @app.command("preview")
    def preview_cmd(
        draft: Path = typer.Argument(..., help="試したいルールまたはルールセット (JSON/YAML)"),
        mart: Path = typer.Option(..., "--mart", help="データマート (DuckDB ファイル)"),
        as_of: str = typer.Option(..., "--as-of", help="基準日"),
        baseline: Optional[Path] = typer.Option(None, "--baseline", help="比較する現行ルールセット"),
        top: int = typer.Option(200, "--top", min=1, help="比較する上位人数"),
        as_json: bool = typer.Option(False, "--json", help="JSON で出力"),
    ) -> None:
        """承認前のルールを試し、該当人数 (10未満は「<10」) と上位の入れ替わりを表示します。"""
        import json

        from engine.catalog import default_catalog
        from engine.preview import preview
        from engine.rules.validation import validate_rule, validate_ruleset
        from engine.runner import RunError

        catalog = default_catalog()
        doc = _load_document(draft)
        is_ruleset = isinstance(doc, dict) and "rules" in doc
        report = validate_ruleset(doc, catalog) if is_ruleset else validate_rule(doc, catalog)
        if not report.ok:
            _fail(f"{draft.name} に誤りがあります。\n" + report.to_text())
        base = _load_valid_ruleset(baseline, catalog) if baseline else None
        try:
            rep = preview(mart, report.ruleset or report.rule, catalog, _parse_as_of(as_of), baseline=base, top_n=top)
        except RunError as exc:
            _fail(str(exc))
        if as_json:
            typer.echo(json.dumps(rep.to_dict(), ensure_ascii=False, indent=2))
        else:
            typer.echo(rep.to_text())
