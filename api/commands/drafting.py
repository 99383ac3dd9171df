"""`tsunagu draft`: turn a Japanese criterion into a validated rule (LLM or offline drafter).

The real PII guard (`privacy.pii.guard.guard_text`) is wired in here: `rulegen` only knows the
`TextGuard` protocol. Heavy imports happen inside the command.
"""

from __future__ import annotations

import json

import typer

from api.services.text_guard import PiiTextGuard  # the one adapter (service and CLI)


def draft_command(
    text: str = typer.Argument(..., help="日本語の基準 (例: 「過去1年間に欠席30日以上の小学生に10点」)"),
    llm: str = typer.Option("auto", "--llm", help="下書きの方法: offline (埋め込み・外部送信なし) / openai / azure / auto (環境変数 TSUNAGU_LLM_* に従う)"),
    as_json: bool = typer.Option(False, "--json", help="結果全体を JSON で出力します"),
) -> None:
    """日本語の基準からルールの下書きを作り、ルールの JSON と読み取った内容を表示します (作れなければ終了コード1)。"""
    from pydantic import ValidationError

    from rulegen.drafting import make_drafter
    from rulegen.settings import DraftingSettings

    if llm not in ("auto", "offline", "openai", "azure"):
        typer.echo(f"--llm には offline / openai / azure / auto のいずれかを指定してください (指定: {llm})", err=True)
        raise typer.Exit(2)
    try:
        settings = DraftingSettings.from_env() if llm == "auto" else DraftingSettings.from_env(provider=llm)
    except ValidationError as exc:
        typer.echo("LLM の設定 (環境変数 TSUNAGU_LLM_*) に誤りがあります: " + "; ".join(".".join(map(str, e["loc"])) for e in exc.errors()), err=True)
        raise typer.Exit(2) from exc
    if settings.uses_llm and not (settings.base_url and settings.model):
        typer.echo("LLM を使うには TSUNAGU_LLM_BASE_URL と TSUNAGU_LLM_MODEL を設定してください。", err=True)
        raise typer.Exit(2)
    drafter = make_drafter(settings, guard=PiiTextGuard() if settings.uses_llm else None)
    outcome = drafter.draft(text)
    if as_json:
        typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2))
    else:
        label = "オフライン" if outcome.drafter == "offline" else f"LLM ({outcome.model})"
        typer.echo(f"# 下書き: {label}、版: {outcome.prompt_version}")
        if outcome.rule is not None:
            typer.echo(json.dumps(outcome.rule_json(), ensure_ascii=False, indent=2))
        if outcome.reading_ja:
            typer.echo("\n## 読み取った内容\n" + outcome.reading_ja)
        if outcome.questions:
            typer.echo("\n## 確認したいこと")
            for q in outcome.questions:
                typer.echo(f"- {q}")
        if outcome.problems:
            typer.echo("\n## 問題" if not outcome.ok else "\n## 注意")
            for p in outcome.problems:
                hint = f" ({p['hint']})" if p.get("hint") else ""
                typer.echo(f"- {p['message']}{hint}")
    if not outcome.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `tsunagu` app."""
    app.command("draft")(draft_command)
