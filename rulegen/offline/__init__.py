"""The offline drafter: a deterministic reader of common staff phrasings (no network, no LLM)."""
