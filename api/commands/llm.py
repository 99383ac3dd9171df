"""`tsunagu llm serve`: a local OpenAI-compatible model server (llama.cpp through PyPI's xllamacpp).

For a city with a GGUF model file and no model server yet. The server listens on 127.0.0.1 only;
point Tsunagu at it with TSUNAGU_LLM_BASE_URL=http://127.0.0.1:PORT/v1 and TSUNAGU_LLM_MODEL=<alias>.
`start_local_server` is also what the real-LLM tests and benchmarks/llm_cost.py use.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

llm_app = typer.Typer(name="llm", help="ローカルの LLM サーバー (llama.cpp)", no_args_is_help=True)


@dataclass
class LocalServer:
    """A running llama.cpp server; keep the object alive while it serves (it stops when dropped)."""

    server: Any
    host: str
    port: int
    alias: str

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server = None


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def start_local_server(
    model: Path, *, host: str = "127.0.0.1", port: int = 0, n_ctx: int = 8192, threads: int = 2,
    alias: str = "local", wait_s: float = 60.0,
) -> LocalServer:
    """Start llama.cpp's server in this process and wait until /health answers."""
    import httpx
    import xllamacpp

    if not model.is_file():
        raise FileNotFoundError(f"モデルのファイルが見つかりません: {model}")
    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.model_alias = alias
    params.hostnames = [host]
    params.port = port or free_port(host)
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cache_prompt = True
    params.endpoint_metrics = True
    params.warmup = False
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)
    local = LocalServer(server, host, params.port, alias)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(local.root_url + "/health", timeout=2).status_code == 200:
                return local
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"LLM サーバーが {wait_s:.0f} 秒以内に起動しませんでした ({local.root_url})")


@llm_app.command("serve")
def serve(
    model: Path = typer.Option(..., "--model", help="GGUF 形式のモデルファイル"),
    port: int = typer.Option(8080, help="待ち受けるポート (127.0.0.1 のみ)"),
    n_ctx: int = typer.Option(8192, "--ctx", help="文脈長 (トークン)"),
    threads: int = typer.Option(2, help="CPU スレッド数 (ほかの処理と共用のマシンではコア数より少なく)"),
    alias: str = typer.Option("local", help="API で使うモデル名 (TSUNAGU_LLM_MODEL)"),
) -> None:
    """GGUF モデルを 127.0.0.1 で OpenAI 互換 API として提供します (Ctrl+C で停止)。"""
    try:
        local = start_local_server(model, port=port, n_ctx=n_ctx, threads=threads, alias=alias)
    except (FileNotFoundError, RuntimeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"起動しました: TSUNAGU_LLM_BASE_URL={local.base_url} TSUNAGU_LLM_MODEL={alias}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        local.stop()


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")
