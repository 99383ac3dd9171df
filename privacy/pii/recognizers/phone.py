"""Japanese phone numbers (fixed and mobile), validated with `phonenumbers` (region JP).

Accepts 090-1234-5678, 0725(41)1234, (0725)41-1234, 03 1234 5678, 09012345678, +81-90-1234-5678,
full-width digits and the dash variants people type.
"""

from __future__ import annotations

import phonenumbers
import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DASH, DIGIT, NOT_ALNUM_AFTER, NOT_ALNUM_BEFORE, near, normalize

_SEP = rf"(?:{DASH}|[ 　.．]|[)）])"
# A local number without its area code (41-2345) counts only right after a phone word.
_LOCAL = regex.compile(rf"(?:電話|TEL|Tel|tel|ＴＥＬ|携帯|連絡先|☎|℡)[ 　]*(?:番号)?[ 　:：]*"
                       rf"(?P<v>{DIGIT}{{2,4}}{DASH}{DIGIT}{{4}})(?!{DASH}|{DIGIT}){NOT_ALNUM_AFTER}")
_ORGANIZATION_AFTER = regex.compile(
    r"^[ 　]?(?:[(（][^)）]{0,10})?(?:市役所|役所|役場|代表|直通|窓口|センター|相談所|事務所|学校|保育園|病院|課|室)")
_OPEN = "[(（]"
# A number starts after no letter or digit, or right after a phone label (TEL08012345678).
_START = rf"(?:{NOT_ALNUM_BEFORE}|(?<=TEL|Tel|tel|ＴＥＬ|Ｔｅｌ|FAX|Fax|ＦＡＸ))"
# Mobile and IP-phone shapes (070/080/090/050 + 8 digits) are phone numbers even where the
# numbering plan in `phonenumbers` has no block for them yet (090-0123-4567).
_MOBILE_SHAPE = regex.compile(r"^0[5789]0[0-9]{8}$")
_CLOSE = "[)）]"
# Digits written in kanji inside a number (080-2291-五五六三, 〇九〇-…), positional only.
_KANJI_DIGIT = "〇一二三四五六七八九"
_KD = f"[0-9０-９{_KANJI_DIGIT}]"
_KANJI_TO_ASCII = str.maketrans(_KANJI_DIGIT, "0123456789")
# An office's landline: the office is named earlier in the sentence (…支援センターの相談受付は平日9時〜17時、
# 電話0725-…), with no person's home or phone word between them.
_SENTENCE_BEFORE = regex.compile(r"[^。\n]{0,40}$")
_PERSONAL_WORDS = regex.compile(r"自宅|宅|家(?!庭)|母|父|祖母|祖父|本人|携帯|保護者|さん|くん|ちゃん|\b(?:my|My|home|mobile|cell)\b")


class PhoneRecognizer(JaRegexRecognizer):
    ENTITY = "PHONE_NUMBER"
    PATTERNS = [
        # 0AA-BBBB-CCCC with separators (incl. 0725(41)1234 and 090 1234 5678)
        (rf"{_START}(?:[+＋][8８][1１][ 　]?{DASH}?[ 　]?|{_OPEN})?[0０]?{DIGIT}{{1,4}}"
         rf"(?:{_SEP}|{_OPEN}){{1,2}}{DIGIT}{{1,4}}(?:{_SEP}){{1,2}}{DIGIT}{{4}}{NOT_ALNUM_AFTER}"),
        # bare 10 or 11 digits starting with 0 (TEL08012345678 too)
        rf"{_START}[0０]{DIGIT}{{9,10}}{NOT_ALNUM_AFTER}",
        # with kanji digits (080-2291-五五六三, 〇九〇の七三九二の三〇七五): dashes or の between the groups
        # 〇七二五（四四）三九一八: the area code's brackets
        (rf"(?<![0-9０-９{_KANJI_DIGIT}])[0０〇]{_KD}{{1,4}}(?:{DASH}|の|[（(]){_KD}{{1,4}}(?:{DASH}|の|[）)]){_KD}{{4}}"
         rf"(?![0-9０-９{_KANJI_DIGIT}])"),
        # all in kanji digits, no separator: 〇九〇一二三四五六七八
        rf"(?<![0-9０-９{_KANJI_DIGIT}])〇[{_KANJI_DIGIT}]{{9,10}}(?![0-9０-９{_KANJI_DIGIT}])",
    ]
    CONTEXT = ["電話", "TEL", "携帯", "連絡先", "番号"]
    _CONTEXT_WORDS = ("電話", "TEL", "Tel", "tel", "ＴＥＬ", "携帯", "連絡先", "☎", "℡", "FAX", "ファックス")
    # Numbers of offices and hotlines are not personal.
    _ORGANIZATION_WORDS = ("市役所", "役所", "役場", "代表", "窓口", "センター", "ダイヤル", "相談所", "支援室", "相談室", "直通",
                           "事務所", "課", "学校", "保育園", "病院", "内線",
                           # public hotlines (よりそいホットライン, いのちの電話（大阪）)
                           "ホットライン", "いのちの電話", "相談ダイヤル", "相談窓口",
                           # English notices (Please contact the Child and Family Center at 0725-…)
                           "Center", "Centre", "Office", "School", "City Hall", "Department", "Hotline", "Help Desk", "Clinic", "Hospital")
    _NON_PERSONAL_PREFIXES = ("0120", "0570", "0800", "0180", "0990")
    _OTHER_ID_WORDS = ("宛名", "住民番号", "学籍", "生徒番号", "マイナンバー", "個人番号", "郵便")

    def __init__(self, id_labels: tuple[str, ...] = ()) -> None:
        super().__init__()
        # Labels of local identifiers (id_formats.yaml: 住基番号, 世帯番号 …): a bare digit run
        # after one of them is that identifier, not a phone number.
        self._other_id_words = tuple(dict.fromkeys(self._OTHER_ID_WORDS + tuple(id_labels)))

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts)
        if self.ENTITY not in entities:
            return results
        for m in _LOCAL.finditer(text):
            start, end = m.span("v")
            if any(r.start < end and start < r.end for r in results) or \
                    near(text, start, end, self._ORGANIZATION_WORDS, before=12, after=0) or \
                    _ORGANIZATION_AFTER.match(text[end:end + 12]):
                continue
            results.append(self.result(start, end, 0.8, True))
        return results

    def _office_landline(self, text: str, start: int, number: str) -> bool:
        digits = "".join(ch for ch in number if ch.isdigit())
        if digits.startswith(("070", "080", "090", "050")):
            return False  # a mobile number is a person's, whatever office is named before it
        sentence = _SENTENCE_BEFORE.search(text[:start])
        before = sentence.group(0) if sentence else ""
        office = max((before.rfind(w) for w in self._ORGANIZATION_WORDS), default=-1)
        return office >= 0 and not _PERSONAL_WORDS.search(before[office:])

    def adjust_span(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Drop an opening parenthesis that encloses the whole number: (090-1234-5678)."""
        if text[start] in "(（" and not regex.search(r"[)）]", text[start:min(end, start + 7)]):
            start += 1
        return start, end

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        raw = normalize(text[start:end]).translate(_KANJI_TO_ASCII)
        candidate = raw.replace("＋", "+").replace("の", "-")
        try:
            number = phonenumbers.parse(candidate, "JP")
        except phonenumbers.NumberParseException:
            return None
        if number.country_code != 81 or not (
                phonenumbers.is_valid_number(number) or _MOBILE_SHAPE.match("0" + str(number.national_number))):
            return None
        # 080-0415-4479 is a mobile number; 0800-123-4567 (grouped 4-3-4) and bare 0800… are toll-free
        mobile = bool(_MOBILE_SHAPE.match("0" + str(number.national_number))) and bool(
            regex.match(r"^\D*(?:81\D*)?0?[5789]0\D", candidate))
        if not mobile and phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.NATIONAL).startswith(self._NON_PERSONAL_PREFIXES):
            return None
        if near(text, start, end, self._ORGANIZATION_WORDS, before=12, after=0) or \
                _ORGANIZATION_AFTER.match(text[end:end + 12]) or self._office_landline(text, start, candidate):
            return None
        has_context = near(text, start, end, self._CONTEXT_WORDS, before=12, after=6)
        bare = candidate.isdigit()
        if bare and near(text, start, end, self._other_id_words, before=12, after=6):
            return None
        if has_context:
            return 0.95, True
        return (0.6 if bare else 0.85), False
