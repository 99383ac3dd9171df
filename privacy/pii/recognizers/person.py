"""Person names: GiNZA's NER and SudachiPy's 人名 tags, with honorifics as context.

- 姓+名 (山田太郎, 山田 太郎, やまだ たろう, ヤマダ ハナコ) and names followed by an honorific
  (くん・君・さん・ちゃん・様・さま・先生・氏) score high.
- A surname alone counts when an honorific follows it or GiNZA reads it as a person
  (「担当は渡辺。」); a lone 人名 token that GiNZA does not read as a person scores low.
- Kinship and role words before an honorific (お母さん, 担任の先生, 相談員さん) are not names, and a
  name that is part of a place or school name (山田町, 田中小学校) is not a person.
"""

from __future__ import annotations

from functools import lru_cache

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.recognizers.base import JaRegexRecognizer

HONORIFIC = regex.compile(r"^[ 　]?(?:くん|クン|君|さん|サン|ちゃん|チャン|様|さま|サマ|先生|氏|殿|ちゃま|たん)")
_ROLE_WORDS = frozenset(
    "赤 婦 妊婦 母 父 兄 姉 弟 妹 子 娘 息子 祖母 祖父 叔母 叔父 伯母 伯父 孫 夫 妻 嫁 婿 奥 皆 客 友 隣 親 里親 "
    "担任 主任 副担任 教頭 校長 園長 所長 課長 係長 部長 室長 会長 班長 委員 職員 相談員 支援員 保育士 "
    "看護師 医師 主治医 先生 保健 養護 教諭 教員 講師 担当 家族 保護者 大家 近所 上 お手伝 運転手 "
    "義母 義父 継母 継父 実母 実父 養母 養父 本人 当該 同級生 上級生 下級生 生徒 児童 園児 学生 "
    "主治 先方 相手 向こう 地域 民生 民生委員 児童委員 市 区 町 村 県 府 国 役所 役場 施設".split())
_ROLE_SUFFIX = regex.compile(r"(?:長|員|師|士|医|者|屋|官|係|課|局|所|室|校|園|会|庁|職|生|家)$")
_KATAKANA_ROLES = frozenset(
    "ママ パパ ヘルパー ワーカー ケースワーカー ソーシャルワーカー スクールソーシャルワーカー カウンセラー "
    "スクールカウンセラー ドクター ナース センター コーディネーター サポーター ボランティア スタッフ "
    "ケアマネ ケアマネージャー ママ友 パート アルバイト ベビーシッター シッター リーダー マネージャー "
    "オーナー トレーナー コーチ メンバー".split())
_PLACE_OR_ORG_AFTER = regex.compile(
    r"^(?:町|市|村|区|郡|県|駅|小学校|中学校|高校|高等学校|小|中|高|幼稚園|保育園|保育所|こども園|"
    r"病院|医院|クリニック|通り|川|橋|店|商店|工業|建設|法律事務所|事務所|線|公園|団地|地区|丁目|駅|"
    r"図書館|会館|センター|市役所|役場|神社|教会)")
_KANJI_RUN_BEFORE = regex.compile(r"[\p{Han}々]{1,4}$")
_KATAKANA_RUN_BEFORE = regex.compile(r"[\p{Katakana}ー]{2,10}$")
_NAME_TEXT = regex.compile(r"^[\p{Han}\p{Hiragana}\p{Katakana}ー々ヶ 　・]+$")
_ORG_TAIL = regex.compile(
    r"(?:病院|医院|クリニック|小学校|中学校|高校|高等学校|幼稚園|保育園|保育所|こども園|事務所|商店|工業|建設|"
    r"駅|公園|図書館|会館|センター|市役所|役場|神社|教会|団地|通り)$")
_SPACED_KANA_GIVEN = regex.compile(
    r"^[ 　](?:[\p{Hiragana}]{1,5}|[\p{Katakana}ー]{1,6})(?=$|[ 　、。,.()（）「」:：;；\p{Han}]|くん|君|さん|ちゃん|様)")
_SPACED_KANJI_GIVEN = regex.compile(
    r"^[ 　][\p{Han}々]{1,3}(?=$|[ 　、。,.()（）「」:：;；]|くん|君|さん|ちゃん|様)")
_LONE_NAME_AFTER = regex.compile(
    r"^(?:家(?![庭族事具電])|宅|方|一家|[(（]|の(?:母|父|祖母|祖父|兄|姉|弟|妹|長男|長女|次男|次女|息子|娘|"
    r"お母さん|お父さん|家|保護者))")
_LATIN_NAME_BEFORE = regex.compile(r"(?<![A-Za-z])[A-Za-z][A-Za-z'\-]{1,19}(?:[ ][A-Za-z][A-Za-z'\-]{1,19})?$")
_LATIN_ROLES = frozenset(
    "SSW SC CW SV PTA DV NPO ALT AI LLM OK NG TEL FAX Dr Mr Ms Mrs Miss Mx ID".split())
_LONE_NAME_BEFORE = regex.compile(
    r"(?:担当|担当者|記入者|担任|対応者|報告者|作成者|母|父|祖母|祖父|本人|氏名|名前|保護者|児童|生徒|宛名)"
    r"[ 　]?[:：は]?[ 　]?$")
_GIVEN_ROLE_SUFFIX = regex.compile(r"(?:師|員|医|者|長|官)$")
_HIRAGANA_BEFORE_HONORIFIC = regex.compile(r"(?<![\p{Hiragana}])[\p{Hiragana}]{2,7}$")
_LEADING_PARTICLE = regex.compile(r"^[がはをにともへの]")
_HIRAGANA_KIN = regex.compile(
    r"(?:ばあ|じい|かあ|とう|ねえ|にい|ば|じ|あか|みな|みんな|こ|く|たく|いしゃ|まわり|ぼっ|じょう|にい|あね|あに|せんせい|だれ|どなた|こちら|そちら|あちら)$")
_NAME_AS_WORD = regex.compile(r"^(?:という|って|っていう)(?:名字|苗字|姓|名前|氏名)")
_MUNICIPALITY_HEAD = regex.compile(r"^(\p{Han}{2,4})[都道府県市区町村郡]")
_KANA_TAIL = regex.compile(r"^(?![のはがをにへもおでや])[\p{Hiragana}\p{Katakana}ー]{1,3}(?=[ 　]?(?:くん|君|さん|ちゃん|様|さま))")


class PersonRecognizer(JaRegexRecognizer):
    """Names from the NLP artifacts (GiNZA doc) plus honorific patterns on the raw text."""

    ENTITY = "PERSON"
    PATTERNS = []
    CONTEXT = ["氏名", "名前", "児童名", "生徒名", "保護者名", "本人", "くん", "さん", "ちゃん", "様"]

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        return None  # names come from analyze(), not from regexes

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        spans: dict[tuple[int, int], tuple[float, bool]] = {}

        def add(start: int, end: int, score: float, boosted: bool) -> None:
            start, end = _strip(text, start, end)
            org = _ORG_TAIL.search(text[start:end])
            if org:
                end = start + org.start()
            if start >= end or not _NAME_TEXT.match(text[start:end]):
                return
            if start > 0 and regex.match(r"\p{Han}", text[start - 1]) and \
                    _GIVEN_ROLE_SUFFIX.search(text[start:end]):
                return  # 保|健師: the end of a role word, not a name
            if _PLACE_OR_ORG_AFTER.match(text[end:end + 6]) or _NAME_AS_WORD.match(text[end:end + 6]):
                return
            municipality = _MUNICIPALITY_HEAD.match(text[start:end])
            if municipality and municipality.end() < end - start and \
                    is_place_name(municipality.group(1)):
                return  # 和泉市|子ども: a city name read as a given name
            if text[start:end] in _ROLE_WORDS or text[start:end] in _KATAKANA_ROLES:
                return
            old = spans.get((start, end))
            if old is None or old[0] < score:
                spans[(start, end)] = (score, boosted)

        ner_spans = []
        if nlp_artifacts is not None:
            for ent in nlp_artifacts.entities:
                if ent.label_ == self.ENTITY:
                    ner_spans.append((ent.start_char, ent.end_char))
            for start, end, count, tag in _name_token_runs(nlp_artifacts):
                if count == 1 and "人名-姓" not in tag and start > 0 and \
                        regex.match(r"\p{Han}", text[start - 1]) and \
                        _GIVEN_ROLE_SUFFIX.search(text[start:end]):
                    continue  # 保|健師: a role word split by the tokenizer
                spaced = _SPACED_KANA_GIVEN.match(text[end:end + 8])
                if not spaced and count == 1 and "人名-姓" in tag:
                    spaced = _SPACED_KANJI_GIVEN.match(text[end:end + 6])
                if spaced:
                    end, count = end + len(spaced.group(0)), count + 1
                end = _extend_kana_tail(text, end)
                honorific = bool(HONORIFIC.match(text[end:end + 4]))
                in_ner = any(s < end and start < e for s, e in ner_spans)
                lone_context = bool(_LONE_NAME_AFTER.match(text[end:end + 3])
                                    or _LONE_NAME_BEFORE.search(text[max(0, start - 8):start]))
                if honorific:
                    add(start, end, 0.95, True)
                elif count >= 2:
                    add(start, end, 0.85, False)
                elif lone_context:
                    add(start, end, 0.75, True)
                elif in_ner:
                    add(start, end, 0.7, False)
                else:
                    add(start, end, 0.35, False)
            for token in nlp_artifacts.tokens:
                start, end = token.idx, token.idx + len(token.text)
                if "人名" in token.tag_ or not regex.fullmatch(r"\p{Han}{1,3}", token.text):
                    continue
                if start > 0 and regex.match(r"[\p{Han}\p{Katakana}A-Za-z0-9]", text[start - 1]):
                    continue
                if not (_LONE_NAME_AFTER.match(text[end:end + 6])
                        or _LONE_NAME_BEFORE.search(text[max(0, start - 8):start])):
                    continue
                if can_be_surname(token.text):
                    add(start, end, 0.75, True)
            for start, end in ner_spans:
                start, end = _strip(text, start, end)
                if any(s <= start and end <= e for s, e in spans):
                    continue
                end = _extend_kana_tail(text, end)
                honorific = bool(HONORIFIC.match(text[end:end + 4]))
                inner = [t for t in nlp_artifacts.tokens
                         if start <= t.idx < end and t.text.strip(" 　")]
                common_nouns_only = bool(inner) and all("普通名詞" in t.tag_ for t in inner)
                person_context = bool(_LONE_NAME_AFTER.match(text[end:end + 6])
                                      or _LONE_NAME_BEFORE.search(text[max(0, start - 8):start]))
                if honorific:
                    add(start, end, 0.9, True)
                elif person_context:
                    add(start, end, 0.75, True)
                elif not common_nouns_only:
                    add(start, end, 0.6, False)
        for m in regex.finditer(r"(?:くん|君|さん|ちゃん|様(?![子々式相態])|さま|先生|氏)", text):
            before = text[:m.start()].rstrip(" 　")
            if any(s < len(before) <= e for s, e in spans):
                continue
            run = _KATAKANA_RUN_BEFORE.search(before) or _KANJI_RUN_BEFORE.search(before)
            if not run:
                continue
            word = run.group(0)
            if word in _ROLE_WORDS or word in _KATAKANA_ROLES or _ROLE_SUFFIX.search(word):
                continue
            if any(word.endswith(role) for role in _KATAKANA_ROLES):
                continue
            add(run.start(), run.end(), 0.8, True)
        for start, end in katakana_full_names(text):
            if not any(s < end and start < e for s, e in spans):
                add(start, end, 0.75, False)
        for m in regex.finditer(r"(?:くん|君|さん|ちゃん|様(?![子々式相態])|さま|先生|氏)", text):
            latin = _LATIN_NAME_BEFORE.search(text[:m.start()].rstrip(" "))
            if latin and latin.group(0) not in _LATIN_ROLES and not (
                    latin.group(0).isupper() and len(latin.group(0)) <= 4):
                spans.setdefault((latin.start(), latin.end()), (0.8, True))
        for m in regex.finditer(r"(?:くん|君|さん|ちゃん|様(?![子々式相態])|さま)", text):
            if any(s < m.start() <= e for s, e in spans):
                continue
            run = _HIRAGANA_BEFORE_HONORIFIC.search(text[:m.start()])
            if not run:
                continue
            start = run.start()
            if start > 0 and _LEADING_PARTICLE.match(run.group(0)):
                start += 1  # SSWが|いのうえめい
            word = text[start:m.start()]
            if len(word) < 2 or _HIRAGANA_KIN.search(word) or word.startswith(("お", "ご")) \
                    or regex.search("さん|くん|ちゃん|さま", word):
                continue
            add(start, m.start(), 0.7, True)
        return [self.result(s, e, score, boosted) for (s, e), (score, boosted) in spans.items()]


_HONORIFIC_TAIL = regex.compile(r"[ 　]?(?:くん|君|さん|ちゃん|様|さま|先生|氏|殿)$")


@lru_cache(maxsize=1)
def _sudachi_dictionary():
    import sudachipy

    return sudachipy.Dictionary(dict="core")


@lru_cache(maxsize=4096)
def can_be_surname(word: str) -> bool:
    """True when SudachiPy's dictionary lists `word` as a surname (林, 森, 辻 are also nouns)."""
    return any(m.part_of_speech()[2:4] == ("人名", "姓") for m in _sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def is_place_name(word: str) -> bool:
    """True when SudachiPy's dictionary lists `word` as a place name (地名)."""
    return any(m.part_of_speech()[2] == "地名" for m in _sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def _lexical_kind(word: str) -> str:
    """'name' for a listed surname or given name, 'noun' for a common noun, else ''.

    SudachiPy also lists many katakana loanwords (データ, ケース) as foreign 人名-一般, so only
    姓 and 名 entries count as names.
    """
    pos = [m.part_of_speech() for m in _sudachi_dictionary().lookup(word)]
    if any(p[2] == "人名" and p[3] in ("姓", "名") for p in pos):
        return "name"
    if any(p[1] == "普通名詞" for p in pos):
        return "noun"
    return ""


_KATAKANA_PAIR = regex.compile(
    r"(?<![\p{Katakana}ー・])([\p{Katakana}ー]{2,8})[ 　・]([\p{Katakana}ー]{2,8})"
    r"(?=$|[ 　]*(?:方|様|さん|くん|ちゃん|氏|[(（、。,]))")


def katakana_full_names(text: str) -> list[tuple[int, int]]:
    """Spans like ナカムラ ヒロシ / マリア・サントス: two katakana words that are not common nouns."""
    found = []
    for m in _KATAKANA_PAIR.finditer(text):
        kinds = (_lexical_kind(m.group(1)), _lexical_kind(m.group(2)))
        if "noun" in kinds or m.group(1) in _KATAKANA_ROLES or m.group(2) in _KATAKANA_ROLES:
            continue
        found.append((m.start(), m.end()))
    return found


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces and a trailing honorific (GiNZA sometimes includes 様 in the entity)."""
    while start < end and text[start] in " 　・":
        start += 1
    tail = _HONORIFIC_TAIL.search(text[start:end])
    if tail and tail.start() > 0:
        end = start + tail.start()
    while end > start and text[end - 1] in " 　・":
        end -= 1
    return start, end


def _extend_kana_tail(text: str, end: int) -> int:
    """Include a kana tail the tokenizer split off a given name (たなか|ゆう|と|くん)."""
    tail = _KANA_TAIL.match(text[end:end + 8])
    return end + len(tail.group(0)) if tail else end


def _name_token_runs(nlp_artifacts: NlpArtifacts) -> list[tuple[int, int, int, str]]:
    """(start, end, token count, first tag) of runs of 人名-tagged tokens, spaces allowed inside."""
    runs: list[tuple[int, int, int, str]] = []
    current: list = []
    for token in nlp_artifacts.tokens:
        tag = getattr(token, "tag_", "")
        if "人名" in tag:
            current.append(token)
            continue
        if current and (tag.startswith("空白") or token.text.strip(" 　") == "") :
            continue
        if current:
            runs.append((current[0].idx, current[-1].idx + len(current[-1].text), len(current),
                         current[0].tag_))
            current = []
    if current:
        runs.append((current[0].idx, current[-1].idx + len(current[-1].text), len(current),
                     current[0].tag_))
    return runs
