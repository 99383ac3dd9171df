"""A synthetic city: the exports each department would hand over, with realistic co-occurring risks.

Model (vectorized with numpy; one seeded Generator, so the same seed gives the same bytes):

- households with 1-4 children, 1 or 2 guardians (single-parent share from rates.yaml), some with
  grandparents (three-generation), some foreign;
- a latent household risk ``z`` ~ N(0,1), shifted up for single-parent households; poverty is the top
  of ``z`` within each group so that the overall and single-parent poverty rates match the figures;
- every other factor is a logistic draw in ``z`` (+ poverty), calibrated to its base rate, so that
  absence, lunch arrears, school aid, public assistance and consultations correlate;
- surface strings (names with matching kana, addresses from 和泉市's town list, phones, remarks) are
  drawn from precomputed pools by index, never per row from Faker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from engine.synth.writer import format_dates, format_ids, write_csv

DEFAULT_AS_OF = date(2026, 10, 1)
SCHOOL_DAYS = {4: 19, 5: 19, 6: 21, 7: 14, 8: 3, 9: 19, 10: 21, 11: 19, 12: 16, 1: 17, 2: 18, 3: 16}
ID_WIDTH = {"resident": 10, "household": 10, "student": 8}


def _load(name: str) -> dict:
    return yaml.safe_load(resources.files("engine.synth").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def rates() -> dict:
    return _load("rates.yaml")


@lru_cache(maxsize=1)
def formats() -> dict:
    return _load("formats.yaml")


@lru_cache(maxsize=1)
def places() -> dict:
    return _load("towns.yaml")


@lru_cache(maxsize=1)
def remarks() -> dict:
    return _load("remarks.yaml")


def default_children() -> int:
    return int(rates()["city"]["children_0_19"])


@dataclass(frozen=True)
class SynthSummary:
    out_dir: Path
    seed: int
    as_of: date
    children: int
    households: int
    guardians: int
    students: int
    linked_students: int
    files: dict[str, int] = field(default_factory=dict)  # export name -> data rows


# ---------------------------------------------------------------------------------------------
# name pools (precomputed once; CP932-safe because several systems export in CP932)


def _cp932_ok(s: str) -> bool:
    try:
        s.encode("cp932")
        return True
    except UnicodeEncodeError:
        return False


@lru_cache(maxsize=1)
def _name_pools() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    from faker.providers.person.ja_JP import Provider

    def pool(pairs: Any, weighted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # Faker's name tables
        items = list(pairs.items()) if hasattr(pairs, "items") else [(p, 1.0) for p in pairs]
        items = [(p, w) for p, w in items if _cp932_ok(p[0]) and _cp932_ok(p[1])]
        kanji = np.array([p[0] for p, _ in items], dtype=object)
        kana = np.array([p[1] for p, _ in items], dtype=object)
        w = np.array([float(w) for _, w in items])
        return kanji, kana, (w / w.sum()) if weighted else None

    return {
        "last": pool(Provider.last_name_pairs, True),
        "female": pool(Provider.first_name_female_pairs, False),
        "male": pool(Provider.first_name_male_pairs, False),
    }


# ---------------------------------------------------------------------------------------------
# calibrated draws


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def calibrated_prob(score: np.ndarray, rate: float, beta: float) -> np.ndarray:
    """Per-row probabilities sigmoid(a + beta*score) with `a` chosen so that their mean equals `rate`."""
    if len(score) == 0:
        return np.zeros(0)
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(mid + beta * score).mean() < rate:
            lo = mid
        else:
            hi = mid
    return _sigmoid((lo + hi) / 2 + beta * score)


class _Draws:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.r = rates()["rates"]

    def flag(self, name: str, score: np.ndarray) -> np.ndarray:
        spec = self.r[name]
        p = calibrated_prob(score, float(spec["rate"]), float(spec["beta"]))
        return self.rng.random(len(score)) < p


def _poisson(rng: np.random.Generator, lam: np.ndarray | float, size: int | None = None) -> np.ndarray:
    """rng.poisson that accepts empty arrays (numpy validates lam with a max over it)."""
    n = size if size is not None else np.size(lam)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    return rng.poisson(lam, size)


def _unique_ids(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """n distinct random identifiers below 10**(width-2) (so most have leading zeros)."""
    hi = 10 ** (width - 2)
    out = np.zeros(0, dtype=np.int64)
    while len(out) < n:
        cand = rng.integers(1, hi, size=int((n - len(out)) * 1.1) + 16)
        merged = np.concatenate([out, cand])
        _, first = np.unique(merged, return_index=True)
        out = merged[np.sort(first)]
    return out[:n]


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int, p: np.ndarray | None = None) -> np.ndarray:
    return rng.choice(len(pool), size=n, p=p)


def _days_before(rng: np.random.Generator, as_of: date, n: int, max_days: int, weekdays: bool = False) -> np.ndarray:
    """Ordinals of random dates in [as_of - max_days, as_of)."""
    o = as_of.toordinal() - rng.integers(1, max_days + 1, size=n)
    if weekdays:  # move weekend days to the Friday before (date.fromordinal(o).weekday() == (o - 1) % 7)
        weekday = (o - 1) % 7
        o = o - np.where(weekday == 5, 1, 0) - np.where(weekday == 6, 2, 0)
    return o


def _month_starts(as_of: date, months: int) -> list[date]:
    """First days of the `months` full months before as_of's month, oldest first."""
    y, m = as_of.year, as_of.month
    out = []
    for _ in range(months):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(date(y, m, 1))
    return out[::-1]


def _add_months(ordinals: np.ndarray, months: int) -> np.ndarray:
    ds = [date.fromordinal(int(o)) for o in ordinals]
    out = []
    for d in ds:
        k = d.year * 12 + d.month - 1 + months
        out.append(date(k // 12, k % 12 + 1, 1).toordinal())
    return np.array(out, dtype=np.int64)


# ---------------------------------------------------------------------------------------------


def generate_city(out_dir: str | Path, children: int | None = None, seed: int = 0,
                  as_of: date = DEFAULT_AS_OF) -> SynthSummary:
    """Write every department's export (CSV) for a synthetic city of `children` children aged 0-19."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n_target = default_children() if children is None else int(children)
    if n_target < 1:
        raise ValueError("children must be at least 1")
    rng = np.random.default_rng(seed)
    R = rates()
    draw = _Draws(rng)
    fy = as_of.year if as_of.month >= 4 else as_of.year - 1
    today = as_of.toordinal()

    # ---- households and children
    shares = np.array(R["household"]["children_per_household"]["shares"], dtype=float)
    k = rng.choice(np.arange(1, len(shares) + 1), size=int(n_target / (shares @ np.arange(1, len(shares) + 1)) * 1.1) + 4,
                   p=shares / shares.sum())
    csum = np.cumsum(k)
    H = int(np.searchsorted(csum, n_target) + 1)
    k = k[:H].copy()
    k[-1] -= int(csum[H - 1] - n_target)
    C = int(k.sum())
    single = rng.random(H) < R["household"]["single_parent"]["rate"]
    single_mother = single & (rng.random(H) < R["household"]["single_mother_share"]["rate"])
    three_gen = rng.random(H) < R["household"]["three_generation"]["rate"]
    foreign = rng.random(H) < R["household"]["foreign_nationality"]["rate"]
    z = rng.standard_normal(H) + 0.7 * single
    # poverty: the top of z within each group, at the group's published rate
    p_all, p_single = R["poverty"]["overall"]["rate"], R["poverty"]["single_parent"]["rate"]
    share_single = single.mean() if H else 0.0
    p_couple = max(0.0, (p_all - share_single * p_single) / max(1e-9, 1 - share_single))
    poor = np.zeros(H, dtype=bool)
    for mask, p in ((single, p_single), (~single, p_couple)):
        if mask.any():
            thr = np.quantile(z[mask], 1 - p)
            poor[mask] = z[mask] > thr
    hscore = z + 0.8 * poor

    child_hh = np.repeat(np.arange(H), k)
    order = np.arange(C) - np.repeat(np.cumsum(k) - k, k)  # 0 = oldest
    gaps = 1.0 + rng.gamma(2.0, 0.8, size=C)
    gaps[order == 0] = 0.0
    cs_gap = np.cumsum(gaps)
    cum_gap = cs_gap - cs_gap[np.cumsum(k) - k][child_hh]
    total_gap = np.zeros(H)
    np.maximum.at(total_gap, child_hh, cum_gap)
    scale = np.where(total_gap > 18.0, 18.0 / np.maximum(total_gap, 1e-9), 1.0)
    cum_gap = cum_gap * scale[child_hh]
    total_gap = total_gap * scale
    youngest = rng.random(H) * (19.99 - total_gap)
    age_years = youngest[child_hh] + (total_gap[child_hh] - cum_gap)
    child_birth = today - np.floor(age_years * 365.25).astype(np.int64) - 1
    child_sex = np.where(rng.random(C) < 0.512, 1, 2)
    cscore = hscore[child_hh] + 0.6 * rng.standard_normal(C)
    oldest_birth = np.full(H, today, dtype=np.int64)
    np.minimum.at(oldest_birth, child_hh, child_birth)

    # ---- guardians (世帯主 and 妻/夫) and grandparents (父/母)
    n_guard = np.where(single, 1, 2)
    g_hh = np.repeat(np.arange(H), n_guard)
    g_first = np.repeat(np.cumsum(n_guard) - n_guard, n_guard)
    g_is_head = np.arange(len(g_hh)) == g_first
    father_head = rng.random(H) < 0.92
    g_female = np.where(g_is_head, np.where(single, single_mother, ~father_head)[g_hh],
                        father_head[g_hh])
    g_role = np.where(g_is_head, "世帯主", np.where(g_female, "妻", "夫"))
    mother_age_at_first = np.clip(rng.normal(29.5, 4.8, size=H), 16, 46)
    g_age_at_first = mother_age_at_first[g_hh] + np.where(g_female, 0.0, np.clip(rng.normal(2.0, 3.0, len(g_hh)), -5, 12))
    g_birth = oldest_birth[g_hh] - np.floor(g_age_at_first * 365.25).astype(np.int64)
    G = len(g_hh)
    gp_n = np.where(three_gen, rng.integers(1, 3, size=H), 0)
    gp_hh = np.repeat(np.arange(H), gp_n)
    gp_female = (np.arange(len(gp_hh)) - np.repeat(np.cumsum(gp_n) - gp_n, gp_n)) == 1
    gp_female = gp_female | (rng.random(len(gp_hh)) < 0.5) & (gp_n[gp_hh] == 1)
    gp_birth = g_birth[g_first[np.searchsorted(g_hh, gp_hh)]] - np.floor(np.clip(rng.normal(28, 4, len(gp_hh)), 18, 42) * 365.25).astype(np.int64)
    GP = len(gp_hh)

    # ---- identifiers
    P = C + G + GP
    atena = _unique_ids(rng, P, ID_WIDTH["resident"])
    c_atena, g_atena, gp_atena = atena[:C], atena[C:C + G], atena[C + G:]
    setai = _unique_ids(rng, H, ID_WIDTH["household"])

    # ---- surface strings: names (kanji + matching kana), addresses, phones
    pools = _name_pools()
    last_k, last_kana, last_w = pools["last"]
    hh_last = _pick(rng, last_k, H, last_w)
    fk, fkana, _ = pools["female"]
    mk, mkana, _ = pools["male"]

    def person_names(hh: np.ndarray, female: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(hh)
        fi = rng.integers(0, len(fk), size=n)
        mi = rng.integers(0, len(mk), size=n)
        first = np.where(female, fk[fi], mk[mi])
        first_kana = np.where(female, fkana[fi], mkana[mi])
        kanji = last_k[hh_last[hh]] + "\u3000" + first
        kana = last_kana[hh_last[hh]] + " " + first_kana
        return kanji.astype(object), kana.astype(object)

    c_name, c_kana = person_names(child_hh, child_sex == 2)
    g_name, g_kana = person_names(g_hh, g_female)
    gp_name, gp_kana = person_names(gp_hh, gp_female)
    towns = places()["towns"]
    t_idx = rng.integers(0, len(towns), size=H)
    chome_max = np.array([t["chome"] for t in towns])[t_idx]
    chome = np.where(chome_max > 0, rng.integers(0, 10_000, size=H) % np.maximum(chome_max, 1) + 1, 0)
    ban = rng.integers(1, 40, size=H)
    go = rng.integers(1, 30, size=H)
    banchi = rng.integers(1, 2500, size=H)
    kanji_num = np.array(["", "一", "二", "三", "四", "五", "六", "七", "八", "九"], dtype=object)
    style = rng.random(H) < 0.5
    pref, city = places()["prefecture"], places()["city"]
    tname = np.array([t["name"] for t in towns], dtype=object)[t_idx]
    addr = np.where(
        chome > 0,
        np.where(style,
                 pref + city + tname + kanji_num[np.minimum(chome, 9)] + "丁目" + ban.astype(str) + "番" + go.astype(str) + "号",
                 pref + city + tname + chome.astype(str) + "-" + ban.astype(str) + "-" + go.astype(str)),
        pref + city + tname + banchi.astype(str).astype(object) + "番地",
    ).astype(object)
    area = places()["area_code"]
    mobile = rng.random(H) < 0.7
    a = rng.integers(0, 10_000, size=H)
    b = rng.integers(0, 10_000, size=H)
    prefix = np.array(["090", "080", "070"], dtype=object)[rng.integers(0, 3, size=H)]
    phone = np.where(
        mobile,
        prefix + "-" + np.char.zfill(a.astype(str), 4).astype(object) + "-" + np.char.zfill(b.astype(str), 4).astype(object),
        area + "-" + np.char.zfill((a % 90 + 10).astype(str), 2).astype(object) + "-" + np.char.zfill(b.astype(str), 4).astype(object),
    ).astype(object)

    files: dict[str, int] = {}
    fmt = formats()

    def ids(values: np.ndarray, id_type: str, export: str) -> np.ndarray:
        return format_ids(values, ID_WIDTH[id_type], fmt[export].get("id_style", "zero"))

    def dcol(ordinals: np.ndarray, export: str, column: str) -> np.ndarray:
        return format_dates(ordinals, fmt[export]["dates"][column])

    def write(export: str, columns: dict) -> None:
        spec = fmt[export]
        files[export] = write_csv(out / f"{export}.csv", columns, spec["encoding"], spec["newline"])

    def remark(kind: str, n: int, hh: np.ndarray, child_name: np.ndarray | None = None) -> np.ndarray:
        templates = remarks()[kind]
        t = rng.integers(0, len(templates), size=n)
        head_idx = g_first[np.searchsorted(g_hh, hh)] if n else np.zeros(0, dtype=np.int64)
        schools = places()["schools"]["elementary"]
        s_idx = rng.integers(0, len(schools), size=n)
        out_ = []
        for i in range(n):
            out_.append(templates[t[i]].format(
                guardian=g_name[head_idx[i]].replace("\u3000", ""), phone=phone[hh[i]], town=tname[hh[i]],
                school=schools[s_idx[i]], child=(child_name[i].replace("\u3000", "") if child_name is not None else "")))
        return np.array(out_, dtype=object)

    # ---- 住民基本台帳
    nationalities = np.array(["中国", "ベトナム", "フィリピン", "ブラジル", "韓国", "ネパール"], dtype=object)
    h_nat = np.where(foreign, nationalities[rng.integers(0, len(nationalities), size=H)], "日本").astype(object)
    p_hh = np.concatenate([child_hh, g_hh, gp_hh])
    p_role = np.concatenate([np.full(C, "子", dtype=object), g_role.astype(object),
                             np.where(gp_female, "母", "父").astype(object)])
    p_sex = np.concatenate([child_sex, np.where(g_female, 2, 1), np.where(gp_female, 2, 1)])
    p_birth = np.concatenate([child_birth, g_birth, gp_birth])
    p_name = np.concatenate([c_name, g_name, gp_name])
    p_kana = np.concatenate([c_kana, g_kana, gp_kana])
    sort = np.lexsort((np.concatenate([order, np.arange(G) - g_first + 100, np.arange(GP) + 200]), p_hh))
    write("jumin", {
        "宛名番号": ids(atena[sort], "resident", "jumin"),
        "世帯番号": ids(setai[p_hh[sort]], "household", "jumin"),
        "氏名": p_name[sort], "氏名カナ": p_kana[sort],
        "生年月日": dcol(p_birth[sort], "jumin", "生年月日"),
        "性別": p_sex[sort].astype(str), "続柄": p_role[sort], "国籍": h_nat[p_hh[sort]],
        "住所": addr[p_hh[sort]], "電話番号": phone[p_hh[sort]],
    })

    # ---- 異動 (転入・転居) in the last 3 years
    moved = draw.flag("moved", cscore) & (child_birth < today - 200)
    mi = np.flatnonzero(moved)
    n_mv = 1 + (rng.random(len(mi)) < 0.3 + 0.2 * (cscore[mi] > 1))
    mv_child = np.repeat(mi, n_mv)
    mv_date = np.minimum(np.maximum(_days_before(rng, as_of, len(mv_child), 3 * 365), child_birth[mv_child] + 1), today - 1)
    mv_code = np.where(rng.random(len(mv_child)) < 0.45, "11", "12")
    o = np.lexsort((mv_date, mv_child))
    write("jumin_idou", {"宛名番号": ids(c_atena[mv_child[o]], "resident", "jumin_idou"),
                         "異動事由": mv_code[o], "異動日": dcol(mv_date[o], "jumin_idou", "異動日")})

    # ---- 乳幼児健診 未受診 (4か月, 1歳6か月, 3歳) whose target month lies in the last 3 years
    kc, km, kcode = [], [], []
    for age_months, code in ((4, "04M"), (18, "18M"), (36, "36M")):
        target = _add_months(child_birth, age_months) if C else np.zeros(0, dtype=np.int64)
        eligible = (target < date(as_of.year, as_of.month, 1).toordinal()) & (target >= today - 3 * 365)
        missed = eligible & draw.flag("checkup_missed", cscore)
        kc.append(np.flatnonzero(missed))
        km.append(target[missed])
        kcode.append(np.full(int(missed.sum()), code, dtype=object))
    kc_, km_, kcode_ = np.concatenate(kc), np.concatenate(km), np.concatenate(kcode)
    o = np.lexsort((km_, kc_))
    write("kenshin", {"宛名番号": ids(c_atena[kc_[o]], "resident", "kenshin"), "氏名": c_name[kc_[o]],
                      "健診種別": kcode_[o], "対象月": dcol(km_[o], "kenshin", "対象月"),
                      "受診勧奨": np.where(rng.random(len(o)) < 0.6, "済", "未").astype(object)})

    # ---- 予防接種 (0-12 years): one row per child
    age_days = today - child_birth
    vac = np.flatnonzero(age_days < 13 * 365)
    missed_v = draw.flag("vaccination_missed", cscore[vac])
    n_missed = np.where(missed_v, 1 + _poisson(rng, 0.8 + 0.5 * np.clip(cscore[vac], 0, None)), 0)
    write("yobo_sesshu", {"宛名番号": ids(c_atena[vac], "resident", "yobo_sesshu"), "未接種数": n_missed.astype(str)})

    # ---- 母子保健 (children aged 0-5 born in the city, with a mother in the household)
    mother_of_hh = np.full(H, -1, dtype=np.int64)
    gidx = np.arange(G)
    mother_of_hh[g_hh[g_female]] = gidx[g_female]
    bo = np.flatnonzero((age_days < 6 * 365) & (mother_of_hh[child_hh] >= 0) & (rng.random(C) < 0.92))
    mom = mother_of_hh[child_hh[bo]]
    late = draw.flag("late_pregnancy_notice", cscore[bo])
    weeks = np.where(late, rng.integers(22, 40, size=len(bo)), np.clip(np.round(rng.normal(9.5, 2.5, len(bo))), 5, 21)).astype(int)
    visit_unmet = draw.flag("home_visit_unmet", cscore[bo])
    visit = np.where(visit_unmet, np.where(rng.random(len(bo)) < 0.7, "未面会", "拒否"), "面会").astype(object)
    lbw = draw.flag("low_birth_weight", cscore[bo])
    weight = np.where(lbw, rng.integers(900, 2500, size=len(bo)), np.clip(rng.normal(3080, 380, len(bo)), 2500, 4800).astype(int))
    epds_hi = draw.flag("epds_high", cscore[bo])
    epds = np.where(epds_hi, rng.integers(9, 27, size=len(bo)), np.clip(_poisson(rng, 3.5, len(bo)), 0, 8))
    # EPDS belongs to the mother's latest birth: only the youngest child's row carries it
    youngest_row = np.zeros(len(bo), dtype=bool)
    if len(bo):
        last_seen: dict[int, int] = {}
        for i in np.argsort(-child_birth[bo], kind="stable"):
            last_seen.setdefault(int(mom[i]), int(i))
        youngest_row[list(last_seen.values())] = True
    epds_s = np.where(youngest_row & (rng.random(len(bo)) < 0.93), epds.astype(str), "").astype(object)
    write("boshi", {"宛名番号": ids(c_atena[bo], "resident", "boshi"), "氏名": c_name[bo],
                    "出生日": dcol(child_birth[bo], "boshi", "出生日"),
                    "母宛名番号": ids(g_atena[mom], "resident", "boshi"), "母氏名": g_name[mom],
                    "届出週数": weeks.astype(str), "全戸訪問結果": visit, "出生体重": weight.astype(str),
                    "EPDS得点": epds_s})

    # ---- 保育 (0-5)
    pre = np.flatnonzero(age_days < 6 * 365)
    enrolled_n = draw.flag("nursery_enrolled", cscore[pre])
    withdrawn = ~enrolled_n & (rng.random(len(pre)) < 0.03)
    listed = enrolled_n | withdrawn
    rows_h = pre[listed]
    entry = np.maximum(child_birth[rows_h] + 120, today - rng.integers(30, 1500, size=len(rows_h)))
    nurseries = np.array(places()["nurseries"], dtype=object)
    write("hoiku", {"宛名番号": ids(c_atena[rows_h], "resident", "hoiku"),
                    "園名": nurseries[rng.integers(0, len(nurseries), size=len(rows_h))],
                    "入所日": dcol(entry, "hoiku", "入所日"),
                    "在籍状況": np.where(enrolled_n[listed], "在籍", "退園").astype(object)})
    in_now = enrolled_n[listed]
    nk, nk_entry = rows_h[in_now], entry[in_now]
    months = _month_starts(as_of, 12)
    m_ord = np.array([m.toordinal() for m in months])
    base = np.clip(0.08 + 0.05 * cscore[nk], 0.02, 0.6)
    days = np.array([SCHOOL_DAYS[m.month] + 2 for m in months])
    absn = rng.binomial(np.broadcast_to(days, (len(nk), len(months))), base[:, None])
    # months from the month of entry on (a child enrolled in June has no April record)
    attended = m_ord[None, :] >= (nk_entry[:, None] - 30)
    r_i, m_i = np.nonzero(attended)
    write("hoiku_shusseki", {"宛名番号": ids(c_atena[nk[r_i]], "resident", "hoiku_shusseki"),
                             "年月": dcol(m_ord[m_i], "hoiku_shusseki", "年月"),
                             "欠席日数": absn[r_i, m_i].astype(str)})

    # ---- 家庭児童相談, 虐待通告, 要対協
    def events(flag: np.ndarray, mean_extra: float, max_days: int) -> tuple[np.ndarray, np.ndarray]:
        who = np.flatnonzero(flag)
        n = 1 + _poisson(rng, mean_extra, size=len(who))
        rows = np.repeat(who, n)
        d = np.minimum(np.maximum(_days_before(rng, as_of, len(rows), max_days, weekdays=True), child_birth[rows] + 1), today - 1)
        o_ = np.lexsort((d, rows))
        return rows[o_], d[o_]

    abused = draw.flag("abuse_report", cscore)
    consult = draw.flag("family_consultation", cscore) | (abused & (rng.random(C) < 0.6))
    rows, d = events(consult, 0.8, 730)
    codes = np.array(["11", "12", "20", "30", "40", "90"], dtype=object)
    cc = codes[rng.choice(6, size=len(rows), p=[0.30, 0.20, 0.10, 0.05, 0.25, 0.10])]
    cc = np.where(abused[rows] & (rng.random(len(rows)) < 0.7), "11", cc)
    write("katei_soudan", {"宛名番号": ids(c_atena[rows], "resident", "katei_soudan"), "氏名": c_name[rows],
                           "受付日": dcol(d, "katei_soudan", "受付日"), "相談種別": cc,
                           "備考": remark("katei_soudan", len(rows), child_hh[rows], c_name[rows])})
    rows, d = events(abused, 0.4, 730)
    types = np.array(["2", "1", "3", "4"], dtype=object)[rng.choice(4, size=len(rows), p=[0.598, 0.229, 0.162, 0.011])]
    write("tsukoku", {"宛名番号": ids(c_atena[rows], "resident", "tsukoku"), "通告日": dcol(d, "tsukoku", "通告日"),
                      "虐待種別": types, "備考": remark("tsukoku", len(rows), child_hh[rows], c_name[rows])})
    reg = draw.flag("yotaikyo_registered", cscore) | (abused & (rng.random(C) < 0.35))
    past = ~reg & draw.flag("yotaikyo_past", cscore)
    prot = (reg | past) & draw.flag("temporary_protection", cscore) | ((reg | past) & abused & (rng.random(C) < 0.1))
    yi = np.flatnonzero(reg | past)
    write("yotaikyo", {"宛名番号": ids(c_atena[yi], "resident", "yotaikyo"),
                       "登録状況": np.where(reg[yi], "登録中", "終結").astype(object),
                       "登録日": dcol(np.maximum(_days_before(rng, as_of, len(yi), 2500), child_birth[yi] + 1), "yotaikyo", "登録日"),
                       "一時保護歴": np.where(prot[yi], "有", "無").astype(object)})

    # ---- schools: pupils in grades 1-9 of city schools
    april2 = date(fy, 4, 2)
    grade_age = np.array([april2.year - date.fromordinal(int(b)).year - ((april2.month, april2.day) < (date.fromordinal(int(b)).month, date.fromordinal(int(b)).day)) for b in child_birth], dtype=np.int64) if C else np.zeros(0, dtype=np.int64)
    grade = grade_age - 5
    in_city_school = (grade >= 1) & (grade <= 9) & (rng.random(C) < np.where(grade <= 6, 0.97, 0.92))
    st = np.flatnonzero(in_city_school)
    S = len(st)
    student_no = _unique_ids(rng, S, ID_WIDTH["student"] + 2) % (10 ** ID_WIDTH["student"])
    student_no = np.unique(student_no, return_index=True)
    student_no = student_no[0][np.argsort(student_no[1])]
    if len(student_no) < S:  # vanishingly rare collision after the modulo: top up
        extra = np.setdiff1d(np.arange(1, 10 ** ID_WIDTH["student"], 7919), student_no)[: S - len(student_no)]
        student_no = np.concatenate([student_no, extra])
    s_grade = grade[st]
    s_score = cscore[st]
    elem = np.array(places()["schools"]["elementary"], dtype=object)
    jh = np.array(places()["schools"]["junior_high"], dtype=object)
    school_name = np.where(s_grade <= 6, elem[child_hh[st] % len(elem)], jh[child_hh[st] % len(jh)]).astype(object)
    tested = (s_grade == 6) | (s_grade == 9)
    low = draw.flag("academic_low", s_score)
    acad = np.where(tested, np.where(low, "下位", np.where(rng.random(S) < 0.5, "中位", "上位")), "").astype(object)
    non_att = draw.flag("non_attendance", s_score + 0.6 * (s_grade >= 7))
    bullied = draw.flag("bullying_victim", s_score)
    carer = draw.flag("young_carer", s_score + 1.5 * three_gen[child_hh[st]] + 0.5 * single[child_hh[st]])
    ssw = draw.flag("ssw_support", s_score + 1.5 * non_att)
    write("school_roster", {
        "学籍番号": format_ids(student_no, ID_WIDTH["student"]), "学校名": school_name,
        "学年": s_grade.astype(str), "組": (1 + rng.integers(0, 4, size=S)).astype(str),
        "氏名": c_name[st], "氏名カナ": c_kana[st], "生年月日": dcol(child_birth[st], "school_roster", "生年月日"),
        "性別": child_sex[st].astype(str), "在籍区分": np.full(S, "在籍", dtype=object),
        "学力調査区分": acad, "SSW支援": np.where(ssw, "有", "無").astype(object)})
    linked = rng.random(S) < 0.97
    li = np.flatnonzero(linked)
    write("school_id_map", {"学籍番号": format_ids(student_no[li], ID_WIDTH["student"]),
                            "宛名番号": format_ids(c_atena[st[li]], ID_WIDTH["resident"])})
    # 就学援助: poverty first, then the riskiest non-poor, to the published rate
    aid_p = np.where(poor[child_hh[st]], 0.85, 0.0)
    aid = rng.random(S) < aid_p
    need = int(round(R["rates"]["school_aid"]["rate"] * S)) - int(aid.sum())
    if need > 0:
        cand = np.flatnonzero(~aid)
        pick = cand[np.argsort(-(s_score[cand] + rng.standard_normal(len(cand))))[:need]]
        aid[pick] = True
    pa_h = poor & draw.flag("public_assistance", hscore) if H else np.zeros(0, dtype=bool)
    ai = np.flatnonzero(aid | pa_h[child_hh[st]])
    write("school_aid", {"学籍番号": format_ids(student_no[ai], ID_WIDTH["student"]),
                         "認定区分": np.where(pa_h[child_hh[st[ai]]], "要保護", "準要保護").astype(object),
                         "認定日": dcol(np.full(len(ai), date(fy, 4, 1).toordinal()), "school_aid", "認定日")})
    # attendance: months of this and the last school year (grade 1 only since April)
    month_ok = np.array([[not (g == 1 and m < date(fy, 4, 1)) for m in months] for g in range(10)])
    sdays = np.array([SCHOOL_DAYS[m.month] for m in months])
    p_abs = np.where(non_att, np.clip(rng.beta(2, 3, S) + 0.1, 0.15, 0.95), np.clip(0.012 + 0.01 * s_score + 0.02 * bullied + 0.01 * carer, 0.002, 0.1))
    abs_days = rng.binomial(np.broadcast_to(sdays, (S, len(months))), p_abs[:, None])
    p_late = np.clip(0.01 + 0.015 * s_score + 0.06 * carer, 0.0, 0.5)
    late_days = rng.binomial(np.broadcast_to(sdays, (S, len(months))) - abs_days, p_late[:, None])
    ok = month_ok[s_grade]
    r_idx, m_idx = np.nonzero(ok)
    write("school_attendance", {"学籍番号": format_ids(student_no[r_idx], ID_WIDTH["student"]),
                                "年月": dcol(m_ord[m_idx], "school_attendance", "年月"),
                                "欠席日数": abs_days[r_idx, m_idx].astype(str), "遅刻日数": late_days[r_idx, m_idx].astype(str)})
    # 保健室
    visitor = draw.flag("nurse_visitor", s_score + bullied + (abused[st] * 1.5))
    vi = np.flatnonzero(visitor)
    nv = 1 + _poisson(rng, 1.5 + np.clip(s_score[vi], 0, None) + 2 * bullied[vi])
    vrows = np.repeat(vi, nv)
    vd = _days_before(rng, as_of, len(vrows), 365, weekdays=True)
    reason = np.array(["1", "2", "3", "4", "9"], dtype=object)[rng.choice(5, size=len(vrows), p=[0.5, 0.3, 0.12, 0.01, 0.07])]
    reason = np.where(bullied[vrows] & (rng.random(len(vrows)) < 0.3), "3", reason)
    reason = np.where(abused[st[vrows]] & (rng.random(len(vrows)) < 0.25), "4", reason)
    o = np.lexsort((vd, vrows))
    vrows, vd, reason = vrows[o], vd[o], reason[o]
    note = np.where(rng.random(len(vrows)) < 0.25, remark("school_nurse", len(vrows), child_hh[st[vrows]]), "").astype(object)
    write("school_nurse", {"学籍番号": format_ids(student_no[vrows], ID_WIDTH["student"]),
                           "来室日": dcol(vd, "school_nurse", "来室日"), "来室理由": reason, "備考": note})
    # 給食費 (students with arrears only; 就学援助 covers the fee)
    arrears = np.zeros(S, dtype=bool)
    arrears[~aid] = draw.flag("lunch_arrears", s_score[~aid])
    la = np.flatnonzero(arrears)
    write("school_lunch", {"学籍番号": format_ids(student_no[la], ID_WIDTH["student"]),
                           "滞納月数": np.clip(1 + _poisson(rng, 2.0 + np.clip(s_score[la], 0, None), len(la)), 1, 36).astype(str)})
    # 心の天気: answers of the last 90 days that were くもり or 雨
    moody = draw.flag("mood_rain", s_score + bullied + 0.5 * non_att)
    mo = np.flatnonzero(moody | (rng.random(S) < 0.2))
    n_ans = _poisson(rng, np.where(moody[mo], 4 + 6 * bullied[mo], 2)) + 1
    arows = np.repeat(mo, n_ans)
    ad = _days_before(rng, as_of, len(arows), 90, weekdays=True)
    rain = np.where(moody[arows], rng.random(len(arows)) < 0.6, rng.random(len(arows)) < 0.05)
    o = np.lexsort((ad, arows))
    write("school_mood", {"学籍番号": format_ids(student_no[arows[o]], ID_WIDTH["student"]),
                          "回答日": dcol(ad[o], "school_mood", "回答日"),
                          "天気": np.where(rain[o], "雨", "くもり").astype(object)})
    rows = np.flatnonzero(bullied)
    rows = np.repeat(rows, 1 + (rng.random(len(rows)) < 0.25))
    bd = np.sort(_days_before(rng, as_of, len(rows), 365, weekdays=True))
    o = np.lexsort((bd, rows))
    write("school_ijime", {"学籍番号": format_ids(student_no[rows[o]], ID_WIDTH["student"]),
                           "認知日": dcol(bd[o], "school_ijime", "認知日"), "認知区分": np.full(len(rows), "被害", dtype=object)})
    edu = draw.flag("education_consultation", s_score + 1.5 * non_att + bullied)
    rows = np.repeat(np.flatnonzero(edu), 1 + _poisson(rng, 1.0, int(edu.sum())))
    ecode = np.array(["1", "2", "3", "4", "9"], dtype=object)[rng.choice(5, size=len(rows), p=[0.3, 0.15, 0.2, 0.25, 0.1])]
    ecode = np.where(non_att[rows] & (rng.random(len(rows)) < 0.5), "1", ecode)
    ecode = np.where(bullied[rows] & (rng.random(len(rows)) < 0.4), "2", ecode)
    ed = _days_before(rng, as_of, len(rows), 540, weekdays=True)
    o = np.lexsort((ed, rows))
    write("school_soudan", {"学籍番号": format_ids(student_no[rows[o]], ID_WIDTH["student"]),
                            "相談日": dcol(ed[o], "school_soudan", "相談日"), "相談種別": ecode[o]})

    # ---- household-level welfare, benefits, tax, insurance, care
    past_pa = ~pa_h & (rng.random(H) < 0.004) & poor
    pi = np.flatnonzero(pa_h | past_pa)
    write("seiho", {"世帯番号": ids(setai[pi], "household", "seiho"),
                    "保護状況": np.where(pa_h[pi], "保護中", "廃止").astype(object),
                    "開始日": dcol(today - rng.integers(30, 3000, size=len(pi)), "seiho", "開始日")})
    cra = single & (poor | (rng.random(H) < 0.35)) & draw.flag("child_rearing_allowance", hscore)
    cra_stop = single & ~cra & (rng.random(H) < 0.05)
    spm = single & draw.flag("single_parent_medical", hscore + 2 * cra)
    cas = draw.flag("child_allowance_suspended", hscore)
    write("kyufu", {"世帯番号": ids(setai, "household", "kyufu"),
                    "児童扶養手当": np.where(cra, "受給", np.where(cra_stop, "停止", "なし")).astype(object),
                    "ひとり親医療": np.where(spm, "有", "無").astype(object),
                    "児童手当差止": np.where(cas, "有", "無").astype(object)})
    exempt = np.where(poor, rng.random(H) < R["rates"]["tax_exempt_if_poor"]["rate"],
                      rng.random(H) < R["rates"]["tax_exempt_if_not_poor"]["rate"])
    tax_arr = draw.flag("tax_arrears", hscore)
    write("zeimu", {"世帯番号": ids(setai, "household", "zeimu"),
                    "課税区分": np.where(exempt, "非課税", "課税").astype(object),
                    "滞納有無": np.where(tax_arr, "有", "無").astype(object)})
    nhi = draw.flag("nhi_enrolled", hscore)
    ni = np.flatnonzero(nhi)
    nhi_arr = draw.flag("nhi_arrears", hscore[ni])
    short = nhi_arr & draw.flag("short_term_card_if_arrears", hscore[ni])
    card = np.where(short, np.where(rng.random(len(ni)) < 0.85, "短期", "資格証明書"), "一般").astype(object)
    write("kokuho", {"世帯番号": ids(setai[ni], "household", "kokuho"),
                     "滞納有無": np.where(nhi_arr, "有", "無").astype(object), "証種別": card})
    gp_cert = draw.flag("ltc_if_three_generation", hscore[gp_hh]) if GP else np.zeros(0, dtype=bool)
    ki = np.flatnonzero(gp_cert)
    levels = np.array(["要支援1", "要支援2", "要介護1", "要介護2", "要介護3", "要介護4", "要介護5"], dtype=object)
    write("kaigo", {"世帯番号": ids(setai[gp_hh[ki]], "household", "kaigo"),
                    "宛名番号": ids(gp_atena[ki], "resident", "kaigo"), "氏名": gp_name[ki],
                    "要介護度": levels[rng.integers(0, len(levels), size=len(ki))],
                    "認定日": dcol(today - rng.integers(30, 1500, size=len(ki)), "kaigo", "認定日")})
    # ---- 障害 (children and guardians)
    c_cert = draw.flag("child_disability", cscore)
    c_day = draw.flag("child_day_service", cscore + 2 * c_cert) & (age_days < 18 * 365)
    g_cert = draw.flag("guardian_disability", hscore[g_hh])
    books = np.array(["身体", "療育", "精神"], dtype=object)
    cs = np.flatnonzero(c_cert | c_day)
    gs = np.flatnonzero(g_cert)
    c_book = np.where(c_cert[cs], books[rng.choice(3, size=len(cs), p=[0.25, 0.6, 0.15])], "なし").astype(object)
    g_book = books[rng.choice(3, size=len(gs), p=[0.4, 0.1, 0.5])]
    write("shogai", {"宛名番号": np.concatenate([ids(c_atena[cs], "resident", "shogai"), ids(g_atena[gs], "resident", "shogai")]),
                     "氏名": np.concatenate([c_name[cs], g_name[gs]]),
                     "手帳種別": np.concatenate([c_book, g_book]),
                     "通所支援": np.concatenate([np.where(c_day[cs], "有", "無"), np.full(len(gs), "無")]).astype(object)})
    # ---- DV consultations (household events)
    dvh = draw.flag("dv_consultation", hscore + 0.8 * single)
    rows = np.repeat(np.flatnonzero(dvh), 1 + _poisson(rng, 0.7, int(dvh.sum())))
    dd = _days_before(rng, as_of, len(rows), 730, weekdays=True)
    o = np.lexsort((dd, rows))
    rows, dd = rows[o], dd[o]
    write("dv", {"世帯番号": ids(setai[rows], "household", "dv"), "相談日": dcol(dd, "dv", "相談日"),
                 "相談区分": np.array(["1", "2", "3", "9"], dtype=object)[rng.choice(4, size=len(rows), p=[0.35, 0.45, 0.12, 0.08])],
                 "備考": remark("dv", len(rows), rows)})

    return SynthSummary(out_dir=out, seed=seed, as_of=as_of, children=C, households=H, guardians=G,
                        students=S, linked_students=int(linked.sum()), files=files)
