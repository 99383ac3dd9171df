"""The city registry file format: a legal-basis registry in YAML (the demo registry, or a city's own).

Format (see ``demo_registry.yaml``): ``defaults`` for every entry, ``files``
(個人情報ファイル) with their holding department, purpose, collection method and
default basis, and ``entries``: one per item use, naming the item and its file
and overriding any field. Each entry is proposed and approved through the
registry's own transitions, so a loaded registry carries a real history and
passes the same checks as one built through the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from engine.catalog.model import Catalog
from privacy.registry import LegalBasisEntry, RegistryError, approve, expire_due, propose
from privacy.yaml_file import read_yaml_file

DEMO_REGISTRY_PATH = Path(__file__).with_name("demo_registry.yaml")

_ENTRY_KEYS = {
    "organ",
    "department",
    "purpose",
    "collection_method",
    "basis",
    "law_citation",
    "justification",
    "use",
    "one_off_id",
    "valid_from",
    "valid_until",
    "receiving_organ",
    "receiving_department",
    "proposed_by",
    "proposed_at",
    "approved_by",
    "approved_at",
    "approval_reason",
}
_TOP_KEYS = {"version", "defaults", "texts", "files", "entries"}


def _aware(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise RegistryError(f"{where}: 日時として読めません: {value!r}（例: 2026-03-16T15:00:00+09:00）") from None
    if not isinstance(value, datetime):
        raise RegistryError(f"{where}: 日時として読めません: {value!r}")
    if value.tzinfo is None:
        raise RegistryError(f"{where}: 日時にタイムゾーンを付けてください（例: +09:00）: {value!r}")
    return value.astimezone(UTC)


def parse_registry_document(doc: Any, catalog: Catalog, *, source: str = "registry") -> list[LegalBasisEntry]:
    """Entries (approved, with history) from a parsed registry document; RegistryError lists every problem."""
    if not isinstance(doc, Mapping):
        raise RegistryError(f"{source}: 登録簿の形式が正しくありません（defaults・files・entries を持つ対応表にしてください）")
    problems: list[str] = []
    unknown_top = sorted(set(doc) - _TOP_KEYS)
    if unknown_top:
        problems.append(f"{source}: 未知の項目があります: {'、'.join(map(str, unknown_top))}")
    defaults = doc.get("defaults") or {}
    files = doc.get("files") or {}
    raw_entries = doc.get("entries") or []
    if not isinstance(defaults, Mapping) or not isinstance(files, Mapping) or not isinstance(raw_entries, list):
        raise RegistryError(f"{source}: defaults と files は対応表、entries は一覧にしてください")
    for part, mapping in [("defaults", defaults)] + [(f"files.{k}", v) for k, v in files.items()]:
        if not isinstance(mapping, Mapping):
            problems.append(f"{source} {part}: 対応表にしてください")
            continue
        unknown = sorted(set(mapping) - _ENTRY_KEYS)
        if unknown:
            problems.append(f"{source} {part}: 未知の項目があります: {'、'.join(map(str, unknown))}")

    entries: list[LegalBasisEntry] = []
    for n, raw in enumerate(raw_entries, start=1):
        where = f"{source} entries {n}件目"
        if not isinstance(raw, Mapping) or "item" not in raw or "file" not in raw:
            problems.append(f"{where}: item（データ項目）と file（個人情報ファイル名）が必要です")
            continue
        item_id, file_name = str(raw["item"]), str(raw["file"])
        where = f"{where}（{item_id}）"
        item = catalog.get(item_id)
        if item is None:
            problems.append(f"{where}: データ項目 {item_id} はカタログにありません")
            continue
        if file_name not in files:
            problems.append(f"{where}: 個人情報ファイル「{file_name}」が files に定義されていません")
            continue
        unknown = sorted(set(raw) - _ENTRY_KEYS - {"item", "file"})
        if unknown:
            problems.append(f"{where}: 未知の項目があります: {'、'.join(map(str, unknown))}")
            continue
        f: dict[str, Any] = {**defaults, **(files[file_name] or {}), **{k: v for k, v in raw.items() if k not in ("item", "file")}}
        organ = f.get("organ", "mayor")
        if organ != item.organ:
            problems.append(f"{where}: ファイル「{file_name}」の保有機関（{organ}）がカタログの項目の保有機関（{item.organ}）と一致しません")
            continue
        try:
            entry = propose(
                item,
                actor=str(f.get("proposed_by") or "registry-import"),
                now=_aware(f.get("proposed_at"), f"{where} proposed_at"),
                receiving_organ=f.get("receiving_organ", "mayor"),
                receiving_department=str(f.get("receiving_department") or ""),
                purpose=str(f.get("purpose") or ""),
                basis=str(f.get("basis")),
                use=f.get("use", "recurring"),
                law_citation=f.get("law_citation"),
                justification=f.get("justification"),
                one_off_id=f.get("one_off_id"),
                valid_from=f.get("valid_from"),
                valid_until=f.get("valid_until"),
                file_name=file_name,
                holding_department=f.get("department") or item.department,
                collection_method=f.get("collection_method"),
                reason="登録簿ファイルからの取込み",
            )
            entry = approve(
                entry,
                str(f.get("approved_by") or ""),
                str(f.get("approval_reason") or ""),
                _aware(f.get("approved_at"), f"{where} approved_at"),
                set(),
                actor_role="privacy_officer",
            )
        except RegistryError as exc:
            problems.append(f"{where}: " + "／".join(exc.problems))
            continue
        entries.append(entry)
    ids = [e.id for e in entries]
    if len(ids) != len(set(ids)):
        problems.append(f"{source}: 同じ内容の登録が重複しています")
    if problems:
        raise RegistryError(f"登録簿 {source} に誤りがあります（{len(problems)}件）。", problems)
    return entries


def load_registry_yaml(path: Path | str, catalog: Catalog, *, today: date | None = None) -> list[LegalBasisEntry]:
    """Entries of a registry YAML file; with ``today``, entries past valid_until are moved to expired."""
    p = Path(path)
    doc = read_yaml_file(p, "登録簿ファイル", RegistryError)
    entries = parse_registry_document(doc, catalog, source=p.name)
    return expire_due(entries, today) if today is not None else entries


def load_demo_registry(catalog: Catalog, *, today: date | None = None) -> list[LegalBasisEntry]:
    """The demo registry for the default catalog: every item approved (one deliberately past its validity)."""
    return load_registry_yaml(DEMO_REGISTRY_PATH, catalog, today=today)


def main(argv: list[str] | None = None) -> int:
    """Show the demo registry at work: policy checks for a ruleset and the 個人情報ファイル簿 export."""
    import argparse
    from collections import Counter

    from engine.catalog import default_catalog
    from engine.dates import parse_date
    from engine.rules.model import Ruleset, items_by_rule
    from privacy.file_register import build_file_register, write_csv, write_xlsx
    from privacy.policy import Purpose, check_use
    from privacy.registry import due_for_review

    parser = argparse.ArgumentParser(prog="python -m privacy.registry_file", description="デモ用の法的根拠の登録簿を使った確認")
    parser.add_argument("--on", default="2026-06-01", help="実行日（西暦又は和暦）")
    parser.add_argument("--ruleset", default=str(Path(__file__).parents[1] / "engine/rules/samples/izumi_style.json"))
    parser.add_argument("--out", default=None, help="個人情報ファイル簿（CSV・Excel）の出力先フォルダ")
    args = parser.parse_args(argv)
    on = parse_date(args.on)
    catalog = default_catalog()
    entries = load_demo_registry(catalog, today=on)
    counts = Counter((e.basis.short_ja, e.use_ja, e.status_ja) for e in entries)
    print(f"登録簿: {len(entries)}件（{on} 時点）")
    for (basis, use, status), n in sorted(counts.items()):
        print(f"  {basis} {use} {status}: {n}件")
    for e in due_for_review(entries, on, within_days=120):
        print(f"  見直し期限が近い: {e.describe_ja()}（期限 {e.valid_until}）")
    by_rule = items_by_rule(Ruleset.model_validate_json(Path(args.ruleset).read_text(encoding="utf-8")))
    uses: tuple[tuple[Purpose, str | None], ...] = (
        ("scheduled_run", None), ("one_off_run", "r8-school-wellbeing-pilot"), ("preview", None))
    for purpose, one_off in uses:
        decision = check_use(by_rule, entries, purpose=purpose, on=on, one_off_id=one_off, catalog=catalog)
        print(f"\n[{purpose}{' ' + one_off if one_off else ''}] {'実行できます' if decision.allowed else '停止'}")
        print(decision.message_ja)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        rows = build_file_register(entries, catalog, city_name="和泉市")
        write_csv(rows, out / "個人情報ファイル簿.csv")
        write_csv(rows, out / "個人情報ファイル簿_sjis.csv", encoding="cp932")
        write_xlsx(rows, out / "個人情報ファイル簿.xlsx", entries, city_name="和泉市", as_of=on)
        print(f"\n個人情報ファイル簿（{len(rows)}ファイル）を {out} に出力しました")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
