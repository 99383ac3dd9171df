"""Word lists and SudachiPy dictionary look-ups used by the person-name recognizer."""

from __future__ import annotations

from functools import lru_cache

import regex

# Honorifics and name suffixes that follow a name.
HONORIFIC = regex.compile(r"^[ 　]?(?:くん|クン|君|さん|サン|ちゃん|チャン|様|さま|サマ|先生|氏|殿|ちゃま|たん)")
HONORIFIC_ANYWHERE = regex.compile(r"(?:くん|君|さん|ちゃん|様(?![子々式相態])|さま|先生|氏(?![名族]))")
KANA_HONORIFIC_ANYWHERE = regex.compile(r"(?:くん|君|さん|ちゃん|様(?![子々式相態])|さま)")
HONORIFIC_TAIL = regex.compile(r"[ 　]?(?:くん|君|さん|ちゃん|様|さま|先生|氏|殿)$")

# Kinship and role words that take an honorific but are not names (お母さん, 校長先生).
ROLE_WORDS = frozenset(
    "赤 婦 妊婦 母 父 兄 姉 弟 妹 子 娘 息子 祖母 祖父 叔母 叔父 伯母 伯父 孫 夫 妻 嫁 婿 奥 皆 客 友 隣 親 里親 "
    "担任 主任 副担任 教頭 校長 園長 所長 課長 係長 部長 室長 会長 班長 委員 職員 相談員 支援員 保育士 "
    "看護師 医師 主治医 先生 保健 養護 教諭 教員 講師 担当 家族 保護者 大家 近所 上 お手伝 運転手 "
    "義母 義父 継母 継父 実母 実父 養母 養父 本人 当該 同級生 上級生 下級生 生徒 児童 園児 学生 "
    "主治 先方 相手 向こう 地域 民生 民生委員 児童委員 市 区 町 村 県 府 国 役所 役場 施設 世帯主 世帯員 続柄".split())
ROLE_SUFFIX = regex.compile(r"(?:長|員|師|士|医|者|屋|官|係|課|局|所|室|校|園|会|庁|職|生|家)$")
# Narrower set for words the tokenizer split (保|健師): surnames often end in 屋, 所, 生.
GIVEN_ROLE_SUFFIX = regex.compile(r"(?:師|員|医|者|長|官)$")
KATAKANA_ROLES = frozenset(
    "ママ パパ ヘルパー ワーカー ケースワーカー ソーシャルワーカー スクールソーシャルワーカー カウンセラー "
    "スクールカウンセラー ドクター ナース センター コーディネーター サポーター ボランティア スタッフ "
    "ケアマネ ケアマネージャー ママ友 パート アルバイト ベビーシッター シッター リーダー マネージャー "
    "オーナー トレーナー コーチ メンバー".split())
LATIN_ROLES = frozenset("SSW SC CW SV PTA DV NPO ALT AI LLM OK NG TEL FAX Dr Mr Ms Mrs Miss Mx ID".split())
# Hiragana words before an honorific that are kinship or pronouns (おばあちゃん, みなさん).
HIRAGANA_KIN = regex.compile(
    r"(?:ばあ|じい|かあ|とう|ねえ|にい|ばー|じー|かー|とー|ねー|にー|ば|じ|あか|みな|みんな|こ|く|たく|いしゃ|(?<!ひ)まわり|ぼっ|じょう|あね|あに|"
    r"せんせい|だれ|どなた|こちら|そちら|あちら)$")

# What follows a name that is really part of a place or an organization (山田町, 田中小学校).
# Medical offices named after a family: 鈴木こどもクリニック, 松本整形外科, 高橋内科クリニック, 山田小児科医院.
MEDICAL_OFFICE = (r"(?:こども|子ども|キッズ|レディース|ファミリー)?(?:整形外科|心療内科|産婦人科|耳鼻咽喉科|耳鼻科|小児科|皮膚科|"
                  r"内科|外科|眼科|精神科|歯科)?(?:クリニック|医院|病院|診療所)|"
                  r"(?:整形外科|心療内科|産婦人科|耳鼻咽喉科|耳鼻科|小児科|皮膚科|内科|外科|眼科|精神科)(?![医の]師)")
PLACE_OR_ORG_AFTER = regex.compile(
    r"^(?:" + MEDICAL_OFFICE + r"|町|市|村|区|郡|県|駅|小学校|中学校|高校|高等学校|小|中|高|幼稚園|保育園|保育所|こども園|"
    r"病院|医院|クリニック|通り|川|橋|店|商店|工業|建設|法律事務所|事務所|線|公園|団地|地区|丁目|ニュータウン|タウン|子育て|ナビ|アプリ|ポータル|の(?:家|会|森|里|広場|ひろば)[」』]|"
    r"図書館|会館|センター|市役所|役場|神社|教会|信用金庫|信金|銀行|協会|組合|株式会社|生協|クラブ|神宮|"
    r"八幡宮|児童館|公民館|学童|寺(?![\p{Han}])|台(?:在住|の|に)|公民館|自治会|方面|方向|行きの|"
    r"駐屯地|基地|霊園|墓地|空港|丘陵|古墳|運動場|グラウンド|体育館|プール|ホール|記念館|美術館|博物館|歴史館|"
    r"資料館|試験場|の会(?![話議社計])|学校|校区|学区|組(?![\p{Han}])|学級|教室|"
    # companies and shops: 山田ホールディングス, 佐藤工務店, 中村歯科
    r"ホールディングス|コーポレーション|グループ|商事|物産|産業|運輸|製作所|不動産|興業|工務店|薬局|歯科|整骨院|接骨院|"
    # 南松尾|はつが野学園, はつ|が野地区: the rest of a school's or a town's name
    r"[\p{Hiragana}]{2,4}[\p{Han}]{1,2}(?:学園|小学校|中学校|義務教育学校)|[がヶケ][\p{Han}](?:地区|町|自治会|小学校|中学校|学園|在住|台))")
# How far after a name PLACE_OR_ORG_AFTER looks (鈴木|こどもクリニック is 8 characters).
_ORG_AFTER_WINDOW = 10


def org_after(text: str, end: int) -> bool:
    """Whether what follows position `end` makes the word before it part of a place or an organization."""
    return PLACE_OR_ORG_AFTER.match(text[end:end + _ORG_AFTER_WINDOW]) is not None


ORG_TAIL = regex.compile(
    r"(?:" + MEDICAL_OFFICE + r"|病院|医院|クリニック|小学校|中学校|高校|高等学校|幼稚園|保育園|保育所|こども園|事務所|商店|工業|建設|"
    r"駅|公園|図書館|会館|センター|市役所|役場|神社|教会|団地|通り|信用金庫|信金|銀行|協会|組合|株式会社|"
    r"有限会社|生協|クラブ|神宮|八幡宮|児童館|公民館|学童|組|学級|教室|"
    r"ホールディングス|コーポレーション|グループ|グループホーム|商事|物産|産業|運輸|製作所|不動産|興業|工務店|薬局|歯科|整骨院|接骨院|支店|支社|本店|営業所|出張所)$")
NAME_AS_WORD = regex.compile(r"^(?:という|って|っていう)(?:名字|苗字|姓|名前|氏名)")
MUNICIPALITY_HEAD = regex.compile(r"^(\p{Han}{2,4})[都道府県市区町村郡]")

# Context that makes a lone surname a person: 吉田家, 林宅, 林の母, 担当:辻.
LONE_NAME_AFTER = regex.compile(
    r"^(?:家(?![庭族事具電])|宅|方|一家|姓(?![名])|[(（]|記[)）]|の(?:母|父|祖母|祖父|兄|姉|弟|妹|長男|長女|次男|次女|"
    r"息子|娘|お母さん|お父さん|家(?![庭族事具電])|保護者)|[ 　]?(?:SSW|SC|CW|ケースワーカー|ワーカー|主任|係長|課長|保健師|"
    r"相談員|指導主事|教諭|医師|看護師|保育士|支援員|校長|副校長|教頭|主査|主幹|室長|所長|園長|生徒指導主事))")
# Context that makes a lone given name a person: 弟の湊, 双子、湊と陸.
GIVEN_NAME_BEFORE = regex.compile(
    r"(?:弟|妹|兄|姉|長男|長女|次男|次女|三男|三女|息子|娘|双子|末っ子|第[1-9一二三四五]子)[ 　]?[のは、:：]?[ 　]?$")
LONE_NAME_BEFORE = regex.compile(
    r"(?:(?:担当|担当者|記入者|担任|対応者|報告者|作成者|母|父|祖母|祖父|本人|氏名|名前|保護者|児童|生徒|宛名"
    r"|助産師|保健師|看護師|保育士|相談員|支援員|指導員|養護教諭|園長|訪問者|支援室|相談室|支援課|福祉課|推進課|[\p{Han}]係)"
    r"[ 　]?[:：は]?[ 　]?"
    r"|(?:主任|校長|教頭|教諭|相談員|支援員|保健師|ワーカー|SSW|SC|CW)[ 　]?[:：][ 　]?"
    r"|[(（])$")


@lru_cache(maxsize=1)
def sudachi_dictionary():
    """SudachiPy's core dictionary (the one GiNZA uses), opened once."""
    import sudachipy

    return sudachipy.Dictionary(dict="core")


@lru_cache(maxsize=4096)
def can_be_surname(word: str) -> bool:
    """True when SudachiPy lists `word` as a surname (林, 森, 辻 are also common nouns)."""
    return any(m.part_of_speech()[2:4] == ("人名", "姓") for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def can_be_given_name(word: str) -> bool:
    """True when SudachiPy lists `word` as a given name (湊, 陸, 翼 are also nouns)."""
    return any(m.part_of_speech()[2:4] == ("人名", "名") for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def is_place_name(word: str) -> bool:
    """True when SudachiPy lists `word` as a place name (地名)."""
    return any(m.part_of_speech()[2] == "地名" for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def lexical_kind(word: str) -> str:
    """'name' for a listed surname or given name, 'noun' for a common noun, else ''.

    SudachiPy also lists many katakana loanwords (データ, ケース) as foreign 人名-一般, so only
    姓 and 名 entries count as names.
    """
    pos = [m.part_of_speech() for m in sudachi_dictionary().lookup(word)]
    if any(p[2] == "人名" and p[3] in ("姓", "名") for p in pos):
        return "name"
    if any(p[1] == "普通名詞" for p in pos):
        return "noun"
    return ""


@lru_cache(maxsize=4096)
def is_time_or_counter(word: str) -> bool:
    """True when SudachiPy lists `word` as a noun that can be an adverb or a counter (冬, 朝, 月)."""
    return any(m.part_of_speech()[0] == "名詞" and m.part_of_speech()[2] in ("副詞可能", "助数詞可能")
               for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def has_person_entry(word: str) -> bool:
    """True when SudachiPy lists `word` as any kind of person name, foreign ones (人名-一般: アナ,
    ソフィア, カイト) included; loanwords such as クラス are listed so too, so callers need context."""
    return any(m.part_of_speech()[2] == "人名" for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def is_abstract_noun(word: str) -> bool:
    """True when SudachiPy lists `word` as a noun that can be an adjective or a verb (健康, 平和,
    心配): given names such as 健康 exist, but as the subject of a clause the word is the noun."""
    return any(m.part_of_speech()[0] == "名詞" and m.part_of_speech()[2] in ("形状詞可能", "サ変可能")
               for m in sudachi_dictionary().lookup(word))


@lru_cache(maxsize=4096)
def dictionary_kinds(word: str) -> frozenset[str]:
    """The parts of speech SudachiPy lists for `word` as a whole (名詞-普通名詞, 動詞, 助動詞 …); empty when
    the dictionary lacks the word (そうた, こはる, ゆずき)."""
    return frozenset("-".join(p for p in m.part_of_speech()[:2] if p != "*") for m in sudachi_dictionary().lookup(word))


def is_hiragana_kin(word: str) -> bool:
    """Kinship words and pronouns in hiragana (おばあ, みな, あのこ, ちびっこ), but not given names
    ending in こ (りこ, さちこ, ようこ) that are no common noun (ねこ)."""
    if not HIRAGANA_KIN.search(word):
        return False
    if len(word) >= 2 and word.endswith("こ") and word[-2] not in "のっこ" and lexical_kind(word) != "noun" \
            and not regex.search(r"(?:ばあ|じい|かあ|とう|ねえ|にい|みな|みんな|たく)こ$", word):
        return False
    return True


def is_role_word(word: str) -> bool:
    """Kinship, job and role words that are followed by honorifics but are not names."""
    return (word in ROLE_WORDS or word in KATAKANA_ROLES or bool(ROLE_SUFFIX.search(word))
            or any(word.endswith(role) for role in KATAKANA_ROLES))
