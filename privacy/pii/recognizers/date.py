"""Personal dates (birth dates and dated events about a person) in 西暦 and 和暦.

Flags full dates (令和2年5月1日, H28.7.21, 2017/02/14, 平成三十年四月一日生まれ) and year-month or
month-day dates next to birth words (平成28年7月生まれ, 7月21日生). Dates that anchor a criterion
(「4月1日時点」, 「令和6年4月1日以降」, 「…から…まで」) and bare durations are not personal.
"""

from __future__ import annotations

import datetime

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import DIGIT, KANJI_DIGITS, NOT_ALNUM_AFTER, kanji_to_int, near, normalize, table_cells

_N = rf"(?:{DIGIT}{{1,2}}|[{KANJI_DIGITS}]{{1,3}})"
_Y = rf"(?:{DIGIT}{{1,2}}|[{KANJI_DIGITS}]{{1,4}}|元)"
_ERA = "(?:明治|大正|昭和|平成|令和)"
_ERA_ABBR = "[MTSHRmtshrＭＴＳＨＲｍｔｓｈｒ]"
_ERA_KANJI = "[明大昭平令]"
_SEP = r"[./／．\-－・]"
_S = r"[ 　]?"
_WESTERN_YEAR = rf"(?:(?:19|20|１９|２０){DIGIT}{{2}}|[一二][〇九零][{KANJI_DIGITS}]{{2}})"
_NO_DIGIT_BEFORE = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"

FULL_DATE_PATTERNS = [
    rf"{_ERA}{_S}{_Y}{_S}年{_S}{_N}{_S}月{_S}{_N}{_S}日",
    rf"{_ERA}{_S}(?:{DIGIT}{{1,2}}|元){_SEP}{DIGIT}{{1,2}}{_SEP}{DIGIT}{{1,2}}{NOT_ALNUM_AFTER}",
    rf"{_NO_DIGIT_BEFORE}{_ERA_ABBR}[.．]?{_S}{DIGIT}{{1,2}}{_SEP}{_S}{DIGIT}{{1,2}}{_SEP}{_S}{DIGIT}{{1,2}}{NOT_ALNUM_AFTER}",
    # 辻優奈（平27.9.16）, 昭55.1.30: the era's first kanji
    rf"(?<=[（(、,：: 　]|^){_ERA_KANJI}{DIGIT}{{1,2}}{_SEP}{DIGIT}{{1,2}}{_SEP}{DIGIT}{{1,2}}{NOT_ALNUM_AFTER}",
    rf"{_NO_DIGIT_BEFORE}{_ERA_ABBR}[.．]?{_S}{DIGIT}{{1,2}}{_S}年{_S}{_N}{_S}月{_S}{_N}{_S}日",
    rf"{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}{_S}年{_S}{_N}{_S}月{_S}{_N}{_S}日",
    # 2016年（平成28年）2月29日: the era year in brackets
    rf"{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}{_S}年{_S}[（(]{_ERA}{_S}{_Y}{_S}年[)）]{_S}{_N}{_S}月{_S}{_N}{_S}日",
    rf"{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}[/／.．\-－]{DIGIT}{{1,2}}[/／.．\-－]{DIGIT}{{1,2}}{NOT_ALNUM_AFTER}",
]
# 和暦 written without the era (30.4.2生, 30年4月2日生まれ, 生年月日：27.11.3): personal only next
# to birth words.
ERALESS_DATE_PATTERN = (rf"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ/／.．\-－{KANJI_DIGITS}]|{_ERA}|{_ERA_ABBR})"
                        rf"(?:['’‘]?{DIGIT}{{1,2}}[./／．]{DIGIT}{{1,2}}[./／．]{DIGIT}{{1,2}}(?![0-9０-９./／．\-－])"
                        rf"|{DIGIT}{{1,2}}{_S}年{_S}{_N}{_S}月{_S}{_N}{_S}日)")
# A birth year only, right before 生まれ / 生 (平成30年生まれ, H30生); not 年度 (a cohort).
BIRTH_YEAR_PATTERN = (rf"(?:{_ERA}{_S}{_Y}{_S}年|{_NO_DIGIT_BEFORE}{_ERA_ABBR}[.．]?{DIGIT}{{1,2}}年?"
                      rf"|{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}{_S}年)(?=[ 　]?(?:生まれ|生れ|生(?![活徒産命]))"
                      rf"(?![^。、]{{0,2}}(?:以降|以前|以後|から|まで|〜|～|~)))")
# Year-month and month-day dates (pattern, ends with a day): personal only next to birth words.
PARTIAL_DATE_PATTERNS = [
    (rf"{_ERA}{_S}{_Y}{_S}年{_S}{_N}{_S}月(?![{KANJI_DIGITS}0-9０-９ 　]*日)", False),
    (rf"{_NO_DIGIT_BEFORE}{_ERA_ABBR}[.．]?{_S}{DIGIT}{{1,2}}{_SEP}{DIGIT}{{1,2}}(?![0-9０-９./／．\-－])", False),
    (rf"{_NO_DIGIT_BEFORE}{_ERA_ABBR}[.．]?{_S}(?:{DIGIT}{{1,2}}|元){_S}年{_S}{_N}{_S}月(?![{KANJI_DIGITS}0-9０-９ 　]*日)", False),
    (rf"{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}{_S}年{_S}{_N}{_S}月(?![{KANJI_DIGITS}0-9０-９ 　]*日)", False),
    (rf"{_NO_DIGIT_BEFORE}{_WESTERN_YEAR}[/／.．\-－]{DIGIT}{{1,2}}(?![0-9０-９./／．\-－])", False),
    (rf"(?<![年0-9０-９{KANJI_DIGITS}]{_S}){_N}{_S}月{_S}{_N}{_S}日", True),
    (rf"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ/／.．\-－]){DIGIT}{{1,2}}[/／]{DIGIT}{{1,2}}(?![0-9０-９/／])", True),
]

# 生年月日：20160822 (a system's export): eight digits, personal only next to birth words
_COMPACT_DATE = regex.compile(r"(?<![0-9０-９A-Za-z])(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9０-９A-Za-z])")
_BIRTH_WORDS = ("生まれ", "生れ", "誕生", "出生", "出産", "生年月", "ＤＯＢ", "DOB")
_BIRTH_RIGHT_AFTER = regex.compile(r"^[ 　]?(?:生|産)")


def is_birth_date(text: str, start: int, end: int, before: int = 8) -> bool:
    """Birth words near the date, or 生 right after it (H27.4.3生)."""
    return bool(near(text, start, end, _BIRTH_WORDS, before=before, after=4)
                or _BIRTH_RIGHT_AFTER.match(text[end:end + 2]))


_CRITERIA_AFTER = regex.compile(
    r"^[ 　]*(?:時点|現在|基準|以降|以前|以後|以内|施行|改正|公布|付け|付で|付の|付(?:[ 　)）、。]|$)|(?:生まれ|生れ|生)[ 　]*(?:まで|以降|以前|以後|から|より前|より後)|締め|〆|期限|迄|まで|"
    r"開催|の会議|会議|告示|通知|発出|策定|適用|から適用|承認|公開|改訂|更新|施行|の改元|改元|"
    r"を基準|の時点|の基準|から起算|を起点|を含む期間|〜|～|~|から[ 　]*(?:令和|平成|昭和|[0-9０-９])|"
    r"(?:から|より)[ 　]*[^。、\n生]{0,8}?(?:運用|開始|施行|実施|適用|受付|始ま|スタート|試行|稼働|移行|変更|切り替え|切替)|"
    r"(?:に|の)[ 　]*[^。、生]{0,14}(?:会議|報告会|説明会|研修|検討会)(?:を|が)?(?:開催|実施)|に[ 　]*(?:開催|実施)|"
    r"に[ 　]*[^。、\n生]{0,20}(?:で|にて)[ 　]*(?:開催|実施|行い|行わ|行う)|"
    # an appointment's hour: 令和7年11月20日 14時から, 12/3 10:00〜
    r"[（(]?[月火水木金土日祝]?[)）]?[ 　]?(?:午前|午後)?[0-9０-９]{1,2}(?:時|[:：][0-9０-９]{2})(?:[0-9０-９]{1,2}分|半)?"
    r"[ 　]?(?:から|より|〜|～|~|開始|に|集合|予定))"
)
_CRITERIA_BEFORE = regex.compile(
    r"(?:基準日|基準|時点|期間|以降|集計日|抽出日|締切日|承認日|公開日|施行日|適用日|適用開始|運用開始|開始日|終了日|"
    r"改訂日|更新日|作成日|次回抽出|初回|次回|抽出|会議|面談|家庭訪問|訪問日|予定日|実施日|開催日|"
    r"来室|来所|来庁|来校|最終|前回|予定)[ 　:：はをが（(]*$"
    r"|(?:答申|通知|通達|告示|要綱|条例|規則|協議会|決定|議決|報告|事務連絡|判決|決議|提言|答弁)[ 　]*[（(][ 　]*$"  # 局長通知（平成29年3月31日）
    r"|[0-9０-９日月](?:[（(][月火水木金土日祝][)）])?[ 　]*(?:から|〜|～|~)[ 　]*$"  # the end of a range: 4月1日から|令和7年3月31日
    r"|第?[0-9０-９]+号[ 　、,]*$"  # a document's number and date: 和子育第1234号　令和7年8月1日
    # a record's own date label (受付日 R7.10.31, 処理日：, 面談日時：), not 生年月日 / 誕生日
    r"|\p{Han}(?<!生年月|年月|誕生|出生|出産|生)(?:日時|日付|日)[ 　]*[:：|｜]?[ 　]*$"
    # a deadline (提出期限はR8/6/30) and a record's heading (【家庭訪問記録】令和8年1月28日)
    r"|(?:期限|締切|〆切|期日)[ 　]*(?:は|が|：|:)?[ 　]*$|【[^】\n]{0,12}(?:記録|報告|日誌)】[ 　]*$"
    # an era conversion: 和暦変換：H31.4.30の翌日がR1.5.1
    r"|(?:和暦|西暦|元号)(?:変換|換算|対照)[^。\n]{0,16}$")
# A clock time after a date (2025/12/03 10:30, 令和七年十二月二日 午後二時, 2025-11-28 09:14): an
# appointment or a log entry, not a birth date (unless birth words are next to it).
_TIME_AFTER = regex.compile(
    r"^[ 　]*(?:[（(][月火水木金土日祝][)）])?[ 　]*(?:午前|午後|AM|PM|am|pm)?[ 　]*"
    r"(?:[0-9０-９]{1,2}[:：][0-9０-９]{2}|[0-9０-９]{1,2}時|[一二三四五六七八九十]{1,3}時)")


# What staff record right after the date of an entry (R7.11.20 家庭訪問、不在 / 11/27 来所): with a
# date of this or last year it is the entry's date, not a birth date.
_EVENT_AFTER = regex.compile(
    r"^[ 　]*(?:[（(][月火水木金土日祝][)）])?[ 　、]*(?:に|は|、)?[ 　]*(?:家庭訪問|訪問|来所|来庁|来校|面談|面接|電話|架電|受電|受付|受理|"
    r"相談|会議|連絡|同行|通告|送付|発送|提出|申請|確認|聞き取り|聴取|不在|再訪|記録|対応)")
_ERA_START = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018,
              "M": 1867, "T": 1911, "S": 1925, "H": 1988, "R": 2018,
              "明": 1867, "大": 1911, "昭": 1925, "平": 1988, "令": 2018}
_YEAR_HEAD = regex.compile(rf"^(?:(?P<era>{_ERA}|{_ERA_ABBR}|{_ERA_KANJI})[.．]?[ 　]?(?P<ey>{_Y})|(?P<wy>{_WESTERN_YEAR}))")


def western_year(span: str) -> int | None:
    """The year of a date written in 西暦 or 和暦 (R7.11.20 -> 2025), or None."""
    m = _YEAR_HEAD.match(normalize(span))
    if not m:
        return None
    if m.group("wy"):
        return kanji_to_int(m.group("wy"))
    number = kanji_to_int(m.group("ey"))
    era = m.group("era").upper()
    return None if number is None or era not in _ERA_START else _ERA_START[era] + number


def is_recent_entry_date(text: str, start: int, end: int) -> bool:
    """A date of this or last year with what happened that day right after it (a record's entry)."""
    year = western_year(text[start:end])
    today = datetime.date.today().year
    return year is not None and today - 1 <= year <= today + 1 and bool(_EVENT_AFTER.match(text[end:end + 12]))


_PERSON_AFTER_YEAR = regex.compile(
    r"^[ 　]?(?:生まれ|生れ|生)(?:の|で|、)?(?:長女|長男|次女|次男|三男|三女|男児|女児|男の子|女の子|兄|姉|弟|妹|"
    r"母|父|祖母|祖父|本人|[)）])")
# 長男はH27生まれ、次男はH30生まれ: one person's birth year after a kinship word
_KIN_BEFORE_YEAR = regex.compile(r"(?:長男|長女|次男|次女|三男|三女|兄|姉|弟|妹|本人|母|父|本児)[はがも]?$")
_COHORT_AFTER = regex.compile(
    r"^[ 　]?(?:生まれ|生れ|生)(?:の|が|は|を)?(?:児童|子ども|子供|子|生徒|園児|幼児|乳児|方|人|者|世帯|全員|対象)"
    r"|^[^。]{0,12}(?:対象|抽出|該当|以上|以下|を除|を含)"
    r"|^[ 　]?(?:生まれ|生れ|生)[ 　:：]*[0-9０-９,，]+[ 　]*(?:人|名|件|世帯|％|%)")  # H27生 612人: a statistic
# 4月1日生まれの扱い: a month and day that a rule is about (早生まれ), not a child's birthday
_RULE_COHORT_AFTER = regex.compile(r"^[ 　]?(?:(?:生まれ|生れ|生)(?:の|は)?(?:扱い|取扱|取り扱い|場合|ように|など)"
                                    r"|の(?:子|児童|人|者|場合)(?:は|が|も))")  # 誕生日が4月1日の子は前の学年
_NUMBER = regex.compile(rf"[0-9０-９]+|[{KANJI_DIGITS}]+|元")


def plausible_month_day(span: str, has_day: bool = True) -> bool:
    """The last numbers of a date are a real month (1-12) and day (1-31)."""
    numbers = [kanji_to_int(n) for n in _NUMBER.findall(span)]
    if has_day:
        if len(numbers) < 2:
            return False
        month, day = numbers[-2], numbers[-1]
        return month is not None and day is not None and 1 <= month <= 12 and 1 <= day <= 31
    return bool(numbers) and numbers[-1] is not None and 1 <= numbers[-1] <= 12


_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
           r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# English dates in parents' mail: 14 March 2018, March 14, 2018, 14th of March 2018
_ENGLISH_DATE = regex.compile(rf"(?<![A-Za-z0-9])(?:[0-9]{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTHS},? [12][0-9]{{3}}|{_MONTHS} [0-9]{{1,2}}(?:st|nd|rd|th)?,? [12][0-9]{{3}})(?![0-9])")
_ENGLISH_BIRTH_BEFORE = regex.compile(r"(?:born|birthday|[Bb]irth|DOB|D\.O\.B\.)[^.!?\n]{0,8}$")


_RECORD_DATE_HEADER = regex.compile(r"\p{Han}(?<!生年月|年月|誕生|出生|出産|生)(?:日時|日付|日)$")


def _record_date_column(text: str, start: int, end: int) -> bool:
    """A date in a table column of a record's own date (受診日, 受付日), not 生年月日."""
    if "\n" not in text:
        return False
    return any(s <= start and end <= e and _RECORD_DATE_HEADER.search(header)
               for s, e, header in table_cells(text))


class DateOfBirthRecognizer(JaRegexRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = FULL_DATE_PATTERNS
    CONTEXT = ["生まれ", "生", "誕生", "生年月日"]

    def __init__(self) -> None:
        super().__init__()
        self._partial = [(regex.compile(p), has_day) for p, has_day in PARTIAL_DATE_PATTERNS]
        self._eraless = regex.compile(ERALESS_DATE_PATTERN)
        self._birth_year = regex.compile(BIRTH_YEAR_PATTERN)

    def is_criteria_anchor(self, text: str, start: int, end: int) -> bool:
        """A date that a criterion refers to (基準日, 以降, ranges) rather than a person's date."""
        return bool(_CRITERIA_AFTER.match(text[end:end + 24])
                    or _CRITERIA_BEFORE.search(text[max(0, start - 24):start])
                    or _record_date_column(text, start, end)
                    or (_TIME_AFTER.match(text[end:end + 16])
                        and not near(text, start, end, _BIRTH_WORDS, before=8, after=16))
                    or (is_recent_entry_date(text, start, end) and not is_birth_date(text, start, end)))

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        if not plausible_month_day(text[start:end]) or self.is_criteria_anchor(text, start, end):
            return None
        if is_birth_date(text, start, end):
            return 0.95, True
        return 0.75, False

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        # Every full date, kept or not, blocks partial matches inside it (2016/4/1 -> 4/1).
        taken = [span for rx in self._regexes for span in (m.span() for m in rx.finditer(text))]
        for m in _ENGLISH_DATE.finditer(text):  # born on 14 March 2018, Date of birth: March 14, 2018
            start, end = m.span()
            if not any(s < end and start < e for s, e in taken) and _ENGLISH_BIRTH_BEFORE.search(text[max(0, start - 24):start]):
                taken.append((start, end))
                results.append(self.result(start, end, 0.85, True))
        for m in _COMPACT_DATE.finditer(text):
            start, end = m.span()
            if is_birth_date(text, start, end, before=8) and not self.is_criteria_anchor(text, start, end):
                taken.append((start, end))
                results.append(self.result(start, end, 0.85, True))
        for m in self._eraless.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in taken):
                continue
            taken.append((start, end))
            if plausible_month_day(text[start:end]) and not self.is_criteria_anchor(
                    text, start, end) and is_birth_date(text, start, end, before=8):
                results.append(self.result(start, end, 0.85, True))
        for m in self._birth_year.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in taken) or self.is_criteria_anchor(
                    text, start, end):
                continue
            taken.append((start, end))
            if _COHORT_AFTER.match(text[end:end + 16]):
                continue  # 平成27年生まれの児童を抽出: a cohort in a criterion
            if not (_PERSON_AFTER_YEAR.match(text[end:end + 12])
                    or (start > 0 and text[start - 1] in "（(、,，:：/／ 　")
                    or _KIN_BEFORE_YEAR.search(text, max(0, start - 4), start)):
                continue  # 令和3年生まれが多い: a statistic, not one person's birth year
            results.append(self.result(start, end, 0.8, True))
        for rx, has_day in self._partial:
            for m in rx.finditer(text):
                start, end = m.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                if not plausible_month_day(text[start:end], has_day=has_day) or \
                        self.is_criteria_anchor(text, start, end) or (
                            _RULE_COHORT_AFTER.match(text[end:end + 16])
                            and not _KIN_BEFORE_YEAR.search(text, max(0, start - 4), start)):
                    continue  # 4月1日生まれの扱い: a cohort in a rule
                if is_birth_date(text, start, end, before=6):
                    results.append(self.result(start, end, 0.85, True))
                    taken.append((start, end))
        return results
