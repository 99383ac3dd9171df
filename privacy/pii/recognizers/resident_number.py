"""宛名番号 (the municipality's resident number): digit counts configured per city.

A number of a configured length is a resident number when a context word (宛名番号, 住民番号 ...)
is near it; a bare one scores low, so it counts only with caller context such as a column name.
"""

from __future__ import annotations

import regex
from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.pii.id_formats import (
    NOT_ONE_ID_AFTER,
    ResidentNumberFormat,
    labeled_id_regex,
    load_id_formats,
)
from privacy.pii.recognizers.base import JaRegexRecognizer
from privacy.pii.text_utils import (
    DASH,
    DIGIT,
    NOT_ALNUM_AFTER,
    NOT_ALNUM_BEFORE,
    digits_only,
    near,
    table_cells,
)

# 宛名番号：1234 5678 90（母）、1234 5679 01（長女）: a note in brackets may follow each number
_CELL_NUMBER = regex.compile(r"^[0-9０-９][0-9０-９\-－ 　]{2,24}$")
_LISTED = regex.compile(r"(?:[（(][^（()）\n]{1,8}[)）])?[ 　]?(?:と|、|・|,|，|及び|および|や)[ 　]?"
                        r"(?P<v>[0-9０-９]{4,20}(?:[ 　\-－][0-9０-９]{2,10})*)(?![0-9０-９A-Za-z])")


# A pasted record row with no header: its first cell a number, then a name and a date
# (７９０３０１６,木村　陽菜,2021/9/6,… / 6731-5023-05,石川 恵美,2019/12/13,…): the row's key.
_ROW_KEY = regex.compile(
    r"(?:^|(?<=\n))[ 　]*(?P<v>[0-9０-９]{3,10}(?:[\-－][0-9０-９]{2,8}){0,3})[ 　]*(?P<sep>[,，\t|｜])"
    r"[ 　]*[\p{Han}\p{Katakana}\p{Hiragana}ー々]{1,8}[ 　]?[\p{Han}\p{Katakana}\p{Hiragana}ー々]{0,8}[ 　]*(?P=sep)"
    r"(?=[^\n]*?(?:[0-9０-９]{2,4}[/／.．\-－][0-9０-９]{1,2}[/／.．\-－][0-9０-９]{1,2}|[HRSＨＲＳ][0-9０-９]{1,2}[.．]))")
_PHONE_SHAPE = regex.compile(r"^0[1-9][0-9]{8,9}$")
# An exported row (202104180,3048817205,2025-06-30,…): a cell of a configured length next to a date cell
_CSV_CELL = regex.compile(r"(?:^|(?<=[\n,，\t]))[ 　]*(?P<v>[0-9０-９]{7,15})[ 　]*(?=[,，\t]|$)", regex.M)
_CSV_DATE_CELL = regex.compile(r"(?:^|[,，\t])[ 　]*(?:19|20)[0-9]{2}[\-/][0-9]{1,2}[\-/][0-9]{1,2}[ 　]*(?:[,，\t]|$)", regex.M)


class ResidentNumberRecognizer(JaRegexRecognizer):
    ENTITY = "RESIDENT_NUMBER"
    PATTERNS = []

    def __init__(self, fmt: ResidentNumberFormat | None = None) -> None:
        self.format = fmt or load_id_formats().resident
        patterns = [rf"{NOT_ALNUM_BEFORE}{DIGIT}(?:{DASH}?{DIGIT}){{{n - 1}}}{NOT_ALNUM_AFTER}"
                    for n in sorted(set(self.format.digit_counts), reverse=True)]
        # Token-level context words for presidio's enhancer (GiNZA splits 宛名番号 into 宛名|番号).
        context = sorted({w for w in self.format.context} | {"宛名", "住民"})
        super().__init__(patterns=patterns, context=context)
        self._labeled = labeled_id_regex(self.format.labels, min_digits=4)

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        results = super().analyze(text, entities, nlp_artifacts)
        if self._labeled is not None:
            for m in self._labeled.finditer(text):
                start, end = m.span("v")
                digits = len(digits_only(text[start:end]))
                if digits == 12 and near(text, start, end, ("個人番号", "マイナンバー"), before=12, after=0):
                    continue  # 個人番号 123456789012: the My Number recognizer's
                if digits >= 4 and not NOT_ONE_ID_AFTER.match(text[end:end + 6]):
                    results.append(self.result(start, end, 0.9, True))
                    # 宛名番号が5501234と5501235: the numbers listed after a labeled one
                    while (more := _LISTED.match(text, end)) is not None:
                        start, end = more.span("v")
                        results.append(self.result(start, end, 0.85, True))
        for m in _ROW_KEY.finditer(text):
            start, end = m.span("v")
            key = digits_only(text[start:end])
            if 7 <= len(key) <= 15 and not _PHONE_SHAPE.match(key):
                results.append(self.result(start, end, 0.6, True))
        for m in _CSV_CELL.finditer(text):
            start, end = m.span("v")
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            key = digits_only(text[start:end])
            if len(key) in self.format.digit_counts and not _PHONE_SHAPE.match(key) and _CSV_DATE_CELL.search(line) \
                    and line.count(",") + line.count("，") + line.count("\t") >= 3:
                results.append(self.result(start, end, 0.6, True))
        # a pasted table: 00318842 under a 世帯番号 column
        columns = set(self.format.labels) | set(self.format.context)
        for start, end, header in table_cells(text):
            if header in columns and _CELL_NUMBER.match(text[start:end]) and len(digits_only(text[start:end])) >= 4:
                results.append(self.result(start, end, 0.9, True))
        return results

    def score_match(self, text: str, start: int, end: int) -> tuple[float, bool] | None:
        if len(digits_only(text[start:end])) not in self.format.digit_counts:
            return None
        if near(text, start, end, self.format.context, before=14, after=6):
            return 0.9, True
        return 0.3, False
