"""The `tsunagu` command line.

Each group of commands lives in its own module under `api.commands` and exposes
`register(app)`. Modules import their heavy dependencies (presidio, langchain,
FastAPI) inside the command functions so that `tsunagu --help` stays fast.
"""

from __future__ import annotations

import typer

from api.commands import data, drafting, llm, pii, scoring, service

app = typer.Typer(
    name="tsunagu",
    help="Tsunagu (つなぐ): こどもデータ連携のための候補抽出サービス",
    no_args_is_help=True,
    add_completion=False,
)

for _module in (data, scoring, pii, drafting, service, llm):
    _module.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
