"""Service commands: `serve`, `demo`, `db upgrade|current`, `audit verify|anchor`, `user create|token`.

FastAPI, uvicorn, SQLAlchemy and the engine are imported inside the commands so that
`tsunagu --help` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

db_app = typer.Typer(help="データベース（作成・更新）", no_args_is_help=True)
audit_app = typer.Typer(help="操作ログ（改ざんの検査、検証値の保管）", no_args_is_help=True)
user_app = typer.Typer(help="利用者とAPIトークン", no_args_is_help=True)

HomeOption = typer.Option(None, "--home", help="データフォルダ（既定: 環境変数 TSUNAGU_HOME 又は ./tsunagu-home）")


def _settings(home: Optional[Path]):
    from api.settings import Settings

    return Settings.from_env(home)


def _context(home: Optional[Path]):
    from api.context import ServiceContext
    from api.db.engine import DatabaseError

    try:
        return ServiceContext.open(_settings(home))
    except DatabaseError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None


def _serve(ctx, host: str, port: int, scheduler: bool) -> None:
    import uvicorn

    from api.app import create_app

    app = create_app(ctx.settings, start_scheduler=scheduler, ctx=ctx)
    import threading

    from api.services.outcomes import warm_guard

    threading.Thread(target=warm_guard, name="pii-guard-warm-up", daemon=True).start()
    typer.echo(f"Tsunagu を http://{host}:{port}/ で起動します（API の説明: http://{host}:{port}/docs、"
               f"定期実行: {'有効' if scheduler else '無効'}）。終了は Ctrl+C")
    uvicorn.run(app, host=host, port=port, log_level="info")


def serve(
    home: Optional[Path] = HomeOption,
    host: str = typer.Option("127.0.0.1", "--host", help="待ち受けるアドレス"),
    port: int = typer.Option(8000, "--port", help="ポート番号"),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="このプロセスでは定期実行を動かさない"),
) -> None:
    """API サービスを起動します（設定がなければ TSUNAGU_HOME の SQLite と DuckDB を使います）。"""
    _serve(_context(home), host, port, not no_scheduler)


@db_app.command("upgrade")
def db_upgrade(home: Optional[Path] = HomeOption) -> None:
    """データベースを最新の構造に更新します（起動時にも自動で行います）。"""
    from api.db.engine import current_revision

    ctx = _context(home)
    typer.echo(f"データベースを更新しました（版 {current_revision(ctx.engine)}）: "
               f"{ctx.engine.url.render_as_string(hide_password=True)}")


@db_app.command("current")
def db_current(home: Optional[Path] = HomeOption) -> None:
    """データベースの構造の版を表示します（更新はしません）。"""
    from api.context import ServiceContext
    from api.db.engine import current_revision

    ctx = ServiceContext.open(_settings(home), migrate=False)
    typer.echo(current_revision(ctx.engine) or "（未作成）")


@audit_app.command("verify")
def audit_verify(home: Optional[Path] = HomeOption) -> None:
    """操作ログのハッシュの連鎖を検査します。書き換え・削除・並べ替えがあれば記録ごとに示し、終了コード 1 で終わります。"""
    import sqlalchemy as sa

    from api import audit_store
    from api.db.engine import session_scope
    from api.db.models import AuditEntry
    from privacy.audit import summarize_ja

    ctx = _context(home)
    with session_scope(ctx.sessions) as db:
        problems = audit_store.verify(db, audit_store.read_roots(ctx.settings.home / "audit-roots.txt"))
        n = db.execute(sa.select(sa.func.count()).select_from(AuditEntry)).scalar_one()
    typer.echo(summarize_ja(problems) + f"（記録 {n} 件）")
    if problems:
        raise typer.Exit(code=1)


@audit_app.command("anchor")
def audit_anchor(
    home: Optional[Path] = HomeOption,
    out: Optional[Path] = typer.Option(None, "--out", help="検証値を追記するファイル（既定: HOME/audit-roots.txt。データベースとは別の場所に複製してください）"),
) -> None:
    """操作ログの現在の検証値（件数と最新のハッシュ）をデータベースの外のファイルに追記します。"""
    from api import audit_store
    from api.audit_store import SYSTEM
    from api.db.engine import session_scope

    ctx = _context(home)
    path = out or ctx.settings.home / "audit-roots.txt"
    with session_scope(ctx.sessions) as db:
        root = audit_store.anchor(db, path)
        audit_store.append(db, SYSTEM, "audit_root_anchored", "audit_log", "chain", details={"last_seq": root.last_seq})
    typer.echo(f"{path} に追記しました: {root.as_text()}（サービスの定期実行でも毎日0時5分に追記します）")


@user_app.command("create")
def user_create(
    username: str = typer.Argument(..., help="利用者名"),
    role: str = typer.Option(..., "--role", help="staff / privacy_officer / supervisor / reviewer / auditor / admin"),
    display_name: Optional[str] = typer.Option(None, "--name", help="表示名"),
    password: Optional[str] = typer.Option(None, "--password", help="パスワード（省略時は入力を求めます）"),
    home: Optional[Path] = HomeOption,
) -> None:
    """利用者を登録します。"""
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.errors import ServiceError
    from api.services.users import create_user

    ctx = _context(home)
    pw = password or typer.prompt("パスワード", hide_input=True, confirmation_prompt=True)
    try:
        with session_scope(ctx.sessions) as db:
            create_user(db, Actor(f"cli:{os.environ.get('USER', 'admin')}", "admin"), username, pw, role, display_name)
    except ServiceError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"利用者「{username}」（{role}）を登録しました")


@user_app.command("token")
def user_token(
    username: str = typer.Argument(..., help="利用者名"),
    name: str = typer.Option("cli", "--name", help="トークンの用途"),
    days: Optional[int] = typer.Option(None, "--days", help="有効日数"),
    home: Optional[Path] = HomeOption,
) -> None:
    """利用者の APIトークンを発行します（一度だけ表示します）。"""
    from api.audit_store import Actor
    from api.db.engine import session_scope
    from api.errors import ServiceError
    from api.services.users import create_token, get_user

    ctx = _context(home)
    try:
        with session_scope(ctx.sessions) as db:
            user = get_user(db, username)
            _, token = create_token(db, user.id, Actor(f"cli:{os.environ.get('USER', 'admin')}", "admin"), name, days)
    except ServiceError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(code=1) from None
    typer.echo(token)


def demo(
    home: Optional[Path] = typer.Option(None, "--home", help="デモのデータフォルダ（既定: TSUNAGU_HOME 又は ./demo-home）"),
    children: Optional[int] = typer.Option(None, "--children", help="こどもの数（既定: 和泉市規模 32,700人）"),
    seed: int = typer.Option(0, "--seed", help="合成データの乱数の種"),
    password: Optional[str] = typer.Option(None, "--password", help="デモ利用者のパスワード（省略時は生成して一度だけ表示）"),
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="最後に API サービスを起動する"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    pii_check: bool = typer.Option(True, "--pii-check/--no-pii-check", help="取込み後のデータマートの個人情報検査"),
) -> None:
    """デモ: 合成した市 → 仮名化したデータマート → 利用者・法的根拠・公開ルールセット・定期実行 → 今すぐ1回実行 → サービス起動。"""
    from rich.console import Console
    from rich.table import Table

    from api import demo as d
    from api.context import ServiceContext
    from api.db.engine import session_scope
    from api.security import ROLE_LABELS_JA
    from api.services.runs import execute_run, get_run, load_children
    from api.settings import Settings
    from engine.synth import default_children

    console = Console()
    settings = Settings.from_env(home or os.environ.get("TSUNAGU_HOME") or "demo-home")
    n = children if children is not None else default_children()
    if password is not None:
        from api.security import password_problem

        if password_problem(password):
            console.print(f"[red]{password_problem(password)}[/red]")
            raise typer.Exit(code=2)
    console.print(f"[bold]Tsunagu デモ[/bold]（データフォルダ: {settings.home}）")
    with console.status("準備中") as status:
        info = d.build_mart(settings, n, seed, pii_check=pii_check, progress=lambda m: status.update(m))
    console.print(f"データマート: {info.mart_path}（こども {n:,}人" + (f"、{info.seconds:.1f}秒で作成）" if info.built else "、作成済みを使用）"))
    ctx = ServiceContext.open(settings)
    users = d.ensure_users(ctx, password)
    table = Table(title="デモ利用者（パスワードはこの画面だけに表示されます）")
    for col in ("役割", "利用者名", "パスワード"):
        table.add_column(col)
    for role, (name, pw) in users.items():
        table.add_row(ROLE_LABELS_JA[role], name, pw if pw else "（既存: 変更していません）")
    console.print(table)
    added = d.ensure_registry(ctx)
    console.print(f"法的根拠の登録簿: デモの登録を {added} 件追加しました" if added else "法的根拠の登録簿: 登録済み")
    rv_id, notes = d.ensure_published_sample(ctx, users)
    if notes:
        console.print("[yellow]定期実行の法的根拠がないため、次の項目を読むルールはデモの公開版から除きました:[/yellow]")
        for note in notes:
            console.print(f"  - {note}")
    schedule_id = d.ensure_schedule(ctx, rv_id, users["supervisor"][0])
    console.print(f"公開したルールセット: 版ID {rv_id}、定期実行 {schedule_id}（cron「{d.DEMO_CRON}」= 毎月1日6時）")
    from api.audit_store import Actor

    run_id = execute_run(ctx, rv_id, actor=Actor(users["supervisor"][0], "supervisor"), trigger="manual")
    with session_scope(ctx.sessions) as db:
        run = get_run(db, run_id)
        status_, error, manifest, diff, ref = run.status, run.error, run.manifest, run.diff, run.reference_date
    if status_ != "succeeded":
        console.print(f"[red]実行 {run_id} は失敗しました:[/red] {error}")
        raise typer.Exit(code=1)
    with session_scope(ctx.sessions) as db:
        result = load_children(ctx, get_run(db, run_id))
    n_outcomes = d.ensure_demo_outcomes(ctx, run_id, users["reviewer"][0], users["supervisor"][0])
    if n_outcomes:
        console.print(f"確認結果（デモ）: 実行 {run_id} の上位 {n_outcomes} 人に記録しました")
    top = Table(title=f"実行 {run_id}（基準日 {ref}）上位10人 — 人が確認するための候補です")
    for col in ("順位", "仮名ID（先頭12桁）", "合計", "福祉", "教育", "共通", "レベル", "該当ルール数", "最も点の高いルール"):
        top.add_column(col, no_wrap=True)
    for c in result.children[:10]:
        top.add_row(str(c.rank), c.pseudonym[:12], str(c.total), str(c.scores.get("welfare", 0)), str(c.scores.get("education", 0)),
                    str(c.scores.get("both", 0)), c.alert_level or "-", str(len(c.fired)), c.fired[0].rule_id if c.fired else "-")
    console.print(top)
    counts = Table(title="実行の件数（マニフェスト）")
    counts.add_column("項目")
    counts.add_column("件数", justify="right")
    labels = {"screened": "対象のこども", "excluded": "除外（要対協登録中など）", "scored": "点数が付いたこども",
              "extracted_main": "抽出（上位）", "extracted_one_side": "抽出（片側だけ高い確認用）", "extracted": "抽出の合計"}
    for k, v in manifest["counts"].items():
        counts.add_row(labels.get(k, k), f"{v:,}")
    counts.add_row("前回から新たに抽出", f"{len(diff['newly_extracted']):,}")
    counts.add_row(f"前回から{diff['rise_margin']}点以上上昇", f"{len(diff['score_rose']):,}")
    console.print(counts)
    for line in d.ui_lines(host, port, users):
        console.print(line, highlight=False)
    if serve_after:
        _serve(ctx, host, port, True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `tsunagu` app."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    app.add_typer(db_app, name="db")
    app.add_typer(audit_app, name="audit")
    app.add_typer(user_app, name="user")
