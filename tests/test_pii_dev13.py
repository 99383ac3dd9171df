"""Blind PII dev set 13 (teachers' memos): the classes tuned on it, pinned with sentences of their own."""

from __future__ import annotations

import pytest

from privacy.pii.analyzer import analyze, get_analyzer
from privacy.pii.guard import guard_text


@pytest.fixture(scope="module", autouse=True)
def analyzer():
    return get_analyzer()


def names(text: str) -> list[str]:
    return [text[f.start:f.end] for f in analyze(text) if f.type == "PERSON"]


@pytest.mark.parametrize("text,name", [
    # a child's things and home
    ("歩の上着が冬でも薄手のまま。", "歩"),
    ("凛の家に電話したがつながらない。", "凛"),
    ("翔のランドセルが濡れていた。", "翔"),
    # a one-kanji name opening a clause before an attendance word
    ("海の欠席が月10日を超えました。", "海"),
    # what a child does, later in the clause (after a comma too)
    ("朔は算数の時間になると腹痛を訴える。", "朔"),
    ("千尋が落書き、七海は翌日から欠席。", "七海"),
    ("心春、体育を見学。", "心春"),
    ("カイトが休み時間に一人で空き教室にいた。", "カイト"),
    # hearing from a child, handing something to a child
    ("杏から「夜は一人でカップ麺」と聞いた。", "杏"),
    ("陸へ手紙を渡したが返事はない。", "陸"),
    # the one who did it to a child
    ("「こうきにお金を取られた」と訴え。", "こうき"),
    ("「ゆうまたちに靴を隠された」と話した。", "ゆうま"),
    # friends and siblings in kana words
    ("作文に「お兄ちゃんの大輝がこわい」と書いた。", "大輝"),
    ("妹のソフィア（3歳）は未就園。", "ソフィア"),
    # a surname right after a role
    ("担任中山より。", "中山"),
    # a surname the tagger reads together with a bracket
    ("来室：吉川（けが）。", "吉川"),
])
def test_bare_names_in_a_teachers_memo(text, name):
    assert name in names(text)


@pytest.mark.parametrize("text,expected", [
    ("ハルトとユウキの兄弟、朝ごはん抜きで登校。", ["ハルト", "ユウキ"]),
    ("今日は空と海の兄弟がそろって欠席。", ["空", "海"]),
])
def test_groups_of_children(text, expected):
    assert sorted(names(text)) == sorted(expected)


def test_three_siblings_are_all_masked():
    redacted = guard_text("湊・蒼・陽の三兄弟、3人とも欠席。").redacted
    assert not any(ch in redacted for ch in "湊蒼陽")


def test_friends_after_a_friend_word_without_the_particle():
    redacted = guard_text("結衣花は友人のさや、ゆなと仲が良い。").redacted
    assert "さや" not in redacted and "ゆな" not in redacted and "仲" in redacted
    assert "のぞみ" in names("翼くんの妹のぞみちゃんが病気のため")


@pytest.mark.parametrize("text,hidden", [
    ("るーちゃんのママ、面談は14時で大丈夫とのこと。", "るー"),
    ("ちーちゃんの鉛筆が折られていた。", "ちー"),
    ("しゅんしゅんこと俊介くん、家で兄からたたかれると話す。", "しゅんしゅん"),
    ("ゆいぴこと結衣花（6年3組）。", "ゆいぴ"),
    ("あっちゃん（篤志）が弟を連れて帰った。", "篤志"),
    ("さくら・ひまり・ゆなの3人組、最近ゆなだけ外されている。", "ゆな"),
    ("さくら・ひまり・ゆなの3人組。", "ひまり"),
    ("出席者：担任中山 彩、養護教諭", "中"),
])
def test_nicknames_and_names_are_masked_completely(text, hidden):
    assert hidden not in guard_text(text).redacted


@pytest.mark.parametrize("text", [
    "のぞみ野中学校区の連絡協議会資料を配布します。",
    "すみれ組（年長）の保育参観は延期。",
    "ひまわり学級の作品は1階です。",
    "兄弟げんかで怪我をしたときの記録の書き方。",
    "学年主任、教頭、校長の順で報告してください。",
    "欠席が月10日以上、または遅刻が月8回以上。",
    "兄弟姉妹のいずれかが不登校の世帯を加点。",
    "翼を広げようプロジェクト（中学生の学習支援）の参加者を募集中。",
    "クラスの担任から連絡があった。",
    "男子たちに注意した。",
    "大人たちに見守られて育つ。",
    "雪が降ったので一人で帰った。",
    "実は、昨日から欠席している。",
    "冬の欠席が増える傾向。",
    "夏の家庭訪問は7月下旬。",
    "学校から「明日は休校」と連絡。",
    "犬にかまれたときの対応。",
    "先輩たちに言われたことを気にしている。",
    "にーちゃんと一緒に帰った。",
])
def test_school_words_and_common_nouns_stay_clean(text):
    assert names(text) == []
