"""Generate tests/data/pii_eval.jsonl: a labeled Japanese evaluation set for the PII analyzer.

Sentences imitate what city staff type: risk criteria for the rule-drafting chat (no PII), case
talk and 備考 notes with personal information, and tricky negatives (law citations, criteria dates,
role words, school and place names, 法人番号, pseudonyms). Gold spans are recorded while the
sentence is assembled, so they do not depend on the analyzer.

Surface forms vary on purpose: full-width digits, spaces, kanji numerals, era abbreviations,
hiragana and katakana names, names outside Faker's lists, phone numbers with parentheses.
Towns are from 和泉市 (大阪府) plus a few other real cities; people and numbers are fictitious.

Run:  .venv/bin/python tests/data/make_pii_eval.py  (deterministic, seed 20261124)
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import phonenumbers
from faker import Faker

SEED = 20261124
OUT = Path(__file__).with_name("pii_eval.jsonl")

FW = str.maketrans("0123456789-", "０１２３４５６７８９－")
KANJI = "〇一二三四五六七八九"

EXTRA_SURNAMES = ["小鳥遊", "一ノ瀬", "長谷川", "五十嵐", "東海林", "渡邊", "髙橋", "齋藤", "金城",
                  "比嘉", "具志堅", "二階堂", "早乙女", "西園寺", "宇佐美", "大和田", "八木", "辻"]
EXTRA_GIVEN = ["陽翔", "蓮", "湊", "結菜", "陽葵", "凛", "蒼", "紬", "碧", "芽依", "悠真", "大翔",
               "結愛", "心春", "颯真", "律", "樹", "咲良", "莉子", "一颯", "琴音", "陽向"]
KANA_NAMES = [("やまだ", "たろう"), ("たなか", "ゆうと"), ("さとう", "はな"), ("すずき", "こうき"),
              ("いのうえ", "めい"), ("きむら", "そうた"), ("まつもと", "りこ"), ("しみず", "はると")]
FOREIGN_NAMES = ["グエン・ヴァン・アン", "マリア・サントス", "ワン・メイ", "キム・ミンジュン",
                 "サントス ルーカス", "ファム ティ ラン"]
IZUMI_TOWNS = ["府中町", "伯太町", "池上町", "和気町", "肥子町", "寺門町", "尾井町", "唐国町", "桑原町",
               "黒石町", "いぶき野", "光明台", "青葉台", "緑ケ丘", "室堂町", "王子町", "幸", "万町",
               "納花町", "内田町", "小田町", "井ノ口町", "鶴山台", "和田町", "太町", "芦部町", "富秋町"]
OTHER_PLACES = ["大阪市北区梅田", "堺市堺区南瓦町", "岸和田市宮本町", "東京都世田谷区三軒茶屋",
                "札幌市中央区北一条西", "横浜市港北区日吉本町", "泉大津市旭町", "高石市千代田"]
BUILDINGS = ["コーポ府中", "ハイツ和泉", "メゾン光明台", "グリーンハイツ", "府営住宅", "サンライズ池上"]
DOMAINS = ["example.jp", "example.com", "mail.example.ne.jp", "example.co.jp"]


class Builder:
    """Assemble one sentence from text pieces and labeled values, tracking gold spans."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict[str, object]] = []

    def add(self, piece: str, kind: str | None = None) -> Builder:
        if kind:
            self.spans.append({"start": len(self.text), "end": len(self.text) + len(piece),
                               "type": kind})
        self.text += piece
        return self


class Values:
    """Random surface forms of each kind of personal information."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(SEED)

    def pick(self, seq):
        return self.rng.choice(seq)

    def fw(self, s: str) -> str:
        return s.translate(FW) if self.rng.random() < 0.2 else s

    # names -------------------------------------------------------------------------------------
    def surname(self) -> str:
        if self.rng.random() < 0.3:
            return self.pick(EXTRA_SURNAMES)
        return self.fake.last_name_pair()[0]

    def given(self) -> str:
        if self.rng.random() < 0.4:
            return self.pick(EXTRA_GIVEN)
        pair = self.fake.first_name_female_pair() if self.rng.random() < 0.5 else \
            self.fake.first_name_male_pair()
        return pair[0]

    def full_name(self) -> str:
        r = self.rng.random()
        if r < 0.12:
            last, first = self.pick(KANA_NAMES)
            return last + self.pick(["", " "]) + first
        if r < 0.22:
            last = self.fake.last_name_pair()[1]
            first = self.fake.first_name_pair()[1]
            return last + self.pick([" ", "　", ""]) + first
        if r < 0.27:
            return self.pick(FOREIGN_NAMES)
        return self.surname() + self.pick(["", "", " ", "　"]) + self.given()

    # dates -------------------------------------------------------------------------------------
    def date(self) -> str:
        rng = self.rng
        y = rng.randint(2008, 2024)
        m, d = rng.randint(1, 12), rng.randint(1, 28)
        heisei, reiwa = y - 1988, y - 2018
        era, ey, abbr = ("令和", reiwa, "R") if y >= 2019 else ("平成", heisei, "H")
        forms = [
            f"{era}{ey}年{m}月{d}日",
            f"{era}{'元' if ey == 1 else ey}年{m}月{d}日",
            f"{era}{kanji_number(ey)}年{kanji_number(m)}月{kanji_number(d)}日",
            f"{abbr}{ey}.{m}.{d}",
            f"{abbr}.{ey}.{m}.{d}",
            f"{abbr}{ey:02d}.{m:02d}.{d:02d}",
            f"{abbr}{ey}/{m}/{d}",
            f"{abbr.lower()}{ey}.{m}.{d}",
            f"{y}/{m:02d}/{d:02d}",
            f"{y}-{m}-{d}",
            f"{y}.{m}.{d}",
            f"{y}年{m}月{d}日",
            f"{y}年 {m}月 {d}日",
        ]
        forms += [
            f"{era}{ey}.{m}.{d}",
            f"{abbr}{ey}年{m}月{d}日",
            f"{era}{ey}年{m:02d}月{d:02d}日",
            f"{y}.{m:02d}.{d:02d}",
        ]
        value = self.pick(forms)
        if rng.random() < 0.2:
            value = value.translate(str.maketrans("0123456789./-RH", "０１２３４５６７８９．／－ＲＨ"))
        return value

    def parent_date(self) -> str:
        """A parent's birth date (昭和 and 平成 eras)."""
        y, m, d = self.rng.randint(1975, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28)
        if y < 1989:
            return self.pick([f"昭和{y - 1925}年{m}月{d}日", f"S{y - 1925}.{m}.{d}", f"{y}/{m}/{d}"])
        return self.pick([f"平成{y - 1988}年{m}月{d}日", f"H{y - 1988}.{m}.{d}", f"{y}年{m}月{d}日"])

    # phones ------------------------------------------------------------------------------------
    def phone(self) -> str:
        rng = self.rng
        while True:
            kind = rng.random()
            if kind < 0.5:
                a, b, c = self.pick(["090", "080", "070"]), f"{rng.randint(1000, 9999)}", \
                    f"{rng.randint(0, 9999):04d}"
            elif kind < 0.75:
                a, b, c = "0725", f"{rng.randint(40, 59)}", f"{rng.randint(0, 9999):04d}"
            elif kind < 0.9:
                a, b, c = "06", f"6{rng.randint(100, 999)}", f"{rng.randint(0, 9999):04d}"
            else:
                a, b, c = "03", f"{self.pick(['3', '5'])}{rng.randint(100, 999)}", \
                    f"{rng.randint(0, 9999):04d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(a + b + c, "JP")):
                break
        style = rng.random()
        if style < 0.05:
            s = f"+81-{a[1:]}-{b}-{c}"
        elif style < 0.45:
            s = f"{a}-{b}-{c}"
        elif style < 0.6:
            s = a + b + c
        elif style < 0.7:
            s = f"{a} {b} {c}"
        elif style < 0.8:
            s = f"{a}({b}){c}"
        elif style < 0.88:
            s = f"({a}){b}-{c}"
        else:
            s = f"{a}ー{b}ー{c}"
        return self.fw(s)

    # postal codes and addresses ----------------------------------------------------------------
    def postal(self, mark: bool = True) -> str:
        code = f"{self.rng.randint(530, 599)}-{self.rng.randint(0, 9999):04d}"
        if self.rng.random() < 0.15:
            code = code.replace("-", "")
        code = self.fw(code)
        return ("〒" + self.pick(["", " "]) + code) if mark else code

    def address(self) -> str:
        rng = self.rng
        if rng.random() < 0.75:
            prefix = self.pick(["", "", "和泉市", "大阪府和泉市"])
            place = prefix + self.pick(IZUMI_TOWNS)
        else:
            place = self.pick(OTHER_PLACES)
        n1, n2, n3 = rng.randint(1, 6), rng.randint(1, 30), rng.randint(1, 25)
        forms = [
            f"{place}{n1}丁目{n2}番{n3}号",
            f"{place}{kanji_number(n1)}丁目{n2}番{n3}号",
            f"{place}{kanji_number(n1)}丁目{kanji_number(n2)}番{kanji_number(n3)}号",
            f"{place}{n1}-{n2}-{n3}",
            f"{place}{n1}丁目{n2}-{n3}",
            f"{place}{rng.randint(100, 999)}番地",
            f"{place}{rng.randint(100, 999)}番地の{n3}",
            f"{place}{rng.randint(100, 999)}-{n3}",
        ]
        forms += [
            f"{place}{n1}丁目{n2}番地{n3}",
            f"{place}{n1}-{n2}-{n3}-{rng.randint(101, 905)}",
            f"{place}{kanji_number(n1)}丁目{n2}-{n3}",
        ]
        value = self.pick(forms)
        if rng.random() < 0.2:
            value = self.fw(value)
        if rng.random() < 0.3:
            value += self.pick([" ", "", "　"]) + self.pick(BUILDINGS) + f"{rng.randint(1, 9)}0{rng.randint(1, 9)}号室"
        return value

    # identifiers -------------------------------------------------------------------------------
    def my_number(self) -> str:
        base = "".join(str(self.rng.randint(0, 9)) for _ in range(11))
        weights = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
        r = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        digits = base + str(0 if r <= 1 else 11 - r)
        sep = self.pick(["", " ", "-", "　"])
        return self.fw(sep.join([digits[:4], digits[4:8], digits[8:]]))

    def resident_number(self) -> str:
        n = self.pick([10, 10, 15])
        return self.fw("".join(str(self.rng.randint(0, 9)) for _ in range(n)))

    def student_number(self) -> str:
        if self.rng.random() < 0.7:
            return self.fw(f"S-{self.rng.randint(2018, 2026)}-{self.rng.randint(1, 9999):04d}")
        return self.fw(f"{self.rng.randint(2018, 2026)}{self.rng.randint(1, 9999):04d}")

    def email(self) -> str:
        user = self.fake.last_romanized_name().lower() + self.pick([".", "_", ""]) + \
            self.fake.first_romanized_name().lower() + str(self.rng.randint(1, 99))
        return f"{user}@{self.pick(DOMAINS)}"


def kanji_number(n: int) -> str:
    """Kanji numeral as written in dates and addresses (二十八, 十, 三)."""
    if n < 10:
        return KANJI[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else KANJI[tens]) + "十" + (KANJI[ones] if ones else "")


def corporate_number(rng: random.Random) -> str:
    base = "".join(str(rng.randint(0, 9)) for _ in range(12))
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
    return str(9 - total % 9) + base


HONORIFICS = ["くん", "さん", "ちゃん", "様", "君", "さん", "くん"]


def case_sentences(v: Values) -> list[Builder]:
    """Case talk and 備考 notes that contain personal information (one builder per template)."""
    rng = v.rng
    h = lambda: v.pick(HONORIFICS)  # noqa: E731
    templates = [
        lambda b: b.add(v.full_name(), "PERSON").add(h() + "(").add(v.date(), "DATE_OF_BIRTH")
        .add("生)のように欠席が続く子を拾いたい"),
        lambda b: b.add("例えば").add(v.full_name(), "PERSON").add(h() + "みたいに保健室に毎日来る子"),
        lambda b: b.add(v.surname(), "PERSON").add("さんのお母さんから").add(v.phone(), "PHONE_NUMBER")
        .add("に折り返し希望"),
        lambda b: b.add("母(").add(v.full_name(), "PERSON").add(")携帯 ").add(v.phone(), "PHONE_NUMBER"),
        lambda b: b.add("備考:").add(v.full_name(), "PERSON").add("、").add(v.address(), "ADDRESS")
        .add("、TEL ").add(v.phone(), "PHONE_NUMBER"),
        lambda b: b.add("住所 ").add(v.postal(), "POSTAL_CODE").add(" ").add(v.address(), "ADDRESS"),
        lambda b: b.add(v.address(), "ADDRESS").add("に住む").add(v.full_name(), "PERSON")
        .add(h() + "は去年から不登校"),
        lambda b: b.add("マイナンバー").add(v.pick(["", " ", ":", "は"])).add(v.my_number(), "MY_NUMBER")
        .add("で照会してほしい"),
        lambda b: b.add("個人番号 ").add(v.my_number(), "MY_NUMBER").add(" の世帯、児童扶養手当受給中"),
        lambda b: b.add("この番号 ").add(v.my_number(), "MY_NUMBER").add(" の子も対象に入れて"),
        lambda b: b.add("宛名番号").add(v.pick(["", " ", ":", "："])).add(v.resident_number(), "RESIDENT_NUMBER")
        .add("の世帯は生活保護受給中"),
        lambda b: b.add("住民番号 ").add(v.resident_number(), "RESIDENT_NUMBER").add(" 、要対協登録なし"),
        lambda b: b.add("学籍番号").add(v.pick(["", " ", ":"])).add(v.student_number(), "STUDENT_NUMBER")
        .add("の生徒、欠席").add(str(rng.randint(10, 60))).add("日"),
        lambda b: b.add("生徒番号 ").add(v.student_number(), "STUDENT_NUMBER").add(" は給食費未納が続いている"),
        lambda b: b.add("保護者のメール ").add(v.email(), "EMAIL_ADDRESS").add(" に案内を送付済み"),
        lambda b: b.add("連絡先: ").add(v.email(), "EMAIL_ADDRESS"),
        lambda b: b.add(v.full_name(), "PERSON").add(h() + " 生年月日 ").add(v.date(), "DATE_OF_BIRTH"),
        lambda b: b.add(v.date(), "DATE_OF_BIRTH").add("生まれの").add(v.full_name(), "PERSON")
        .add(h() + "の家庭"),
        lambda b: b.add("担任の").add(v.surname(), "PERSON").add("先生から、弟の")
        .add(v.given(), "PERSON").add(h() + "も休みがちと報告"),
        lambda b: b.add(v.surname(), "PERSON").add("先生に確認したところ、4月から遅刻が増えている"),
        lambda b: b.add(v.full_name(), "PERSON").add("様 ").add(v.phone(), "PHONE_NUMBER")
        .add(" 平日夕方なら連絡可"),
        lambda b: b.add("郵便番号 ").add(v.postal(mark=False), "POSTAL_CODE")
        .add("、").add(v.address(), "ADDRESS"),
        lambda b: b.add(v.postal(), "POSTAL_CODE").add(" ").add(v.address(), "ADDRESS").add(" ")
        .add(v.full_name(), "PERSON").add(" 方"),
        lambda b: b.add("転居先は").add(v.address(), "ADDRESS").add("とのこと"),
        lambda b: b.add("父親の").add(v.full_name(), "PERSON").add("氏は単身赴任中"),
        lambda b: b.add("本人:").add(v.full_name(), "PERSON").add("(").add(v.date(), "DATE_OF_BIRTH")
        .add(")、宛名番号 ").add(v.resident_number(), "RESIDENT_NUMBER"),
        lambda b: b.add(v.full_name(), "PERSON").add(h() + "の姉が").add(v.date(), "DATE_OF_BIRTH")
        .add("に一時保護された"),
        lambda b: b.add("欠席30日以上の例として").add(v.full_name(), "PERSON").add(h() + "(学籍番号 ")
        .add(v.student_number(), "STUDENT_NUMBER").add(")を挙げます"),
        lambda b: b.add("祖母の").add(v.surname(), "PERSON").add("さん宅(").add(v.address(), "ADDRESS")
        .add(")で同居"),
        lambda b: b.add("電話 ").add(v.phone(), "PHONE_NUMBER").add(" (").add(v.surname(), "PERSON")
        .add("さん)"),
        lambda b: b.add("SSWが").add(v.full_name(), "PERSON").add(h() + "と面談、次回は来週"),
        lambda b: b.add(v.full_name(), "PERSON").add("、").add(v.date(), "DATE_OF_BIRTH").add("生、")
        .add(v.address(), "ADDRESS"),
        lambda b: b.add("誕生日が").add(v.date(), "DATE_OF_BIRTH").add("の子だけ抽出して"),
        lambda b: b.add("メールアドレス ").add(v.email(), "EMAIL_ADDRESS").add(" 宛に資料送付"),
        lambda b: b.add(v.surname(), "PERSON").add("宅を訪問したが不在。携帯").add(v.phone(), "PHONE_NUMBER")
        .add("にも出ない"),
    ]
    out = []
    for _ in range(6):
        for template in templates:
            b = Builder()
            template(b)
            out.append(b)
    return out


def criteria_sentences(v: Values) -> list[Builder]:
    """Risk criteria and operational talk without personal information, incl. tricky negatives."""
    rng = v.rng
    n = lambda a, b: str(rng.randint(a, b))  # noqa: E731
    r = lambda a, b: str(rng.randint(a, b)).translate(FW) if rng.random() < 0.3 else str(rng.randint(a, b))  # noqa: E731,E501
    makers = [
        lambda: f"欠席{r(10, 60)}日以上かつ就学援助受給の児童を抽出",
        lambda: f"{n(1, 12)}月1日時点で{n(1, 6)}歳未満の子がいる世帯",
        lambda: f"過去{n(1, 3)}年間に転居{n(2, 4)}回以上なら{n(3, 15)}点",
        lambda: f"月{n(3, 10)}日以上の遅刻がある児童",
        lambda: f"保健室利用が月{n(3, 10)}回以上なら{n(5, 20)}点加点",
        lambda: "児童福祉法第25条の3に基づく情報提供として扱う",
        lambda: "児童虐待の防止等に関する法律第13条の4による提供",
        lambda: "個人情報保護法第69条第2項第3号の整理",
        lambda: "要対協に登録済みの児童は除外する",
        lambda: f"生活保護受給世帯は{n(5, 30)}点",
        lambda: f"令和{n(6, 8)}年4月1日時点で18歳未満の児童",
        lambda: f"令和{n(5, 7)}年度の乳幼児健診が未受診",
        lambda: "4か月児健診・1歳6か月児健診・3歳児健診のいずれか未受診",
        lambda: "児童扶養手当受給かつ住民税非課税の世帯",
        lambda: f"国保料の滞納が{n(2, 6)}期以上",
        lambda: f"心の天気で「雨」が週{n(2, 5)}回以上",
        lambda: f"給食費の滞納が{n(2, 6)}か月以上",
        lambda: f"EPDS{n(9, 13)}点以上の母親がいる世帯",
        lambda: "学力調査の結果が下位10%の児童",
        lambda: f"スコア上位{n(100, 300)}人をSSWが確認する",
        lambda: f"令和{n(5, 7)}年4月1日以降に転入した世帯",
        lambda: "和泉市在住の0歳から18歳の子ども",
        lambda: f"対象年齢は{n(6, 9)}歳以上15歳以下",
        lambda: f"法人番号{corporate_number(rng)}の事業所は対象外",
        lambda: "担任の先生から報告があった場合は加点",
        lambda: "お母さんが体調不良の家庭を優先",
        lambda: "ヤングケアラーの可能性がある子を拾いたい",
        lambda: "保健室の先生の所見を反映する",
        lambda: "スクールソーシャルワーカーさんに確認してから登録",
        lambda: "民生委員さんからの情報も項目に入れたい",
        lambda: f"ケース会議は毎月第{n(1, 4)}水曜日",
        lambda: f"令和{n(6, 7)}年4月1日から令和{n(7, 8)}年3月31日までの期間で集計",
        lambda: f"抽出基準日: 令和{n(6, 8)}年10月1日",
        lambda: "2024/4/1から2025/3/31まで",
        lambda: "田中小学校と山田中学校をモデル校にする",
        lambda: "石川県や福井県の事例も参考にする",
        lambda: "府中町在住の世帯は別枠で見る",
        lambda: f"第{n(2, 4)}子以降の出生で加点",
        lambda: f"{n(4, 6)}月から{n(7, 9)}月の欠席日数",
        lambda: f"毎月1日に更新、1日{n(2, 3)}回まで再実行可",
        lambda: "平成27年法律第65号に基づく",
        lambda: "番号法第19条の規定により提供",
        lambda: "電話相談の記録があれば加点",
        lambda: "住所不定の世帯は手作業で確認",
        lambda: "転居回数と転入日の両方を見る",
        lambda: "生年月日から年齢を計算して学年を出す",
        lambda: "ヘルパーさんやケアマネさんの関与がある世帯",
        lambda: f"{n(1, 3)}年{n(1, 3)}組の欠席状況を確認",
        lambda: f"欠席{n(10, 30)}日以上かつ遅刻{n(5, 15)}回以上で{n(10, 30)}点",
        lambda: f"仮名ID {rng.getrandbits(256):064x} の重複を確認",
        lambda: f"区分コード A{n(10, 99)}、B{n(10, 99)} は福祉側",
        lambda: "ひとり親医療費助成の受給者は加点",
        lambda: f"前回のスクリーニングでは上位{n(100, 300)}人+福祉側のみ{n(3, 9)}人",
        lambda: "大阪府の通知に従い、個人情報ファイル簿を更新",
        lambda: f"乳児家庭全戸訪問が未実施で生後{n(4, 6)}か月を経過",
        lambda: "DV相談の記録がある世帯は要注意",
        lambda: f"障害児通所支援を月{n(5, 20)}日以上利用",
        lambda: "保育所の欠席が続いている子も見たい",
        lambda: "いじめの報告があった児童は10点",
        lambda: f"中学{n(1, 3)}年生で欠席が増えた子",
        lambda: "家庭児童相談の記録は過去3年分",
        lambda: f"1日平均{n(2, 4)}回以上の保健室来室",
        lambda: "令和7年度から恒常的な利用に切り替える",
        lambda: "教育委員会から市長部局への提供として整理",
        lambda: "4月1日時点の学齢簿を使う",
        lambda: f"3月31日までに{n(2, 5)}回以上の未受診",
        lambda: "この条件で何人くらいになりますか",
        lambda: "候補者リストは人が確認してから支援につなげる",
        lambda: "就学援助と生活保護は似た項目なのでどちらか一方にする",
        lambda: "和泉市の実証では上位200人を確認した",
        lambda: f"欠席率{n(10, 30)}%以上",
        lambda: f"{n(2, 5)}歳児健診を受けていない",
        lambda: "児童相談所への通告歴がある場合",
    ]
    out = []
    for maker in makers:
        for _ in range(3):
            out.append(Builder().add(maker()))
    return out


def note_sentences(v: Values) -> list[Builder]:
    """備考 and case-record style notes (second batch, different sentence shapes)."""
    rng = v.rng
    h = lambda: v.pick(HONORIFICS)  # noqa: E731
    kid = lambda: v.pick([v.given, v.full_name])()  # noqa: E731
    templates = [
        lambda b: b.add("氏名:").add(v.full_name(), "PERSON").add(" 生年月日:").add(v.date(), "DATE_OF_BIRTH"),
        lambda b: b.add(v.date(), "DATE_OF_BIRTH").add(" 家庭訪問。母(").add(v.full_name(), "PERSON")
        .add(")不在、祖母が対応。次回は").add(f"{rng.randint(1, 12)}/{rng.randint(1, 28)}").add("予定"),
        lambda b: b.add("父 ").add(v.full_name(), "PERSON").add("(").add(v.parent_date(), "DATE_OF_BIRTH")
        .add("生)は無職"),
        lambda b: b.add("昨日、").add(v.full_name(), "PERSON").add("が保健室に来室し腹痛を訴えた"),
        lambda b: b.add("担当:").add(v.surname(), "PERSON").add("(子育て支援室)"),
        lambda b: b.add("記入者 ").add(v.full_name(), "PERSON"),
        lambda b: b.add(kid(), "PERSON").add("ちゃんの妹(").add(v.date(), "DATE_OF_BIRTH").add("生)も未受診"),
        lambda b: b.add("「").add(v.surname(), "PERSON").add("」さんの件、要対協に諮るか検討"),
        lambda b: b.add(v.surname(), "PERSON").add("家の長男が最近登校していない"),
        lambda b: b.add("TEL:").add(v.phone(), "PHONE_NUMBER").add("(母携帯)"),
        lambda b: b.add("電話番号は").add(v.phone(), "PHONE_NUMBER").add("、夜間のみ"),
        lambda b: b.add("〒").add(v.postal(mark=False), "POSTAL_CODE").add("　").add(v.address(), "ADDRESS"),
        lambda b: b.add("郵便番号：").add(v.postal(mark=False), "POSTAL_CODE"),
        lambda b: b.add("現住所 ").add(v.address(), "ADDRESS").add("(母方祖父母宅)"),
        lambda b: b.add(v.address(), "ADDRESS").add("から市外へ転出予定"),
        lambda b: b.add("ﾏｲﾅﾝﾊﾞｰ:").add(v.my_number(), "MY_NUMBER"),
        lambda b: b.add("個人番号(").add(v.my_number(), "MY_NUMBER").add(")は別途管理"),
        lambda b: b.add("宛名番号（").add(v.resident_number(), "RESIDENT_NUMBER").add("）で名寄せ済み"),
        lambda b: b.add("宛名コード ").add(v.resident_number(), "RESIDENT_NUMBER").add(" と学齢簿を突合"),
        lambda b: b.add("学籍番号：").add(v.student_number(), "STUDENT_NUMBER").add("、3年2組"),
        lambda b: b.add("連絡は").add(v.email(), "EMAIL_ADDRESS").add("へ"),
        lambda b: b.add(v.email().upper(), "EMAIL_ADDRESS").add(" (父)"),
        lambda b: b.add(v.pick(["ハルト", "ユイ", "ソウタ", "リコ", "メイ"]), "PERSON").add(h() + "は日本語の支援が必要"),
        lambda b: b.add(v.pick(["ゆい", "はると", "りこ", "そうた"]), "PERSON").add(v.pick(["ちゃん", "くん"]) + "が泣いて登校をしぶる"),
        lambda b: b.add(v.pick(["心愛", "希空", "煌", "羽叶", "愛莉", "湊斗", "朔"]), "PERSON").add(h() + "の欠席が目立つ"),
        lambda b: b.add(v.surname(), "PERSON").add("さん(").add(kid(), "PERSON").add("の母)から相談あり"),
        lambda b: b.add("弟の").add(v.given(), "PERSON").add("(").add(v.date(), "DATE_OF_BIRTH")
        .add(")は保育園に通っていない"),
        lambda b: b.add("母の携帯 ").add(v.phone(), "PHONE_NUMBER").add("、自宅 ").add(v.phone(), "PHONE_NUMBER"),
        lambda b: b.add(v.full_name(), "PERSON").add("(").add(str(rng.randint(6, 15))).add("歳)、")
        .add(v.address(), "ADDRESS").add("在住"),
        lambda b: b.add("生年月日 ").add(v.date(), "DATE_OF_BIRTH").add(" 性別 女"),
    ]
    out = []
    for _ in range(4):
        for template in templates:
            b = Builder()
            template(b)
            out.append(b)
    return out


def tricky_negatives(v: Values) -> list[Builder]:
    """Sentences without personal information that look like it."""
    rng = v.rng
    n = lambda a, b: str(rng.randint(a, b))  # noqa: E731
    makers = [
        lambda: f"平成{n(20, 30)}年{n(1, 12)}月{n(1, 28)}日施行の改正に合わせる",
        lambda: f"令和{n(5, 7)}年{n(1, 12)}月1日付けで要綱を改正",
        lambda: f"{n(2023, 2025)}-04-01現在の在籍者",
        lambda: "H31.4.1以降に出生した子",
        lambda: f"{n(1, 12)}/1時点の住民基本台帳",
        lambda: "4/1〜3/31の年度で集計",
        lambda: f"令和{n(2, 6)}年法律第{n(10, 90)}号",
        lambda: f"第{n(2, 30)}条の{n(2, 4)}第1項の規定",
        lambda: f"欠席日数{n(10, 40)}日、遅刻{n(3, 20)}回",
        lambda: f"上位{n(100, 300)}人のうち{n(10, 50)}人を面談",
        lambda: f"{n(1, 9)},{n(100, 999)}人の児童を対象に実証",
        lambda: f"給食費の滞納額{n(10, 60)},000円以上",
        lambda: "中1-3の生徒で欠席が多い子",
        lambda: f"{n(1, 2)}-{n(3, 4)}歳児の健診",
        lambda: "赤ちゃんのいる家庭への訪問",
        lambda: "妊婦さんの面談記録も使う",
        lambda: "ご家族様への連絡は担任から",
        lambda: "保健師さんと助産師さんの訪問記録",
        lambda: "お姉ちゃんが家事をしている家庭",
        lambda: "関係機関の皆様にご協力いただく",
        lambda: "おばあちゃんと二人暮らしの子",
        lambda: "和泉市役所 代表 0725-41-1551 に問い合わせ",
        lambda: "相談窓口フリーダイヤル 0120-123-456",
        lambda: "児童相談所虐待対応ダイヤル189の周知",
        lambda: "出席番号12番までを前半とする",
        lambda: "区分コード 01-02-03 は福祉側の項目",
        lambda: "山田町と田中町の事例を比較",
        lambda: "鈴木クリニックからの情報提供はない",
        lambda: "佐藤病院の小児科と連携",
        lambda: f"平成{n(20, 30)}年度生まれの児童",
        lambda: f"令和{n(1, 6)}年生まれが多い",
        lambda: "24時間365日対応の窓口",
        lambda: f"スコアが{n(30, 60)}点以上なら見守り",
        lambda: "市長部局と教育委員会の合意が必要",
        lambda: "和泉市・豊中市・箕面市の取組を参照",
        lambda: "宛名番号と学籍番号の対応表を作る",
        lambda: "マイナンバーは使わない方針",
        lambda: "電話番号や住所は項目に入れない",
        lambda: "郵便番号の列は削除する",
        lambda: f"ケースID CASE-{n(1000, 9999)} は試験データ",
        lambda: "保護者の生年月日は使わない",
        lambda: "森の子ども広場の利用状況",
        lambda: "大和川の河川敷で見守り活動",
        lambda: "子ども食堂の利用回数",
    ]
    out = []
    for maker in makers:
        for _ in range(2):
            out.append(Builder().add(maker()))
    return out


# Hand-written sentences in the style of the staff chat and 備考; [[TYPE:value]] marks gold spans.
HANDWRITTEN = """
[[PERSON:山田太郎]]くん([[DATE_OF_BIRTH:H27.4.3]]生)のように、欠席が月5日以上で保健室にもよく来る子を拾いたい
去年の[[PERSON:佐々木]]さんのケースみたいに、母子家庭で就学援助を受けていて給食費の滞納がある世帯
[[PERSON:鈴木花子]]ちゃんは[[DATE_OF_BIRTH:令和2年5月1日]]生まれで、1歳6か月児健診を受けていません
母親([[PERSON:田中 美咲]])の携帯は[[PHONE_NUMBER:090-3321-7788]]、日中はつながりにくい
住所は[[ADDRESS:和泉市府中町二丁目7番12号]]、祖母と同居
[[POSTAL_CODE:〒594-0041]] [[ADDRESS:大阪府和泉市いぶき野5丁目1-1]]
マイナンバー [[MY_NUMBER:1234 5678 9018]] は入力しないでください、と言われたのですが、この子も対象ですか
宛名番号[[RESIDENT_NUMBER:0012345678]]の世帯、児童扶養手当が止まっている
学籍番号 [[STUDENT_NUMBER:S-2024-0311]] の生徒は4月から不登校
保護者のメールアドレスは[[EMAIL_ADDRESS:mama.tanaka@example.ne.jp]]です
[[PERSON:高木]]先生(担任)によると、最近朝食を食べていないらしい
[[PERSON:ゆうき]]くんの弟も同じ保育園で欠席が多い
平成28年生まれの子で、3歳児健診を受けていない子を探したい
[[DATE_OF_BIRTH:平成28年7月21日]]生の[[PERSON:中村悠斗]]くんと同じような条件で
生年月日 [[DATE_OF_BIRTH:2016/07/21]]、性別 男、[[PERSON:中村悠斗]]
[[PERSON:木村]]宅は[[ADDRESS:和泉市伯太町3-4-5]]、電話は[[PHONE_NUMBER:0725-43-2211]]
[[PERSON:小林]]さんの家庭は生活保護を受けているので10点
電話([[PHONE_NUMBER:0725(56)1234]])で母と話したところ、父が家を出たとのこと
[[PERSON:斉藤陽菜]]さん、[[DATE_OF_BIRTH:Ｈ２１．１１．３]]生、[[ADDRESS:和泉市光明台１丁目１０番５号]]
例えば[[PERSON:オカダ ユウト]]くんのような外国にルーツのある子
[[PERSON:グエン・ティ・ホア]]さん(母)は日本語がほとんど話せない
ケース会議で[[PERSON:松本]]ケースワーカーから報告があった
[[PERSON:渡辺]]SSWが[[DATE_OF_BIRTH:令和6年6月3日]]に家庭訪問
昨年度、[[PERSON:井上蓮]]くんの件で要対協に通告した
[[PERSON:山口]]さん宅の長女([[DATE_OF_BIRTH:平成30年4月1日]]生まれ)
母の連絡先 [[PHONE_NUMBER:080 5566 7788]] / [[EMAIL_ADDRESS:y.yamaguchi@example.com]]
住民番号 [[RESIDENT_NUMBER:123456789012345]] の世帯は転出済み
生徒番号[[STUDENT_NUMBER:20240311]]、欠席42日
[[ADDRESS:和泉市池上町1丁目2-3]]の[[PERSON:森田]]さんの子どもについて
転居前の住所は[[ADDRESS:堺市南区桃山台2丁目3番4号]]だった
保護者名:[[PERSON:石井 健太]]、続柄:父
児童名:[[PERSON:石井 陽葵]]
[[PERSON:西田]]ちゃんのお母さんが入院中
[[PERSON:はると]]くんが最近元気がないと担任から連絡
[[PERSON:前川]]先生と[[PERSON:大野]]先生で面談予定
[[PERSON:藤田]]さん([[PHONE_NUMBER:06-6543-2100]])から匿名で相談
欠席30日以上かつ生活保護受給世帯の児童を抽出したい
4月1日時点で3歳未満の子がいる世帯のうち、乳児家庭全戸訪問が未実施のもの
過去1年間に転居が3回以上ある世帯は10点
保健室の利用が月5日以上なら5点、10日以上なら10点
児童福祉法第25条の3に基づく照会として扱えますか
要対協に登録されている子は除外して、上位200人をSSWに回す
生活保護と就学援助はどちらか一方だけにしたい
令和6年4月1日時点で18歳未満の子がいるひとり親世帯
令和7年度から恒常的に実施する予定です
担任の先生からの報告があれば加点
お母さんがうつ傾向(EPDS9点以上)の家庭
3歳未満の子の予防接種未接種が2回以上
心の天気で「雨」が1週間に3回以上
給食費の滞納が3か月以上、または就学援助の申請漏れ
いじめの被害報告があった子は15点
中学1年生の欠席が前年比で倍増した子
第3子以降の出生で、母親が20歳未満
個人情報保護法第69条第2項第2号で整理するのは難しい
DV相談の記録がある世帯は別途確認
障害者手帳を持つ保護者がいる世帯
和泉市の実証では7,347人から6,500人に絞り込んだ
住民税非課税かつ国保料の滞納が2期以上
要介護認定を受けた家族がいる中学生(ヤングケアラーの可能性)
令和5年10月1日以降に転入した世帯
3か月児健診から1歳6か月児健診までの間に未受診がある子
保育所の欠席が月10日以上
上位100人に入らなかった子も福祉側だけで見たい
2024年4月1日から2025年3月31日までの欠席日数
基準日は令和6年10月1日とする
点数が同じ場合は欠席日数の多い順に並べる
スクールカウンセラーさんとの面談回数も入れたい
民生委員・児童委員さんの見守り対象は除外
ヘルパーさんが入っている家庭
田中小学校と和泉中学校の2校で試行
大阪府和泉市と豊中市の事例
市役所の電話番号 0725-41-1551 は記載不要
ケースワーカーが月1回訪問している世帯
赤ちゃんがいる家庭で、母親が妊婦健診を受けていなかった
お兄ちゃんが不登校の家庭の弟妹
おばあちゃんと二人暮らしの小学生
保健師さんの訪問記録から抽出
法人番号 8000012010001 の事業所は対象外
宛名番号と学籍番号の突合表を使う
仮名化IDは64桁の16進数で保存する
1日3回以上保健室に来る子
令和6年度の就学援助認定者
平成27年法律第65号(番号法改正)
4/1時点で在籍している児童
10月から12月の3か月間
年齢は4月1日時点の満年齢で計算
欠席率10%以上かつ遅刻が月3回以上
[[DATE_OF_BIRTH:R6.11.5]] 電話連絡。母([[PERSON:川口 恵]])は「大丈夫です」とのこと
11/5(火)15:30 家庭訪問予定、同行は[[PERSON:岡田]]
給食費の滞納額は3,000円、就学援助の申請を案内した
3-2の[[PERSON:大西]]くんがまた遅刻
[[PERSON:原田]]家は4人きょうだいで、長男が家事をしている
[[PERSON:林]]の母から学校に電話があった
緊急連絡先:祖母 [[PERSON:石田 和子]] [[PHONE_NUMBER:072-541-3300]]
[[PERSON:Nguyen]]さん一家が[[ADDRESS:和泉市太町1丁目5-8]]に転入
[[PERSON:菅原]]医師の意見書あり
[[PERSON:工藤 さくら]](小3)、欠席12日、保健室8回
[[ADDRESS:府中町三丁目4番地]]の市営住宅
連絡先 [[PHONE_NUMBER:０７２５－４１－９９９９]](自宅)
[[PERSON:北村]]主任児童委員から情報提供あり
[[PERSON:やまもと]]さんの家、最近カーテンが閉まったまま
[[DATE_OF_BIRTH:2012年3月15日]]生まれ(中学1年)
[[PERSON:杉本]]さんちの下の子が1歳半健診に来ていない
[[PERSON:吉村 大和]]君 学籍番号[[STUDENT_NUMBER:S-2022-1044]]
本人の[[EMAIL_ADDRESS:kouta2011@example.jp]]からメールが来た
[[PERSON:長田]]さん 〒[[POSTAL_CODE:594-1105]]
養育者は叔母の[[PERSON:村上]]さん
[[PERSON:宮本]]先生、明日の会議の資料お願いします
生活保護のケースワーカーと情報共有したい
児童手当の現況届が未提出の世帯
転入から半年以内の世帯は見守り
1歳6か月児健診と3歳児健診の両方が未受診
外国籍の保護者で日本語の支援が必要な世帯
18時以降に一人で公園にいる子の通報
虐待通告が過去3年で2回以上
保護者が65歳以上の世帯
放課後等デイサービスを週3日以上利用
母子手帳の交付が妊娠22週以降
5年2組の欠席状況
令和5年度に一時保護歴あり
学力調査で全教科が下位25%
月曜日の欠席が多い子
2月と3月の欠席日数の合計が10日以上
遅刻は1日0.5日の欠席として数える
午前中だけ登校する日が週2回以上
スコア上位50人を優先する
豊中市の評価指標を参考にする
個人情報ファイル簿への記載が必要
[[PERSON:三浦 翼]]くん(小5)の家庭、父親がアルコール依存で母は夜勤
母・[[PERSON:三浦 由美]]([[DATE_OF_BIRTH:S63.2.14]]生)
[[ADDRESS:和泉市唐国町1丁目6番3号]]に母子で転入、前住所は[[ADDRESS:岸和田市宮本町2-15]]
[[PERSON:平野]]さんのとこの上の子、最近見かけないって近所の人が言ってた
TEL [[PHONE_NUMBER:0725-92-1180]] FAX 0725-92-1181(事業所)
児童:[[PERSON:荒木 結翔]]/保護者:[[PERSON:荒木 真由美]]
[[PERSON:坂本]]くんママから相談の電話
[[PERSON:さくら]]ちゃん(3歳)が夜遅くまで一人で外にいたと通報
[[DATE_OF_BIRTH:令和３年１２月２４日]]生まれの双子
[[PERSON:野口]]家の次女が妊娠しているとの情報
[[PERSON:服部]]さん、[[PHONE_NUMBER:070-1111-2345]]、[[ADDRESS:和泉市和田町258番地]]
個人番号:[[MY_NUMBER:876543210989]]
[[RESIDENT_NUMBER:1029384756]](宛名番号)で照会
学籍番号は[[STUDENT_NUMBER:S-2021-0007]]と[[STUDENT_NUMBER:S-2021-0008]](兄弟)
送信元: [[EMAIL_ADDRESS:hattori.k@example.co.jp]]
[[PERSON:中山]]SSW、[[PERSON:内田]]SCと情報共有
[[PERSON:ケンジ]]くんは日本語指導が必要
[[PERSON:上田 葵]]さん 生年月日：[[DATE_OF_BIRTH:2010年4月8日]]
同居人の男性([[PERSON:松井]])が子どもを怒鳴っている
[[DATE_OF_BIRTH:平成25年6月30日]]生 [[PERSON:菊地 蒼空]]
[[POSTAL_CODE:〒594-0003]] [[ADDRESS:和泉市太町3-10-2]] [[PERSON:岩崎]]方
[[PERSON:小野寺]]さんへの連絡は夕方以降
[[PERSON:武田]]の祖母が介護認定を受けている
要対協ケース([[PERSON:安藤 翔太]])の進行管理
[[PERSON:堀]]先生が家庭訪問したが応答なし
欠席が続いたら学校から電話、それでもつながらなければ家庭訪問
3歳児健診の未受診が2年続いた場合は20点
1日の保健室来室が2回以上の日が月に5日以上
保護者の就労状況は項目に入れない
妊娠届出が妊娠20週以降の妊婦
小学校の長期欠席者は年度末に集計
令和6年4月から令和7年3月まで
R7.4.1時点で在籍する全児童
H30年度以降の転入者
学年別・男女別の集計表
子ども食堂の利用登録がある世帯
家庭児童相談室への相談件数
ひとり親家庭等医療費助成の受給者
児童扶養手当の全部支給停止
2学期以降の欠席日数の推移
生活保護の開始から1年以内
5歳児健診の導入を検討中
上位200人と福祉側のみの6人を確認
7,347人のうち6,500人が対象
0歳から18歳までの全ての子ども
虐待の種別は身体・心理・ネグレクト・性的の4つ
山田川沿いの公園で夜間に子どもを見かける
中央小学校と南中学校の欠席データ
和泉府中駅周辺の見守り
大阪府子ども家庭センターとの連携
2-3年前から欠席が増えている
第2期計画の評価指標
1-2月の欠席は感染症の影響が大きい
住所地特例の対象者は除く
宛名番号が空欄のデータは名寄せできない
[[PERSON:佐藤]]・[[PERSON:鈴木]]・[[PERSON:高橋]]の3名は同じ学童
[[PERSON:山下]]らと夜遅くまで公園にいた
母親が「[[PERSON:たける]]が言うことを聞かない」と泣いていた
[[ADDRESS:伯太町六丁目3-2]]のアパートに父子で住んでいる
[[ADDRESS:府中町5丁目]]付近で見かけたとの通報
生年月日:[[DATE_OF_BIRTH:H28/07/21]]
[[DATE_OF_BIRTH:平成二十八年七月二十一日]]生まれの男児
携帯:[[PHONE_NUMBER:080-2468-1357]](父)
マイナンバーカードの番号([[MY_NUMBER:8765 4321 0989]])が書かれた書類が届いた
[[PERSON:Emily]]ちゃんは英語のほうが得意
[[PERSON:ジョン]]くんのお母さんはフィリピン出身
要支援:[[PERSON:今井 心晴]](小2)、[[PERSON:今井 湊]](年長)
[[PERSON:福田]]先生(養護教諭)の話では、身体にあざがあった
[[PERSON:石原]]主任が明日ケース会議を招集
第一発見者は近所の[[PERSON:竹内]]さん
[[PERSON:青木]]の家はゴミが溜まっている
[[PERSON:桜井 美月]]([[DATE_OF_BIRTH:2009/11/02]]生)が家出
住所:[[ADDRESS:大阪府堺市北区長曽根町3083-1]]
連絡先:[[EMAIL_ADDRESS:sakurai_family@example.ne.jp]]
[[PERSON:小松]]くん兄弟の給食費が未納
宛名番号 [[RESIDENT_NUMBER:０００９８７６５４３]]
[[STUDENT_NUMBER:S-2025-0999]]の生徒の出欠を確認
[[POSTAL_CODE:〒５９４－００８３]]
[[PERSON:大塚]]様宛の通知が返送されてきた
3丁目の公園で遊んでいる子
佐藤という名字の子が多い学年
欠席日数が30日を超えた時点で通知
「雨」の日が3日続いたら担任が声かけ
4月生まれと3月生まれで学力差がある
年長児の就学前健診
誕生月ごとの集計は不要
保護者面談は11月20日から22日まで
6月1日現在の在籍者数
健診の対象は令和4年4月2日から令和5年4月1日生まれ
電話がつながらない家庭は訪問する
住所が市外の子は対象外
氏名・生年月日・住所は項目に含めない
「[[PERSON:佐藤]]さん」のような実名は入力しないでください
平成の終わりごろから続く課題
一丁目から三丁目までが校区
給食センターからの報告
和泉市子ども未来室
高石市や泉大津市との比較
令和8年1月に第2回を実施
1学期の欠席日数が15日以上
週3回以上の遅刻が4週続いた
保護者が外国籍で通訳が必要
生活困窮者自立支援の相談歴
児童虐待防止法第6条の通告
R6.10.2 母より電話([[PHONE_NUMBER:090-8877-6655]])。[[PERSON:陽翔]]が昨夜帰宅せず、今朝戻ったとのこと。
[[PERSON:宮崎 さくら]]さん(中2)について、スクールカウンセラーと面談を調整中
[[PERSON:酒井]]君の父親は[[DATE_OF_BIRTH:昭和58年3月3日]]生まれ
[[ADDRESS:和泉市黒石町440番地の2]]、市営住宅
[[PERSON:浅野]]さん宅に民生委員が訪問
[[PERSON:星野 琉生]]/[[DATE_OF_BIRTH:2018.3.9]]/[[ADDRESS:和泉市室堂町1-7-20]]
[[PERSON:矢野]]の兄が高校を中退した
[[PERSON:永井]]先生が放課後に個別指導
同じクラスの[[PERSON:樋口]]さんとトラブル
母親は[[PERSON:千葉]]姓に戻った(離婚)
[[PERSON:エミリ]]ちゃん(4歳)の健診未受診
父:[[PERSON:ロドリゲス カルロス]] 携帯:[[PHONE_NUMBER:080-9012-3456]]
[[PERSON:佐野]]家、[[ADDRESS:和泉市桑原町2丁目8番15号]]
宛名番号:[[RESIDENT_NUMBER:7700112233]] 世帯主:[[PERSON:佐野 誠]]
[[EMAIL_ADDRESS:sano-makoto@example.com]]にも連絡済み
[[PERSON:小山]]さんの子(年中)が保育園を休みがち
[[POSTAL_CODE:〒594-0013]] [[ADDRESS:和泉市鶴山台2丁目3-1]]
[[PERSON:中野]]SSWへ引継ぎ
学籍番号:[[STUDENT_NUMBER:S-2023-0456]]([[PERSON:中野 陸]])
個人番号:[[MY_NUMBER:5512 3456 7892]]
マイナンバー(控え): [[MY_NUMBER:5512 3456 7898]] ※1桁違うかも
保護者の就労状況は把握していない
来週のケース会議で方針を決める
療育手帳の所持を加点項目にするか
家計急変で就学援助を新規申請した世帯
妊娠期からの継続支援が必要な家庭
未就学児のいる世帯で乳幼児健診の未受診が続く
夜間の一人歩きで警察に保護された児童
就学時健診に来なかった子
兄弟が多い家庭は加点すべきか
学校と福祉の双方で把握している子
保護者が精神科に通院中
要保護児童の進行管理台帳
生活保護の廃止から半年以内
母子生活支援施設の退所者
児童館の利用が毎日ある子
令和6年12月末時点の台帳
平成元年以前に生まれた保護者
1歳6か月・3歳児健診ともに未受診
小6から中1への進学時に欠席が増加
親が日本語を読めないため通知が届いていない
[[PERSON:村田 陽介]]くん(中1)、4月以降ほぼ毎日遅刻。母は[[PHONE_NUMBER:090-5678-1234]]
[[PERSON:長谷部]]さんのお宅は[[ADDRESS:和泉市幸2丁目4番6号]]
[[PERSON:渡部]]先生から「最近お弁当を持ってこない」と報告
妹の[[PERSON:美咲]]ちゃん([[DATE_OF_BIRTH:R3.8.12]]生)は保育園未入所
住所 [[POSTAL_CODE:〒594-0082]] [[ADDRESS:和泉市富秋町1-12-7]] メゾン富秋203
[[PERSON:片山]]家の父親が失職
連絡先:[[PHONE_NUMBER:0725-45-6789]]([[PERSON:片山]])
保護者メール [[EMAIL_ADDRESS:katayama.family@example.jp]]
宛名番号 [[RESIDENT_NUMBER:0000456789]] / 学籍番号 [[STUDENT_NUMBER:S-2024-0777]]
個人番号カードの番号は[[MY_NUMBER:4028 9177 3410]]
[[PERSON:マイケル]]くんの家庭は英語のみ
[[PERSON:大橋]]宅に家庭訪問したが会えず
[[PERSON:丸山 美和]]([[DATE_OF_BIRTH:1988年9月9日]]生)、無職
担任:[[PERSON:飯田]]、学年主任:[[PERSON:関]]
[[PERSON:しおり]]ちゃんのお母さんから電話
[[PERSON:増田]]の父が逮捕されたとの情報
[[ADDRESS:岸和田市宮本町3番5号]]から転入
父親([[PERSON:増田 剛]]、[[DATE_OF_BIRTH:S55.5.5]]生)は単身赴任
[[PERSON:松下]]ケースワーカーが同行
[[PERSON:水野]]様(祖母)宛てに通知
要対協の実務者会議で月1回進行管理
就学援助の認定率は13.66%
不登校の定義は年間30日以上の欠席
いじめの重大事態に該当するケース
乳幼児健診の未受診者への受診勧奨
子育て世帯訪問支援事業の利用
一時保護解除後の見守り期間は6か月
家庭訪問は2人1組で行う
虐待の疑いがある場合は48時間以内に安全確認
学校からの通告は全体の7.4%
支援につながった34人のうち12人が新規
スクリーニングは年2回(4月・10月)
令和8年度から本格実施
和泉市・岸和田市・泉大津市の3市比較
児童の住所地で管轄が決まる
保護者の同意なしで提供できる場合
第三者提供の記録を3年間保存
中学校区ごとの集計
前年度比で欠席が2倍以上
データは毎月10日に更新
先週相談のあった[[PERSON:堀内]]さんの件ですが、[[PERSON:亮太]]くんが今週も3日休んでいます。母の携帯([[PHONE_NUMBER:080-3344-5566]])にかけてもつながりません。
[[PERSON:吉川 紗希]]さん([[DATE_OF_BIRTH:平成22年10月5日]]生)は[[ADDRESS:和泉市尾井町2丁目9-3]]の祖父母宅から通学
[[PERSON:高野]]さんちの双子、[[PERSON:湊]]と[[PERSON:陸]]の健診がまだ
転出先:[[ADDRESS:堺市西区鳳東町4丁3-2]]
新住所は[[POSTAL_CODE:〒593-8324]] [[ADDRESS:堺市西区鳳東町4-3-2]]
連絡はメール([[EMAIL_ADDRESS:horiuchi.m@example.ne.jp]])希望
[[PERSON:ファン]]さん(母、ベトナム出身)は通訳が必要
[[PERSON:秋山]]先生と[[PERSON:石川]]先生が対応
学籍番号[[STUDENT_NUMBER:S-2020-0101]]の兄も同じ中学
[[PERSON:久保]]家は生活保護を受給中
記録者:[[PERSON:今村]]
[[PERSON:遠藤]]さん(民生委員)より情報提供
[[DATE_OF_BIRTH:H29.12.25]]生の女児、予防接種が一度も未接種
宛名番号：[[RESIDENT_NUMBER:100200300400500]]
[[PERSON:島田]]ちゃん、昨日も保健室で寝ていた
[[PERSON:西川 大輝]] ([[PHONE_NUMBER:06-6987-6543]])
要対協に登録するかどうか、次回の会議で判断します
欠席が連続5日以上になったら学校から家庭に連絡する運用です
ヤングケアラーの可能性がある子を、介護認定の情報から拾えますか
保健室の来室理由が「腹痛」「頭痛」の子を優先したい
就学援助と児童扶養手当の両方を受けている世帯は何世帯ありますか
4月1日時点の年齢で区切ってください
1歳6か月児健診の対象は生後1歳6か月を超え2歳に達しない子
昨年度の上位200人のうち、今年度も上位に入った子の割合
不登校の子の兄弟姉妹も候補に入れたい
DV避難中の世帯は住所を出さない
年度途中の転入者は4月に遡って集計する
ひとり親で就労していない世帯
給食費の未納が続いている場合は10点加算
生活保護の開始日が令和6年4月1日以降の世帯
虐待通告の記録は過去5年分を対象
住民税の課税状況は前年度の所得で判定
心の天気の「雨」「くもり」の合計が月10回以上
学校の欠席理由が「家庭の事情」の日数
全国学力調査の結果は使わない
スコアの内訳を担当者に見せる
候補の子は必ず人が確認してから支援会議にかける
この条件だと何人くらいになりますか
和泉市の要綱に合わせて名称を変えてください
去年の4月から今年の3月までのデータで試したい
[[PERSON:ﾔﾏﾓﾄ ﾀﾛｳ]]くんの件、至急
[[PERSON:Tanaka Yui]]さん(母)の連絡先は[[PHONE_NUMBER:090 2222 3333]]
[[PERSON:坂口]]さん 住所変更 [[ADDRESS:和泉市万町1012番地]]
[[PERSON:森本 晴]]、[[DATE_OF_BIRTH:2014/6/18]]生、[[ADDRESS:和泉市寺門町3丁目4-5]]
担当SSW:[[PERSON:平田]]
[[PERSON:川上]]さんとこの子、最近痩せた
[[PERSON:のぞみ]]ちゃんのおばあちゃんが入院
[[PERSON:谷口]]くんと[[PERSON:浜田]]くんがケンカ
母親の[[PERSON:由美子]]さんが育児に疲れている
[[DATE_OF_BIRTH:令和4年2月22日]]出生の第2子
[[POSTAL_CODE:〒５９４－１１０１]] [[ADDRESS:和泉市室堂町８４１番地]]
メール:[[EMAIL_ADDRESS:kawakami1985@example.com]]
[[PERSON:野村]]先生(スクールカウンセラー)と面談
電話番号 [[PHONE_NUMBER:0725-53-1234]] ([[PERSON:野村]])
宛名番号[[RESIDENT_NUMBER:2345678901]]、児童手当受給
[[PERSON:杉山]]さんの長男([[STUDENT_NUMBER:S-2022-0042]])
[[PERSON:藤井]]家の祖父が要介護3
[[PERSON:小田 悠人]]は4月から欠席が続いている
[[PERSON:須藤]]ママから相談
[[ADDRESS:和泉市光明台二丁目15番地の3]]に住む母子
要支援児童の定義を確認したい
保健室の利用が多い子のうち、欠席も多い子
子どもの貧困率11.5%を参考に閾値を決める
DVの記録がある世帯を福祉側で確認
10月1日時点で在籍している子
過去2年間で3回以上転居
住民票の異動が多い世帯
母子健康手帳の交付時期が遅い
2歳までに予防接種の未接種が3回以上
家計の急変があった世帯
児童扶養手当の一部支給停止
日本語指導が必要な児童生徒
学校徴収金の未納
特別支援学級の在籍
通級指導教室の利用
いじめ被害の継続
中学校の別室登校
放課後児童クラブの退所
夜間に一人で過ごす時間が長い
保護者の精神疾患
"""

_MARK = re.compile(r"\[\[([A-Z_]+):(.+?)\]\]")


def handwritten_sentences() -> list[Builder]:
    """Parse HANDWRITTEN into builders (the markers become gold spans)."""
    out = []
    for line in HANDWRITTEN.strip().splitlines():
        b, pos = Builder(), 0
        for m in _MARK.finditer(line):
            b.add(line[pos:m.start()]).add(m.group(2), m.group(1))
            pos = m.end()
        out.append(b.add(line[pos:]))
    return out


def main() -> None:
    rng = random.Random(SEED)
    values = Values(rng)
    items = (case_sentences(values) + note_sentences(values) + criteria_sentences(values)
             + tricky_negatives(values))
    rng.shuffle(items)
    rows = [(b, "generated") for b in items] + [(b, "handwritten") for b in handwritten_sentences()]
    seen: set[str] = set()
    lines = []
    for b, source in rows:
        if b.text in seen:
            continue
        seen.add(b.text)
        lines.append(json.dumps({"text": b.text, "spans": b.spans, "source": source},
                                ensure_ascii=False))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with_pii = sum(1 for line in lines if json.loads(line)["spans"])
    print(f"wrote {len(lines)} sentences ({with_pii} with PII) to {OUT}")


if __name__ == "__main__":
    main()
