"""Data commands: `synth`, `keygen`, `ingest`, `mart-summary`, `mart-verify`.

Heavy imports (numpy, duckdb, pyarrow, cryptography, presidio) happen inside the commands.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0〜5歳 (未就学)", 0, 5), ("6〜11歳", 6, 11), ("12〜14歳", 12, 14), ("15〜19歳", 15, 19))


def _fail(message: str) -> None:
    typer.secho(f"エラー: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _parse_as_of(text: Optional[str]) -> Optional[date]:
    if text is None:
        return None
    from engine.dates import DateParseError, parse_date

    try:
        return parse_date(text)
    except DateParseError as exc:
        _fail(f"--as-of: {exc}")
    return None


def pii_pre_publish_check(path: Path) -> None:
    """Scan the temp mart for personal information before it replaces the old one (raises if found)."""
    from engine.ingest import IngestError
    from privacy.pii.mart_scan import scan_mart

    findings = scan_mart(path).findings  # the mart's own load metadata (_meta) is not judged
    if findings:
        lines = [f"- {f.table}.{f.column}: {'、'.join(f'{k} {n}件' for k, n in f.counts.items())}" for f in findings]
        raise IngestError("公開前チェックでデータマートに個人情報の疑いが見つかったため、公開を中止しました。\n" + "\n".join(lines))


def synth(
    out: Path = typer.Option(..., "--out", help="エクスポートを書き出すフォルダ"),
    children: Optional[int] = typer.Option(None, "--children", min=1, help="こどもの数 (既定: 和泉市相当の約32,700人)"),
    seed: int = typer.Option(0, "--seed", help="乱数の種 (同じ種なら同じバイト列)"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="基準日 (例: 2026-10-01, 令和8年10月1日)"),
) -> None:
    """架空の市の各課エクスポート (CSV) を作ります。"""
    from engine.synth import DEFAULT_AS_OF, generate_city

    summary = generate_city(out, children=children, seed=seed, as_of=_parse_as_of(as_of) or DEFAULT_AS_OF)
    typer.echo(
        f"{summary.out_dir} に {len(summary.files)} ファイルを書き出しました: こども {summary.children:,}人、"
        f"世帯 {summary.households:,}、保護者 {summary.guardians:,}人、児童生徒 {summary.students:,}人 "
        f"(対応表あり {summary.linked_students:,}人)、基準日 {summary.as_of.isoformat()}"
    )
    typer.echo(f"取り込むときは基準日をそろえてください: tsunagu ingest {out} --as-of {summary.as_of.isoformat()} ...")


def keygen(out: Path = typer.Option(..., "--out", help="鍵ファイルの保存先 (既存のファイルは上書きしません)")) -> None:
    """仮名化の秘密鍵ファイルを作ります (権限 600)。"""
    from privacy.keys import KeyFileError, generate_key_file

    try:
        key = generate_key_file(out)
    except KeyFileError as exc:
        _fail(str(exc))
        return
    typer.echo(f"鍵ファイルを作りました: {out} (鍵ID {key.key_id})。データマートとは別の場所で保管してください。")


def ingest(
    exports_dir: Path = typer.Argument(..., help="各課のエクスポート (CSV) のフォルダ"),
    mart: Path = typer.Option(..., "--mart", help="作成するデータマート (DuckDB ファイル)"),
    key_file: Path = typer.Option(..., "--key-file", help="仮名化の鍵ファイル"),
    reid_map: Optional[Path] = typer.Option(None, "--reid-map", help="再識別対応表 (暗号化) の保存先。既定: 鍵ファイルと同じフォルダ"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="基準日 (既定: 今日)"),
    pii_check: bool = typer.Option(True, "--pii-check/--no-pii-check", help="公開前にマートの個人情報チェックを行う"),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="不採用の記録 (個人情報を含む CSV) の保存先。"
                                           "既定: エクスポートのフォルダの <マート名>.rejects.csv (データマートのフォルダには置けません)"),
) -> None:
    """エクスポートを検査・仮名化してデータマートに取り込みます (失敗時は元のマートを残します)。"""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from engine.ingest import IngestError, ingest_exports
    from privacy.keys import KeyFileError, load_key_file
    from privacy.pseudonymize import HmacPseudonymizer
    from privacy.reid_map import ReidMapError, write_reid_map

    console = Console(stderr=True)
    try:
        key = load_key_file(key_file)
    except KeyFileError as exc:
        _fail(str(exc))
        return
    mart = mart.resolve()
    reid_path = (reid_map or key_file.with_name(f"{mart.stem}.reid")).resolve()
    if reid_path.parent == mart.parent:
        _fail(f"再識別対応表 {reid_path} をデータマートと同じフォルダに置くことはできません。--reid-map で別の場所を指定してください")
    if key_file.resolve().parent == mart.parent:
        console.print("[yellow]注意: 鍵ファイルがデータマートと同じフォルダにあります。別の場所で保管してください。[/yellow]")
    pseudonymizer = HmacPseudonymizer.from_key(key, record_types=("resident", "household"))
    if exports_dir.is_dir():
        mart.parent.mkdir(parents=True, exist_ok=True)  # a new mart folder, like `keygen`'s key folder
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=True) as progress:
            task = progress.add_task("取込の準備", total=None)
            summary = ingest_exports(
                exports_dir, mart, pseudonymizer, as_of=_parse_as_of(as_of),
                pre_publish_check=pii_pre_publish_check if pii_check else None, rejects_path=rejects,
                progress=lambda msg: progress.update(task, description=f"取込中: {msg}"),
            )
            progress.update(task, description="再識別対応表の暗号化")
            write_reid_map(reid_path, key, pseudonymizer.issued)
    except (IngestError, ReidMapError, KeyFileError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"データマートを作成しました: {summary.mart_path} ({summary.seconds:.1f}秒、読込 {summary.total_rows:,}行)")
    typer.echo(f"基準日 {summary.as_of.isoformat()}、鍵ID {summary.key_id}、再識別対応表 {reid_path}")
    n_rej = sum(summary.rejected_rows.values())
    if n_rej:
        typer.echo(f"不採用の行: {n_rej:,}行 (詳細: {summary.rejects_path})")
        for export, n in sorted(summary.rejected_rows.items()):
            typer.echo(f"  {export}.csv: {n:,}行")
    else:
        typer.echo("不採用の行はありません")
    for export, n in sorted(summary.filtered_rows.items()):
        typer.echo(f"対象外の値として除いた行: {export}.csv {n:,}行")


def mart_summary(mart: Path = typer.Argument(..., help="データマート (DuckDB ファイル)")) -> None:
    """データマートの概要 (表ごとの行数、年齢帯別のこども数、項目ごとの値のある割合) を表示します。"""
    import duckdb
    from rich.console import Console
    from rich.table import Table

    from engine.catalog import default_catalog
    from engine.mart import layout

    if not mart.is_file():
        _fail(f"データマート {mart} が見つかりません")
    try:
        con = duckdb.connect(str(mart), read_only=True)
    except duckdb.Error as exc:
        _fail(f"{mart} をデータマートとして開けません: {exc}")
        return
    console = Console()
    try:
        has_meta = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [layout.META_TABLE]).fetchone()[0]
        if not has_meta:
            _fail(f"{mart} には {layout.META_TABLE} 表がありません (tsunagu ingest で作ったデータマートではありません)")
        meta = dict(con.execute(f"SELECT key, value FROM {layout.META_TABLE}").fetchall())
        as_of = meta.get("as_of", date.today().isoformat())
        console.print(f"データマート {mart}  基準日 {as_of}  鍵ID {meta.get('key_id', '-')}  取込 {meta.get('loaded_at', '-')}")
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name").fetchall()]
        t1 = Table(title="表ごとの行数")
        t1.add_column("表")
        t1.add_column("行数", justify="right")
        for t in tables:
            t1.add_row(t, f"{con.execute(f'SELECT count(*) FROM {chr(34)}{t}{chr(34)}').fetchone()[0]:,}")
        console.print(t1)
        t2 = Table(title=f"年齢帯別のこども数 ({as_of} 時点)")
        t2.add_column("年齢帯")
        t2.add_column("人数", justify="right")
        age = f"date_sub('year', {layout.BIRTH_MONTH_COLUMN}, DATE '{as_of}')"
        for label, lo, hi in AGE_BANDS:
            n = con.execute(f"SELECT count(*) FROM {layout.CHILD_TABLE} WHERE {age} BETWEEN {lo} AND {hi}").fetchone()[0]
            t2.add_row(label, f"{n:,}")
        console.print(t2)
        t3 = Table(title="項目ごとの値のある割合 (出来事の項目は記録のある対象の割合)")
        for c in ("項目", "名前", "対象", "割合"):
            t3.add_column(c, justify="right" if c == "割合" else "left")
        for item in default_catalog().items:
            if not layout.is_stored(item):
                continue
            table, column = layout.item_location(item)
            if table not in tables:
                t3.add_row(item.id, item.name, item.entity, "表なし")
                continue
            entity_table = layout.ENTITY_TABLE[item.entity]
            key = layout.ENTITY_KEY[item.entity]
            total = con.execute(f"SELECT count(*) FROM {entity_table}").fetchone()[0]
            if column is None:
                n = con.execute(f'SELECT count(DISTINCT {key}) FROM "{table}"').fetchone()[0]
            else:
                n = con.execute(f'SELECT count("{column}") FROM {entity_table}').fetchone()[0]
            t3.add_row(item.id, item.name, item.entity, f"{(n / total if total else 0):.1%}")
        console.print(t3)
    finally:
        con.close()


def mart_verify(mart: Path = typer.Argument(..., help="データマート (DuckDB ファイル)")) -> None:
    """データマートの全表を読み直し、取込時に記録したチェックサム (行数と内容) と一致するか確かめます。

    一致すれば終了コード 0、一致しない表があれば 1 (どの表がどう違うかを表示) です。
    """
    import duckdb

    from engine.mart import checksums

    if not mart.is_file():
        _fail(f"データマート {mart} が見つかりません")
    try:
        con = duckdb.connect(str(mart), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        _fail(f"{mart} をデータマートとして開けません: {exc}")
        return
    try:
        problems = checksums.verify(con)
        n_tables = len(checksums.data_tables(con))
    finally:
        con.close()
    if problems:
        for p in problems:
            typer.secho(f"- {p}", fg=typer.colors.RED, err=True)
        _fail(f"{mart.name}: 取込時の記録と一致しない点が {len(problems)} 件あります")
    typer.echo(f"{mart.name}: {n_tables} 表すべてが取込時のチェックサムと一致しました")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `tsunagu` app."""
    app.command("synth")(synth)
    app.command("keygen")(keygen)
    app.command("ingest")(ingest)
    app.command("mart-summary")(mart_summary)
    app.command("mart-verify")(mart_verify)
