"""Person names: GiNZA's NER and SudachiPy's 人名 tags, with honorifics and roles as context.

Candidate sources, each scored:
- runs of tokens SudachiPy tags 人名 (姓+名 such as 山田太郎, 山田 太郎, ヤマダ ハナコ), high with an
  honorific (くん・君・さん・ちゃん・様・先生・氏) or two parts, a lone surname with person context
  (吉田家, 林宅, 担当:辻), low otherwise;
- surnames and given names that are also common nouns (林の母, 弟の湊) in such context;
- GiNZA's Person entities, unless they consist of common nouns only (宛名番号);
- kanji, katakana, latin and hiragana words right before an honorific (心愛ちゃん, ハルトくん,
  Nguyenさん, いのうえめいくん), unless they are kinship or role words (お母さん, 校長先生);
- two katakana words that are not common nouns (ナカムラ ヒロシ).
Every candidate is dropped when it is part of a place or organization name (山田町, 佐藤病院,
和泉市子ども…) or the end of a role word split by the tokenizer (保|健師).
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.recognizers.person_context import (
    attendance_names,
    chat_handles,
    chat_speakers,
    clause_subjects,
    complete_spans,
    context_names,
    family_full_names,
    form_field_names,
    hangul_names,
    is_name_like,
    kana_to_tails,
    kin_and_enumerations,
    later_mentions,
    latin_names,
    merge_adjacent,
    nicknames,
    parent_messages,
    reading_names,
    readings_before_names,
    self_word_names,
    spaced_surnames,
    surname_forms,
    table_names,
    vocabulary,
)
from privacy.pii.recognizers.person_lexicon import (
    GIVEN_NAME_BEFORE,
    GIVEN_ROLE_SUFFIX,
    HONORIFIC,
    HONORIFIC_ANYWHERE,
    HONORIFIC_TAIL,
    KANA_HONORIFIC_ANYWHERE,
    KATAKANA_ROLES,
    LATIN_ROLES,
    LONE_NAME_AFTER,
    LONE_NAME_BEFORE,
    MUNICIPALITY_HEAD,
    NAME_AS_WORD,
    ORG_TAIL,
    ROLE_WORDS,
    can_be_given_name,
    can_be_surname,
    is_hiragana_kin,
    is_place_name,
    is_role_word,
    lexical_kind,
    org_after,
)

_NAME_TEXT = regex.compile(r"^[\p{Han}\p{Hiragana}\p{Katakana}ー々ヶ 　・]+$")
_KANJI_RUN_BEFORE = regex.compile(r"[\p{Han}々]{1,4}$")
_KATAKANA_RUN_BEFORE = regex.compile(r"[\p{Katakana}ー]{2,10}$")
_HIRAGANA_RUN_BEFORE = regex.compile(r"[\p{Hiragana}][\p{Hiragana}ー]{1,11}$")  # みーちゃん
_PREVIOUS_NAME = regex.compile(r".*(?:くん|さん|ちゃん|さま)[とや、]?")
_TRAILING_PARTICLE = regex.compile(r"[がをにはもへで]$")  # 子どもが|ちゃんと: not a name
_WORD_GOES_ON = regex.compile(r"さま(?:ざ|た|よ)|くんれん")  # さまざま, さまたげ, くんれん
_LATIN_RUN_BEFORE = regex.compile(
    r"(?<![A-Za-z])[A-Za-z][A-Za-z'\-]{1,19}(?:[ ][A-Za-z][A-Za-z'\-]{1,19})?$")
_LEADING_PARTICLE = regex.compile(r"^[がはをにともへの]")
_SPACED_KANA_GIVEN = regex.compile(
    r"^[ 　](?:[\p{Hiragana}]{1,5}|[\p{Katakana}ー]{1,6})"
    r"(?=$|[ 　、。,.()（）「」:：;；\p{Han}]|くん|君|さん|ちゃん|様)")
_SPACED_KANJI_GIVEN = regex.compile(
    r"^[ 　][\p{Han}々]{1,3}(?=$|[ 　、。,.()（）「」:：;；]|くん|君|さん|ちゃん|様)")
_KANA_TAIL = regex.compile(
    r"^(?![のはがをにへもおでや])[\p{Hiragana}\p{Katakana}ー]{1,3}(?=[ 　]?(?:くん|君|さん|ちゃん|様|さま))")
_KATAKANA_PAIR = regex.compile(
    r"(?<![\p{Katakana}ー・])([\p{Katakana}ー]{2,8})[ 　・]([\p{Katakana}ー]{2,8})"
    r"(?=$|[ 　]*(?:方|様|さん|くん|ちゃん|氏|[(（、。,]))")
_HAN = regex.compile(r"\p{Han}")
_PUBLIC_BODY_BEFORE = regex.compile(r"(?:[市町村府県都道国区]立|私立|学校法人)[\p{Han}\p{Katakana}]{0,3}$")
_BARE_NAME_AFTER = regex.compile(r"^(?:[がはと、]|も[^のう])")
_BARE_NAME_BEFORE = regex.compile(r"[\s、。「」()（）:：・]")


def _name_parts(found: _Candidates, nlp_artifacts: NlpArtifacts | None) -> list[tuple[int, int]]:
    """Given-name and surname tokens (2+ characters) inside the names found (山本|陽菜)."""
    if nlp_artifacts is None:
        return []
    parts = []
    names = [(s, e) for (s, e), (score, _) in found.spans.items() if score >= 0.5]
    for token in nlp_artifacts.tokens:
        start, end = token.idx, token.idx + len(token.text)
        if "人名" in token.tag_ and len(token.text) >= 2 and \
                any(s <= start and end <= e and (s, e) != (start, end) for s, e in names):
            parts.append((start, end))
    return parts


class _Candidates:
    """Name spans found so far, filtered on insertion; the best score per span wins."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: dict[tuple[int, int], tuple[float, bool]] = {}

    def add(self, start: int, end: int, score: float, boosted: bool) -> None:
        text = self.text
        start, end = _strip(text, start, end)
        bracket = regex.search(r"[（(]", text[start:end])
        if bracket and bracket.start() > 0:
            end = start + bracket.start()  # 吉川（けが）: one token in the tagger's dictionary
        org = ORG_TAIL.search(text[start:end])
        if org:
            end = start + org.start()
        word = text[start:end]
        if start >= end or not _NAME_TEXT.match(word):
            return
        if start > 0 and _HAN.match(text[start - 1]) and GIVEN_ROLE_SUFFIX.search(word):
            return  # 保|健師: the end of a role word, not a name
        if org_after(text, end) or NAME_AS_WORD.match(text[end:end + 6]):
            return
        if text[end:end + 1] in "」』" and (org_after(text, end + 1)
                                           or _QUOTED_ROOM_AFTER.match(text[end + 1:end + 5])):
            return  # 「ゆうあい」相談室: a room's or a group's name in quotes
        if _PUBLIC_BODY_BEFORE.search(text[max(0, start - 8):start]):
            return  # 和泉市立南松尾はつが野学園: part of a school's name
        municipality = MUNICIPALITY_HEAD.match(word)
        if municipality and municipality.end() < len(word) and is_place_name(municipality.group(1)):
            return  # 和泉市|子ども: a city name read as a given name
        if word in ROLE_WORDS or word in KATAKANA_ROLES:
            return
        old = self.spans.get((start, end))
        if old is None or old[0] < score:
            self.spans[(start, end)] = (score, boosted)

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)

    def covers_end(self, position: int) -> bool:
        """True when a span ends at or contains `position` (an honorific right after a name)."""
        return any(s < position <= e for s, e in self.spans)


class PersonRecognizer(JaRegexRecognizer):
    """Names from the NLP artifacts (GiNZA doc) plus honorific patterns on the raw text."""

    ENTITY = "PERSON"
    PATTERNS = []
    # Field names (the column name during a mart scan); honorifics are handled in analyze().
    CONTEXT = ["氏名", "名前", "児童名", "生徒名", "保護者名", "世帯主", "フリガナ", "ふりがな", "カナ"]

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        return None  # names come from analyze(), not from regexes

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        found = _Candidates(text)
        if nlp_artifacts is not None:
            ner_spans = [(e.start_char, e.end_char) for e in nlp_artifacts.entities
                         if e.label_ == self.ENTITY]
            _from_name_tokens(found, nlp_artifacts, ner_spans)
            _from_name_lexicon(found, nlp_artifacts)
            _from_ner(found, nlp_artifacts, ner_spans)
        _before_honorifics(found)
        _katakana_pairs(found)
        _latin_before_honorifics(found)
        _hiragana_before_honorifics(found)
        context_names(found)
        clause_subjects(found)
        parent_messages(found)
        table_names(found)
        surname_forms(found)
        token_starts = frozenset(t.idx for t in nlp_artifacts.tokens) if nlp_artifacts is not None else None
        kin_and_enumerations(found, token_starts)
        latin_names(found)
        hangul_names(found)
        family_full_names(found)
        reading_names(found)
        chat_speakers(found)
        chat_handles(found)
        self_word_names(found)
        attendance_names(found)
        _glued_to_role(found)
        complete_spans(found)
        spaced_surnames(found)
        kana_to_tails(found)
        form_field_names(found)
        readings_before_names(found)
        nicknames(found)
        parts = _name_parts(found, nlp_artifacts)
        later_mentions(found, parts)
        before = len(found.spans)
        kin_and_enumerations(found, token_starts)  # 海と空: a list that starts with a later mention
        if len(found.spans) != before:
            later_mentions(found, parts)
        merge_adjacent(found)
        return [self.result(s, e, score, boosted)
                for (s, e), (score, boosted) in found.spans.items()
                if not _NOT_A_NAME.match(text[s:e]) and not _PLACE_NAME_AFTER.match(text[e:e + 8])
                and not _adjective_before_noun(text, s, e) and not _kanji_inside_a_word(text, s, e)
                and not _spaced_common_word(text[s:e]) and not _HIRAGANA_PLACE_AFTER.match(text[e:e + 6])
                and not (text[e:e + 1] in "」』" and _QUOTED_ROOM_AFTER.match(text[e + 1:e + 5]))
                and not _not_a_person(text, s, e)]


# Form values that are no name (住所：未記入　氏名：未記入) and places named after people (泉井上神社, 信太山駅前).
_NOT_A_NAME = regex.compile(r"^(?:未記入|記入なし|空欄|不明|なし|記載なし|該当なし|非該当|同上)(?:[ 　].*)?$|.*(?:駅前|駅|プラザ|乳児院)$"
                            r"|^\p{Han}{2,3}小$"  # 東川小: a school's short name
                            r"|^\p{Hiragana}{2,4}(?:が|ヶ)?野$")  # あゆみ野: a town's name
_PLACE_NAME_AFTER = regex.compile(
    r"^[\p{Han}]{0,2}(?:神社|寺|院|公園|駅|美術館|記念館|会館|病院|小学校|中学校|高校|保育園|幼稚園|こども園|"
    r"ひろば|広場|橋|川|池|山)(?![\p{Han}]{2})")


# 大字坪井, 字中ノ坪: a name right after 大字 / 字 is a district's name
_DISTRICT_BEFORE = regex.compile(r"(?:大字|小字|(?<![\p{Han}])字)$")
# 北部・中部・南部 (a part of the city), 要対協 (要保護児童対策地域協議会): words the tagger reads as names
_COMMON_WORD = regex.compile(r"^(?:[東西南北中][部区]|要対協|要保護|要支援)$")
# 「佐藤」「鈴木」「高橋」など / 「徳川家康と岡崎」「紫式部と源氏物語」: examples or titles listed in quotes
_QUOTED_RUN = regex.compile(r"(?:「[^「」\n]{1,16}」[、・,，]?){3,}|(?:「[^「」\n]{1,16}」[、・,，]?){2,}(?=など|等|といった)")
# 外字（𠮷、﨑、髙、德など）: single characters listed as characters
_CHAR_LIST = regex.compile(r"(?:[（(「]|^)(?:\S[、,，・]){2,}\S(?:など|等|[)）」])")
# 食堂 そら, 学童クラブ ひまわり: a facility's name after its kind
_FACILITY_BEFORE = regex.compile(r"(?:食堂|クラブ|児童館|カフェ|サロン|文庫|ひろば|広場|ホーム)[ 　]?$")
_ORG_INSIDE = regex.compile(r"銀行|信用金庫|株式会社|有限会社|工務店")
# ﾃｲｼ ｼﾏｽ (a half-width katakana notice): a verb form is no name
_KATAKANA_VERB = regex.compile(r"(?:マス|マセン|マシタ|デス|デシタ|クダサイ|ナイ)$")


def _not_a_person(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    if _DISTRICT_BEFORE.search(text[max(0, start - 2):start]) or _COMMON_WORD.match(word):
        return True
    if _FACILITY_BEFORE.search(text[max(0, start - 6):start]) or _KATAKANA_VERB.search(word):
        return True
    if _ORG_INSIDE.search(word) or (len(word) == 1 and end < len(text) and text[end] in "いく" and text[end:end + 2] != "くん"):
        return True  # 三井住友銀行和泉(支店); 同姓が多い: an adjective's stem
    for rx in (_QUOTED_RUN, _CHAR_LIST):
        for m in rx.finditer(text, max(0, start - 120), min(len(text), end + 120)):
            if m.start() <= start and end <= m.end():
                return True
    return False


# 「あおい空の下」: a kana name that is also an adjective (青い), right before a noun, is that adjective.
_KANJI_HONORIFIC_OR_KIN = regex.compile(r"^(?:君|様|氏|先生|殿|母|父|兄|姉|弟|妹|本人|宅|家)")


def _kanji_inside_a_word(text: str, start: int, end: int) -> bool:
    """「【仕様メモ】」: one or two kanji read as a name, right after a bracket and before more of the word, are part of it."""
    return (end - start <= 2 and start > 0 and text[start - 1] in "【［[〔" and end < len(text)
            and regex.match(r"[\p{Han}\p{Katakana}]", text[end]) is not None
            and not (_KANJI_HONORIFIC_OR_KIN.match(text[end:]) and regex.match(r".[】］\]〕、。 　)）]|.$", text[end:end + 2])))


# 「はつが野・あゆみ野・いぶき野の3地区」: a hiragana town name ending in 野 is a place
_HIRAGANA_PLACE_AFTER = regex.compile(r"^(?:が|ヶ|ケ)?野(?:[・、,，の)）]|地区|町|$)")
_SPACED_CHARS = regex.compile(r"\S(?:[ 　]\S)+")


def _spaced_common_word(word: str) -> bool:
    """「太 枠 内 を 記 入」「不 登 校」 (an OCR'd form, a space between every character): a common word or a
    word and its particle, read across the spaces, is no name; 高 橋 (a surname) still is."""
    if not _SPACED_CHARS.fullmatch(word):
        return False
    joined = regex.sub(r"[ 　]", "", word)
    if joined[-1] in "をはがのにでともへや":
        return True
    return lexical_kind(joined) == "noun" and not can_be_surname(joined) and not can_be_given_name(joined)


def _adjective_before_noun(text: str, start: int, end: int) -> bool:
    word = text[start:end]
    return (len(word) >= 3 and regex.fullmatch(r"\p{Hiragana}+い", word) is not None and end < len(text)
            and regex.match(r"\p{Han}", text[end]) is not None and not _KANJI_HONORIFIC_OR_KIN.match(text[end:]))


_QUOTED_ROOM_AFTER = regex.compile(r"(?:相談室|相談所|支援室|ルーム|ひろば|広場|サロン|カフェ|食堂)")
_SCHOOL_LEVELS = regex.compile(r"^[小中高大]{2,3}$")
_WEEKDAY = regex.compile(r"^[月火水木金土日祝](?:[・･][月火水木金土日祝])*$")


_ROLE_RIGHT_BEFORE = regex.compile(
    r"(?:担任|担当|助産師|保健師|看護師|保育士|相談員|支援員|指導員|養護教諭|園長|校長|教頭|主任|"
    r"支援室|相談室|支援課|福祉課|推進課|SSW|SC|CW)$")


_ROLE_THEN_SURNAME = regex.compile(
    r"(?:担任|副担任|担当|校長|教頭|主任|養護教諭|教諭|保健師|相談員|支援員|指導主事|SSW|SC|CW)"
    r"(?P<w>[\p{Han}々]{2,3})(?=[ 　、。，,（()）]|より|から|先生|です|$)")


def _glued_to_role(found: _Candidates) -> None:
    """A surname written right after a role (担任中山より, 担任中山 彩): the tagger reads 中 as a suffix."""
    text = found.text
    for m in _ROLE_THEN_SURNAME.finditer(text):
        start, end = m.span("w")
        if is_role_word(m.group("w")) or not can_be_surname(m.group("w")):
            continue
        inside = [(s, e) for s, e in found.spans if s < end and start < e]
        if not inside:
            found.add(start, end, 0.75, True)
        elif all(start <= s for s, _ in inside):  # 担任中|山 彩: the tagger read a name from 山 or 中
            new_end = max(end, *(e for _, e in inside))
            score = max(0.75, *(found.spans.pop(span)[0] for span in inside))
            found.spans[(start, new_end)] = (score, True)


def _person_context(text: str, start: int, end: int, after: int = 6) -> bool:
    if LONE_NAME_AFTER.match(text[end:end + after]):
        return True
    before = LONE_NAME_BEFORE.search(text[max(0, start - 8):start])
    if before and before.group(0) in "(（":  # 担当（林）, not （髙と高、…） or 12月18日（金） or （小中）
        return text[end:end + 1] in ")）、" and not _WEEKDAY.match(text[start:end]) \
            and not _SCHOOL_LEVELS.match(text[start:end])
    if text[end:end + 1] in ":：" and regex.search(r"(?:^|\n|[ 　])→[ 　]?$", text[max(0, start - 3):start]):
        return True  # 議事録の → 山口：就学援助の案内 (who does what next)
    return bool(before)


def _from_name_tokens(found: _Candidates, nlp_artifacts: NlpArtifacts,
                      ner_spans: list[tuple[int, int]]) -> None:
    text = found.text
    for start, end, count, tag in _name_token_runs(nlp_artifacts):
        bracket = regex.search(r"[（(]", text[start + 1:end])
        if bracket:
            end = start + 1 + bracket.start()  # 吉川（けが）: one token in the tagger's dictionary
        if count == 1 and "人名-姓" not in tag and start > 0 and _HAN.match(text[start - 1]) \
                and GIVEN_ROLE_SUFFIX.search(text[start:end]):
            continue  # 保|健師: a role word split by the tokenizer
        spaced = _SPACED_KANA_GIVEN.match(text[end:end + 8])
        if not spaced and count == 1 and "人名-姓" in tag:
            spaced = _SPACED_KANJI_GIVEN.match(text[end:end + 6])  # 菊地 蒼空
        if spaced:
            end, count = end + len(spaced.group(0)), count + 1
        end = _extend_kana_tail(text, end)
        if HONORIFIC.match(text[end:end + 4]):
            found.add(start, end, 0.95, True)
        elif count >= 2:
            found.add(start, end, 0.85, False)
        elif _person_context(text, start, end, after=3):
            found.add(start, end, 0.75, True)
        elif any(s < end and start < e for s, e in ner_spans):
            found.add(start, end, 0.7, False)
        elif (end - start >= 2 or "人名-名" in tag) and _BARE_NAME_AFTER.match(text[end:end + 2]) and (
                start == 0 or _BARE_NAME_BEFORE.match(text[start - 1])):
            found.add(start, end, 0.6, False)  # 奏太は…, 陽菜が…: a listed name as the subject
        elif "人名-名" in tag and end - start >= 2 and _surname_and_space_before(text, start):
            found.add(start, end, 0.75, True)  # 母東 真由です: the surname read as a noun
        else:
            # A lone one-kanji word in running prose (異体字（髙と高…）) gets no lift from field words
            # such as 氏名 nearby; in a short value (a mart cell, 氏名：林) it still does.
            found.add(start, end, 0.35, end - start == 1 and len(text) > 80)


_KANJI_BEFORE_SPACE = regex.compile(r"([\p{Han}々]{1,3})[ 　]$")


def _surname_and_space_before(text: str, start: int) -> bool:
    m = _KANJI_BEFORE_SPACE.search(text, max(0, start - 4), start)
    return m is not None and any(can_be_surname(m.group(1)[-k:]) for k in (1, 2) if k <= len(m.group(1)))


def _from_name_lexicon(found: _Candidates, nlp_artifacts: NlpArtifacts) -> None:
    """Names the tagger read as common nouns, when person context surrounds them.

    Surnames: 林の母, 森宅, 担当:辻. Given names after a kinship word: 弟の湊, 双子、湊と陸.
    """
    text = found.text
    previous_given = -1
    for token in nlp_artifacts.tokens:
        start, end = token.idx, token.idx + len(token.text)
        if "人名" in token.tag_ or not regex.fullmatch(r"\p{Han}{1,3}", token.text):
            continue
        glued = start > 0 and regex.match(r"[\p{Han}\p{Katakana}A-Za-z0-9]", text[start - 1]) is not None
        if glued and not (_ROLE_RIGHT_BEFORE.search(text, max(0, start - 6), start) and can_be_surname(token.text)):
            continue  # 子育て支援室|大橋, 助産師|北野: a staff name right after the role
        if _person_context(text, start, end) and can_be_surname(token.text):
            found.add(start, end, 0.75, True)
        elif can_be_given_name(token.text) and (
                GIVEN_NAME_BEFORE.search(text[max(0, start - 6):start])
                or (previous_given >= 0 and text[previous_given:start] in ("と", "、", "・"))):
            found.add(start, end, 0.75, True)
            previous_given = end


def _from_ner(found: _Candidates, nlp_artifacts: NlpArtifacts,
              ner_spans: list[tuple[int, int]]) -> None:
    text = found.text
    for start, end in ner_spans:
        start, end = _strip(text, start, end)
        if any(s <= start and end <= e for s, e in found.spans):
            continue
        end = _extend_kana_tail(text, end)
        inner = [t for t in nlp_artifacts.tokens if start <= t.idx < end and t.text.strip(" 　")]
        common_nouns_only = bool(inner) and all("普通名詞" in t.tag_ for t in inner)
        if inner and all(t.tag_.startswith("動詞") for t in inner):
            continue  # 各校の見守り対象: a verb the NER read as a person
        if inner and all("地名" in t.tag_ for t in inner) and text[end - 1] in "都道府県市区町村郡":
            continue  # 春木町の祖父宅: a place the NER read as a person (石川 stays a surname)
        if HONORIFIC.match(text[end:end + 4]):
            found.add(start, end, 0.9, True)
        elif _person_context(text, start, end):
            found.add(start, end, 0.75, True)
        elif not common_nouns_only:
            found.add(start, end, 0.6, False)
        elif _HAN.match(text[start]) and is_name_like(text[start:end]) and _BARE_NAME_AFTER.match(text[end:end + 2]):
            found.add(start, end, 0.6, False)  # クラスの優斗、: name kanji the tagger split into nouns


def _before_honorifics(found: _Candidates) -> None:
    """Kanji or katakana words right before an honorific (心愛ちゃん, ハルトくん)."""
    text = found.text
    for m in HONORIFIC_ANYWHERE.finditer(text):
        before = text[:m.start()].rstrip(" 　")
        if found.covers_end(len(before)):
            continue
        run = _KATAKANA_RUN_BEFORE.search(before) or _KANJI_RUN_BEFORE.search(before)
        if run is None or is_role_word(run.group(0)):
            continue
        if run.start() > 0 and text[run.start() - 1] in "おご":
            continue  # お世話さま, ご主人さま, お客さん: polite words, not names
        found.add(run.start(), run.end(), 0.8, True)


def _katakana_pairs(found: _Candidates) -> None:
    """Two katakana words that are not common nouns (ナカムラ ヒロシ)."""
    for m in _KATAKANA_PAIR.finditer(found.text):
        kinds = (lexical_kind(m.group(1)), lexical_kind(m.group(2)))
        if "noun" in kinds or m.group(1) in KATAKANA_ROLES or m.group(2) in KATAKANA_ROLES:
            continue
        if not found.overlaps(m.start(), m.end()):
            found.add(m.start(), m.end(), 0.75, False)


def _latin_before_honorifics(found: _Candidates) -> None:
    """Names in latin letters before an honorific (Nguyenさん), not acronyms (SSWさん)."""
    text = found.text
    for m in HONORIFIC_ANYWHERE.finditer(text):
        latin = _LATIN_RUN_BEFORE.search(text[:m.start()].rstrip(" "))
        if latin is None:
            continue
        word = latin.group(0)
        if word in LATIN_ROLES or (word.isupper() and len(word) <= 4):
            continue
        found.spans.setdefault((latin.start(), latin.end()), (0.8, True))


def _hiragana_before_honorifics(found: _Candidates) -> None:
    """Hiragana names before an honorific (そうたちゃん, SSWが|いのうえめいくん)."""
    text = found.text
    for m in KANA_HONORIFIC_ANYWHERE.finditer(text):
        if found.covers_end(m.start()) or _WORD_GOES_ON.match(text[m.start():m.end() + 2]):
            continue
        honorific_start = m.start()
        if text[honorific_start - 1:honorific_start] in (" ", "　") and honorific_start >= 3 \
                and regex.match(r"\p{Hiragana}", text[honorific_start - 2]):
            honorific_start -= 1  # あさひ くん: one space before the honorific
        run = _HIRAGANA_RUN_BEFORE.search(text[max(0, honorific_start - 12):honorific_start])
        if not run:
            continue
        offset = max(0, honorific_start - 12)
        start = offset + run.start()
        previous = _PREVIOUS_NAME.search(text[start:m.start()])
        if previous:
            start += previous.end()  # はるとくんと|ゆうとくん
        elif start > offset and _LEADING_PARTICLE.match(run.group(0)):
            start += 1
        word = text[start:honorific_start]
        if len(word) < 2 or is_hiragana_kin(word) or word.startswith(("お", "ご")) \
                or _TRAILING_PARTICLE.search(word) or (honorific_start < m.start() and word in vocabulary().hiragana_not_names):
            continue
        found.add(start, honorific_start, 0.7, True)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces and a trailing honorific (GiNZA sometimes includes 様 in the entity)."""
    while start < end and text[start] in " 　・":
        start += 1
    tail = HONORIFIC_TAIL.search(text[start:end])
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
        if current and (tag.startswith("空白") or token.text.strip(" 　") == ""):
            continue
        if current:
            runs.append((current[0].idx, current[-1].idx + len(current[-1].text), len(current),
                         current[0].tag_))
            current = []
    if current:
        runs.append((current[0].idx, current[-1].idx + len(current[-1].text), len(current),
                     current[0].tag_))
    return runs
