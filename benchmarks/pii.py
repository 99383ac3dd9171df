"""Benchmark: off-the-shelf presidio + GiNZA vs Tsunagu's Japanese PII analyzer.

Prints, side by side, span recall per entity type (a gold span is found when a predicted span
of a compatible type overlaps it), the share of PII-free sentences with a false alarm, and
milliseconds per sentence, on tests/data/pii_eval.jsonl.

    .venv/bin/python benchmarks/pii.py [--eval PATH] [--source handwritten] [--show-errors] [--json]

The baseline is presidio's SpacyRecognizer over GiNZA with a plain label mapping (Person,
Province/City/County/Postal_Address, Date, Phone_Number, Email) on GiNZA's full pipeline. Tsunagu's
analyzer is loaded once for the process (load time printed separately) and runs GiNZA without the
dependency parser, which it does not use.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from privacy.pii.analyzer import (  # noqa: E402
    DEFAULT_THRESHOLD,
    GINZA_LABEL_MAPPING,
    LANGUAGE,
    Finding,
    analyze,
    build_nlp_engine,
    get_analyzer,
    resolve_overlaps,
)
from privacy.pii.entities import entity_labels  # noqa: E402
from privacy.pii.evaluation import EvalReport, evaluate, load_eval_set  # noqa: E402

TARGET_RECALL = 0.97
TARGET_FALSE_ALARMS = 0.03
TARGET_MS = 50.0


def baseline_analyzer():
    """presidio AnalyzerEngine with only GiNZA's NER and a plain label mapping."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.add_recognizer(SpacyRecognizer(
        supported_language=LANGUAGE, supported_entities=sorted(set(GINZA_LABEL_MAPPING.values()))))
    # Its own engine with GiNZA's full pipeline, as shipped.
    return AnalyzerEngine(registry=registry, nlp_engine=build_nlp_engine(disable_unused=False),
                          supported_languages=[LANGUAGE])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "tests/data/pii_eval.jsonl")
    parser.add_argument("--source", choices=["generated", "handwritten"],
                        help="only sentences of this origin")
    parser.add_argument("--show-errors", action="store_true", help="print Tsunagu's misses")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    items = load_eval_set(args.eval, source=args.source)
    t0 = time.perf_counter()
    get_analyzer()
    load_s = time.perf_counter() - t0
    base = baseline_analyzer()

    def baseline_predict(text: str) -> list[Finding]:
        results = base.analyze(text=text, language=LANGUAGE, score_threshold=DEFAULT_THRESHOLD)
        return resolve_overlaps(Finding(r.entity_type, r.start, r.end, r.score) for r in results)

    analyze(items[0].text)  # warm-up outside the timed loop
    baseline_predict(items[0].text)
    reports = {"baseline": evaluate(items, baseline_predict), "tsunagu": evaluate(items, analyze)}
    if args.json:
        print(json.dumps(_as_dict(reports, load_s, len(items)), ensure_ascii=False, indent=2))
    else:
        _print_table(reports, load_s, len(items))
    if args.show_errors:
        for gold_type, value, text in reports["tsunagu"].misses:
            print(f"MISS {gold_type}: {value!r} in {text}")
        for text, found in reports["tsunagu"].alarms:
            print(f"FALSE ALARM {found} in {text}")
    return 0


def _as_dict(reports: dict[str, EvalReport], load_s: float, n: int) -> dict[str, object]:
    types = sorted({t for r in reports.values() for t in r.total}, key=list(entity_labels()).index)
    return {
        "sentences": n, "analyzer_load_s": round(load_s, 2),
        **{name: {"recall": {t: round(r.recall(t), 3) for t in types},
                  "gold": {t: r.total.get(t, 0) for t in types},
                  "false_alarm_rate": round(r.false_alarm_rate, 3),
                  "false_alarms": r.false_alarms, "pii_free_sentences": r.clean_sentences,
                  "ms_per_sentence": round(r.ms_per_sentence, 1)}
           for name, r in reports.items()},
    }


def _pad(text: str, width: int) -> str:
    """Left-justify counting East Asian wide characters as two columns."""
    import unicodedata

    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - cells)


def _print_table(reports: dict[str, EvalReport], load_s: float, n: int) -> None:
    base, ours = reports["baseline"], reports["tsunagu"]
    types = sorted(ours.total, key=list(entity_labels()).index)
    labels = entity_labels()
    print(f"eval set: {n} sentences, {ours.clean_sentences} without PII; "
          f"analyzer load {load_s:.1f} s (once per process)")
    print(f"{'entity':<16} {_pad('label', 16)} {'gold':>5} {'baseline':>9} {'tsunagu':>8}")
    for t in types:
        flag = "" if ours.recall(t) >= TARGET_RECALL else "  < target"
        print(f"{t:<16} {_pad(labels[t], 16)} {ours.total[t]:>5} {base.recall(t):>9.3f} "
              f"{ours.recall(t):>8.3f}{flag}")
    print(f"{'false alarms (share of PII-free sentences)':<39} {base.false_alarm_rate:>9.3f} "
          f"{ours.false_alarm_rate:>8.3f}  ({base.false_alarms} vs {ours.false_alarms} "
          f"of {ours.clean_sentences})")
    print(f"{'ms per sentence':<39} {base.ms_per_sentence:>9.1f} {ours.ms_per_sentence:>8.1f}")
    ok = (all(ours.recall(t) >= TARGET_RECALL for t in types)
          and ours.false_alarm_rate <= TARGET_FALSE_ALARMS and ours.ms_per_sentence < TARGET_MS)
    print(f"targets (recall >= {TARGET_RECALL}, false alarms <= {TARGET_FALSE_ALARMS:.0%}, "
          f"< {TARGET_MS:.0f} ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
