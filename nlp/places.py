"""Places named in a post: provinces, cities, districts, streets and towns, anonymised names, housing estates.

``extract_places(text, home=None)`` returns the places of a normalised text as ``PlaceMention`` records, each
distinct mention once (a unit named twice, as 杭州市 and 杭州, once), in order of first appearance.
``PlaceIndex`` works over the table ``nlp/data/admin_places.tsv.gz``, built by ``nlp.tools.compile_places``
(which says which names and short forms are looked for).

Finding names: almost every full name ends in one of a few characters (镇 道 乡 区 县 市 ...), so a regular
expression finds those and a dictionary keyed by the last two characters gives the names that may end there;
the few hundred other forms (杭州, 浙江, 内蒙古) are one trie-shaped regular expression. Where matches overlap,
the leftmost, then the longest, wins. A two-character name counts only where the segmenter reads a word
starting with it (or a word of places ending with it, 吉林长春): 这几天水发黑 names no 天水, 确保山区 no 保山.
A district's short form (海曙 of 海曙区) counts only right after the name of a unit above it (宁波海曙,
上海浦东), and then stands for the district below that unit (北京通州, 南通通州). In 270 real Weibo posts whose
places others marked, never read for its errors, it finds all 17 administrative names, at precision 0.952
(``python nlp/tools/weibo_place_accuracy.py``). Given the monitor's area (``home``), the short forms of its
city's districts count anywhere (拱墅德胜西路, home 3301), where the segmenter reads one as a word of its own
(not 钱塘江) and it is not an everyday word (和平, 白云: ``nlp.tools.compile_places``). Of the 94 such names
that ten big cities as homes add to real Weibo posts, hotel reviews and news reports, 0.766 name that
district by our reading; most of the others are shops, hotels or companies of that name in other cities
(``python nlp/tools/home_place_accuracy.py``). A street's or town's stem right after its own district counts
too, alone or with a suffix other than its own (萧山区瓜沥, 大理市下关镇 for 下关街道), and wins over a unit of
that name elsewhere (瑞安市飞云镇: not the 飞云镇 of Gansu); 20 such names in 51,151 real texts, all of them
right by our reading (``python nlp/tools/street_after_accuracy.py``).

Resolving them: many names repeat (西湖区 in 杭州 and 南昌, 城关镇 in 88 counties). A name with several
candidates is settled by (1) the other places in the text: the candidate above or below most of them wins
(杭州 ... 西湖区; 西湖区 ... 北山街道); (2) the ``home`` hint, a code prefix of the monitor's area ("3301" for
杭州市), as given, then widened to its city and province: a single candidate inside wins; (3) the level: where
candidates differ in level, a single one at the highest level wins (东城区, the Beijing district, not a street
of that name). Otherwise the mention keeps its kind with no code and an empty path: no guess.

Anonymised names of the public data set (A市, A3区, A7县, B镇) are kept as written, kind ``anonymised``; a
letter alone before 区 (小区B区) is an estate's block and is left out.

Housing estates are found by suffix (``ESTATE_SUFFIXES``: 小区, 花园, 家园, 苑, 府, 社区, 村 ...). The name is
the 2–8 characters before it, read backwards until punctuation, a function word (的, 在, 我们 ...), a place or
a road (西湖区翠苑小区 gives 翠苑小区, 文三路金色家园 gives 金色家园), cut after a verb (投诉云栖府 gives
云栖府; 违规插手金色山庄小区, 承载着万煦花园: common verbs, adverbs and particles) or a time (这两天桥西家园,
凌晨三点金色家园, 上周五溪岸花园 give the estate alone). Descriptions are not estates (老旧小区, 附近小区, 新农村,
美丽乡村, 贫困村, 社区医院, 新城区). An estate right after a district or street (or a road after one) carries
its path. A name that is one common verb, adverb, conjunction, preposition or adjective of jieba's
dictionary (重视小区, 尽管小区) or words of praise (建设美丽家园, 全国文明小区) is the suffix used alone, except
before 村 (胜利村, 前进村 are villages), and except an adjective or praise with a building right after it or
living there said right before it (幸福花园3栋, 住在团结小区: common estate names), or praise alone with its
property management or owners right after it (投诉幸福花园物业). The names of a list
closed by 等小区 or 等楼盘 (龙吉湾、天凯等小区, 钰龙天下一二期、恒大华府一二三期等楼盘) are estates too, though
most carry no suffix, unless one names an office, a school or a shop or is a dictionary word that is no
proper name (噪音、停车等小区问题). So is a name before a phase
(丰园城三期, 谷山庭院3期), read backwards as a suffixed name is, without a verb or an adverb before it (编制梅溪湖一期
gives 梅溪湖), unless it ends in one, or in a line, an illness or a payment (2号线西延二期, 宫颈癌1期, 兑付一期).
And so is a name that opens with a national developer's brand right after a place or a road (A6区中粮鸿云,
楚龙西路保利香槟国际), read forward word by word up to a word that is no part of a name (房屋, 6栋, 周边).
A heuristic: on 120 real messages never read for its errors it finds estates at precision 0.753 and recall
0.617, 0.915 of the names with a suffix it knows
(``python nlp/tools/estate_accuracy.py``; ``nlp/labels/README.md``).
"""

from __future__ import annotations

import gzip
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sheqing.records import PlaceMention

__all__ = ["PlaceIndex", "extract_places", "is_wide", "DEFAULT_TABLE", "ESTATE_SUFFIXES", "STREET_FORM_SUFFIXES"]

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "admin_places.tsv.gz"
LEVELS = ("province", "city", "district", "street")

# Not after a letter or digit (so 小区B区 and A3B区 are not district names); the look-behind follows the
# letter so that the search can skip to capitals.
_ANONYMISED = re.compile(r"[A-Z](?<![A-Za-z0-9][A-Z])(?:\d+区|\d*(?:市|县|镇|街道))")
_COMMON_END = 20  # a final character shared by this many names is found by the end-character scan
# What a match must not run into: 东湖区域 is not 东湖区, 海城市场 not 海城市.
_NOT_AFTER = {"区": "域", "市": "场"}
_STREET = LEVELS.index("street")
# What a street or town is written with after its short form (飞云镇 for 飞云街道); the compiler's stems drop them.
STREET_FORM_SUFFIXES = ("街道", "镇", "乡")
_STREET_SUFFIX = re.compile("|".join(STREET_FORM_SUFFIXES))
# A short form followed by these is a road or building named after the place (南京路, 中山东路, 南京小区).
_ROAD_AFTER = re.compile(r"[路街巷道桥]|[东西南北中]路|大[道街厦]")
# Short forms inside everyday words: the form's last character and the next one (河西安置, 东湖北岸, 非常熟悉),
# or the character before and the form's first one (平安顺利, 指定西...).
_WORD_AFTER = set("安置 安全 顺利 熟悉".split()) | {d + x for d in "东西南北" for x in "门岸侧部面边"}
_WORD_BEFORE = set("非常 平安 公安 治安 保安 指定 决定 规定 确定 约定 稳定 一定 认定 肯定 特定 制定 设定 固定".split())
# Two-character county names (和县, 新县, 古县) in everyday phrases (市和县, 新县城); 沿海城市 is not 海城市.
_PAIR_BEFORE = set("和与及、省市各全本该每")
_PAIR_AFTER = set("城长委级域里")
_CITY_WORD_BEFORE = set("沿滨大中小新老各全该本每")
_CONTEXT_MAX_CANDIDATES = 4  # a name with more candidates than this gives no context to others


@dataclass(slots=True)
class _Match:
    start: int
    end: int
    text: str
    candidates: tuple[int, ...]  # the units the name may stand for
    kind: str
    unit: object = None  # the chosen unit; for an estate, its (names, codes) path


class PlaceIndex:
    """Administrative units and the look-up structures that find their names in text."""

    def __init__(self, codes, names, levels, parents, forms, tails, end_chars, other_forms, after, home_forms):
        self.codes = codes  # per unit: code, name, level (index in LEVELS), parent (unit index or -1)
        self.names = names
        self.levels = levels
        self.parents = parents
        self.forms = forms  # form -> (candidate units, short form only)
        self.tails = tails  # last two characters -> lengths of the forms ending so, longest first
        self.after = after  # form counted only right after a unit above (宁波海曙) -> candidate units
        self.after_lengths = sorted({len(form) for form in self.after}, reverse=True)
        self.after_heads = {form[:2] for form in self.after}  # a quick test before the look-ups
        self.home_forms = home_forms  # form counted only in the monitor's own city (~拱墅) -> candidate units
        self._homes: dict[str, tuple[dict[str, tuple[int, ...]], re.Pattern | None]] = {}
        self._end = re.compile(f"[{re.escape(end_chars)}]")
        self._other = _trie_pattern(other_forms)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "PlaceIndex":
        """The index of a compiled table (the default one when ``path`` is None), loaded once per path.
        (``DEFAULT_TABLE`` is already resolved: looking it up again for every post cost as much as the search.)"""
        return _load(str(Path(path).resolve() if path else DEFAULT_TABLE))

    @classmethod
    def from_rows(cls, rows) -> "PlaceIndex":
        """Build from table rows: (code, name, level, parent code, forms), as the compiler writes them."""
        codes = [row[0] for row in rows]
        names = [row[1] for row in rows]
        levels = [LEVELS.index(row[2]) for row in rows]
        position = dict(zip(codes, range(len(codes))))
        parents = [position.get(row[3], -1) for row in rows]
        full: dict[str, list[int]] = {}
        short: dict[str, list[int]] = {}
        after: dict[str, list[int]] = {}
        home: dict[str, list[int]] = {}
        for unit, row in enumerate(rows):
            if row[4] != "-":
                full.setdefault(row[1], []).append(unit)
                for form in filter(None, row[4].split(",")):
                    if form[0] == "^":
                        after.setdefault(form[1:], []).append(unit)
                    elif form[0] == "~":
                        home.setdefault(form[1:], []).append(unit)
                    else:
                        short.setdefault(form, []).append(unit)
        forms = {form: (tuple(units + short.pop(form, [])), False) for form, units in full.items()}
        forms.update((form, (tuple(units), True)) for form, units in short.items())
        end_count = Counter(form[-1] for form in full)
        end_chars = "".join(sorted(c for c, n in end_count.items() if n >= _COMMON_END))
        other = [form for form, (_, is_short) in forms.items() if is_short or form[-1] not in end_chars]
        tails: dict[str, set[int]] = {}
        for form in forms.keys() - set(other):
            tails.setdefault(form[-2:], set()).add(len(form))
        tails = {tail: tuple(sorted(lengths, reverse=True)) for tail, lengths in tails.items()}
        return cls(codes, names, levels, parents, forms, tails, end_chars, other,
                   {form: tuple(units) for form, units in after.items()},
                   {form: tuple(units) for form, units in home.items() if form not in forms})

    def path(self, unit: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Names and codes from the province down to ``unit``."""
        names, codes = [], []
        while unit >= 0:
            names.append(self.names[unit])
            codes.append(self.codes[unit])
            unit = self.parents[unit]
        return tuple(reversed(names)), tuple(reversed(codes))

    def extract(self, text: str, home: str | None = None) -> list[PlaceMention]:
        """Places named in ``text`` (already normalised), each distinct mention once, in order of appearance."""
        if not text:
            return []
        matches = self._find_names(text, *self.home_short_forms(home))
        self._resolve(matches, home)
        matches += [_Match(m.start(), m.end(), m.group(), (), "anonymised") for m in _ANONYMISED.finditer(text)]
        ends = {m.end: m for m in matches}
        for estate in find_estates(text, [(m.start, m.end) for m in matches]):
            before = ends.get(estate.anchor)
            path = self.path(before.unit) if before is not None and isinstance(before.unit, int) else ((), ())
            matches.append(_Match(estate.start, estate.end, estate.text, (), "estate", path))
        matches.sort(key=lambda m: m.start)
        mentions, seen_text, seen_code = [], set(), set()
        for match in matches:
            if match.text in seen_text:
                continue
            seen_text.add(match.text)
            if match.kind == "estate":
                names, codes = match.unit
                mentions.append(PlaceMention(text=match.text, kind="estate", path=names, path_codes=codes))
            elif match.unit is None:
                mentions.append(PlaceMention(text=match.text, kind=match.kind))
            elif self.codes[match.unit] not in seen_code:
                seen_code.add(self.codes[match.unit])
                names, codes = self.path(match.unit)
                mentions.append(PlaceMention(text=match.text, kind=match.kind, code=codes[-1],
                                             path=names, path_codes=codes))
        return mentions

    def home_short_forms(self, home: str | None) -> tuple[dict[str, tuple[int, ...]], re.Pattern | None]:
        """The district short forms of the monitor's city (its code's first four digits; a province's two:
        the province) and a pattern that finds them; none without a ``home``."""
        if not home:
            return {}, None
        if home not in self._homes:
            city = home[:4]
            forms = {form: inside for form, units in self.home_forms.items()
                     if (inside := tuple(u for u in units if self.codes[u].startswith(city)))}
            self._homes[home] = forms, _trie_pattern(forms) if forms else None
        return self._homes[home]

    def home_readings(self, name: str, home: str) -> list[str]:
        """The codes of the home city's units (``home[:4]``) that a name stands for as ``extract`` reads posts of
        that home: a district's short form (拱墅 with home 3301), a street's or town's (瓜沥: 萧山's 瓜沥镇), or one
        written with another of ``STREET_FORM_SUFFIXES`` (瓜沥街道)."""
        city = home[:4]
        stem = next((name[:-len(s)] for s in STREET_FORM_SUFFIXES if name.endswith(s)), name)
        units = (self.home_short_forms(home)[0].get(name) or self.after.get(name)
                 or (self.after.get(stem, ()) if len(stem) > 1 else ()))
        return [self.codes[u] for u in units if self.codes[u].startswith(city)]

    def _find_names(self, text: str, home_forms: dict, home_pattern: re.Pattern | None) -> list[_Match]:
        found = []
        forms, tails = self.forms, self.tails
        for hit in self._end.finditer(text):
            end = hit.end()
            for length in tails.get(text[end - 2:end], ()) if end >= 2 else ():
                start = end - length
                if start >= 0 and text[start:end] in forms:
                    found.append((start, -length))
        found += [(m.start(), m.start() - m.end()) for m in self._other.finditer(text)]
        if home_pattern is not None:
            found += [(m.start(), m.start() - m.end()) for m in home_pattern.finditer(text)]
        found.sort()
        matches, reach = [], 0
        for start, negative_length in found:
            end = start - negative_length
            if start < reach:
                continue
            form = text[start:end]
            units, short = self._units(form, home_forms)
            # (a district's short form in the monitor's own city, 拱墅德胜西路, only where it is a word of its own)
            if self._keep(text, start, end, short, forms, whole=form not in forms):
                reach = end
                level = min(self.levels[u] for u in units)
                matches.append(_Match(start, end, form, units, LEVELS[level]))
                if text[end:end + 2] in self.after_heads:
                    prefixes = tuple(self.codes[u] for u in units)
                    below = self._after(text, end, units, prefixes)
                    if below is not None and not self._named_below(text, end, found, prefixes, home_forms):
                        matches.append(below)
                        reach = below.end
        return matches

    def _units(self, form: str, home_forms: dict) -> tuple[tuple[int, ...], bool]:
        """The units a name found may stand for, and whether it is a short form (a home district's is)."""
        entry = self.forms.get(form)
        return entry if entry is not None else (home_forms.get(form, ()), True)

    def _after(self, text: str, at: int, above: tuple[int, ...], prefixes: tuple[str, ...]) -> _Match | None:
        """A short form right after the name of a unit above it, if there is one: a district's after its city or
        province (宁波海曙, 上海浦东), a street's or town's after its own district (萧山区瓜沥, 金安区毛坦厂), where it may
        also end in 街道, 镇 or 乡 other than its own (瑞安市飞云镇 for 飞云街道, towns that became streets).
        ``prefixes``: the codes of ``above``."""
        for length in self.after_lengths:
            units = self.after.get(text[at:at + length])
            if units is None:
                continue
            units = tuple(u for u in units if (self.parents[u] in above if self.levels[u] == _STREET
                                               else self.codes[u].startswith(prefixes)))
            if not units:
                continue
            end = at + length
            suffix = _STREET_SUFFIX.match(text, end) if self.levels[units[0]] == _STREET else None
            if suffix:
                end = suffix.end()
            elif _names_a_road_or_estate(text, end):
                continue
            return _Match(at, end, text[at:end], units, LEVELS[min(self.levels[u] for u in units)])
        return None

    def _named_below(self, text: str, at: int, found: list, prefixes: tuple[str, ...], home_forms: dict) -> bool:
        """Whether a name found at ``at`` may stand for a unit inside one of the units with codes ``prefixes``
        (宁波海曙区, 四川广安, 萧山区瓜沥镇), which then wins over a short form there; a name of units elsewhere only
        loses to one (瑞安市飞云镇: 飞云镇 is a town of Gansu, 飞云街道 the street of 瑞安)."""
        for start, negative_length in found:
            if start == at:
                units, _ = self._units(text[at:at - negative_length], home_forms)
                if any(self.codes[u].startswith(prefixes) for u in units):
                    return True
        return False

    @staticmethod
    def _keep(text: str, start: int, end: int, short: bool, forms: dict, whole: bool = False) -> bool:
        """Whether the name at text[start:end] is a place here rather than part of another word; ``whole``: only
        where the segmenter reads it as a word of its own (拱墅 / 德胜, not 钱塘江 or 静安寺)."""
        form, after, before = text[start:end], text[end:end + 1], text[start - 1:start]
        if _NOT_AFTER.get(form[-1]) == after:
            return False
        if (len(form) == 2 or whole) and not _read_as_a_place(text, start, end, forms, whole):
            return False  # 这几天水发黑 names no 天水: the segmenter reads 几天 / 水
        if short:
            return not (_names_a_road_or_estate(text, end)
                        or form[-1] + after in _WORD_AFTER or before + form[0] in _WORD_BEFORE)
        if len(form) == 2:
            return before not in _PAIR_BEFORE and after not in _PAIR_AFTER
        return not (len(form) == 3 and form.endswith("城市") and before in _CITY_WORD_BEFORE)

    def _resolve(self, matches: list[_Match], home: str | None) -> None:
        """Choose a unit for each name: unique names first, then context, the home hint and the level."""
        by_text: dict[str, tuple[int, ...]] = {}
        first: dict[str, int] = {}
        for match in matches:
            by_text.setdefault(match.text, match.candidates)
            first.setdefault(match.text, match.start)
        chosen = {text: units[0] for text, units in by_text.items() if len(units) == 1}
        for _ in range(3):  # a name settled by context can settle another
            settled = {text: self._by_context(text, units, by_text, chosen, first)
                       for text, units in by_text.items() if text not in chosen}
            settled = {text: unit for text, unit in settled.items() if unit is not None}
            if not settled:
                break
            chosen.update(settled)
        for text, units in by_text.items():
            if text not in chosen:
                chosen[text] = self._by_home_and_level(units, home)
        for match in matches:
            unit = chosen[match.text]
            match.unit = unit
            if unit is not None:
                match.kind = LEVELS[self.levels[unit]]

    def _by_context(self, text, units, by_text, chosen, first):
        """The candidate related (above or below) to the most other names; ties go to the deeper relation,
        then to the nearer name (杭州市西湖区和南昌市西湖区: 杭州's), and one before to one after."""
        context = [((self.codes[chosen[other]],) if other in chosen else tuple(self.codes[u] for u in others),
                    2 * abs(first[other] - first[text]) + (first[other] > first[text]))  # before wins a tie
                   for other, others in by_text.items()
                   if other != text and (other in chosen or len(others) <= _CONTEXT_MAX_CANDIDATES)]
        scored = []
        for unit in units:
            code, hits, depth, distance = self.codes[unit], 0, 0, 10**9
            for codes, apart in context:
                related = [min(len(code), len(c)) for c in codes
                           if c != code and (c.startswith(code) or code.startswith(c))]
                if related:
                    hits, depth, distance = hits + 1, depth + max(related), min(distance, apart)
            scored.append((hits, depth, -distance, unit))
        scored.sort(reverse=True)
        best = scored[0]
        return None if best[0] == 0 or (len(scored) > 1 and scored[1][:3] == best[:3]) else best[3]

    def _by_home_and_level(self, units, home):
        if home:
            for width in sorted({len(home), *(w for w in (6, 4, 2) if w < len(home))}, reverse=True):
                prefix = home[:width]
                inside = [u for u in units if self.codes[u].startswith(prefix) or prefix.startswith(self.codes[u])]
                if len(inside) == 1:
                    return inside[0]
                if inside:
                    units = inside
                    break
        top = min(self.levels[u] for u in units)
        highest = [u for u in units if self.levels[u] == top]
        return highest[0] if len(highest) == 1 and len(highest) < len(units) else None


def _names_a_road_or_estate(text: str, end: int) -> bool:
    """Whether the short form ending at ``end`` opens a road's or an estate's name (南京路, 浦东大道, 南京小区)."""
    return bool(_ROAD_AFTER.match(text, end) or _ESTATE_SUFFIX.match(text, end))


def _read_as_a_place(text: str, start: int, end: int, forms: dict, whole: bool = False, margin: int = 6) -> bool:
    """Whether the segmenter, reading the name with a few characters either side, starts a word with it (the
    name alone, or the head of a longer word: 北京地铁, 山西大同; ``whole``: the name alone) or ends a word of
    places with it (吉林长春); not when the name is the tail of another word (白天 / 水, 提成 / 都) or a word is
    cut across it (和 / 县政府)."""
    from .segment import words_at

    left = max(0, start - margin)
    name, at = text[start:end], start - left
    for offset, word in words_at(text[left:end + margin]).items():
        if offset <= at < offset + len(word):
            head, rest = word[:at - offset], word[at - offset:]
            return (rest == name if whole else rest.startswith(name)) and (not head or head in forms)
    return False


# -- housing estates --------------------------------------------------------------------------------------

ESTATE_SUFFIXES = ("小区", "花园", "家园", "花苑", "嘉园", "佳园", "新城", "新村", "公寓", "公馆", "山庄", "社区",
                   "华府", "苑", "府", "村")
_ESTATE_SUFFIX = re.compile("|".join(ESTATE_SUFFIXES))
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff0-9]")
_MAX_NAME = 8
# Never inside an estate name: reading a name backwards stops there.
_HARD_STOPS = set("的了是我你他她它们这那该本此其某各每个把被给对从往及或并且而但却就也"
                  "还又再已将要会能请让使由因为所很更最没说看去搬买离靠于些等年月日号栋"
                  "幢楼层室省区县镇全问么变找送有跟站辖")
# Rarely inside a name (和平花园, 向阳小区, 在水一方): a stop once two characters are read. Right before the
# suffix (和小区, 在小区, 内小区) the first ones mean the word is used alone.
_ALONE_BEFORE = set("和与向在到住近临旁边内外下连")
_SOFT_STOPS = _ALONE_BEFORE | set("市乡民")
_ROAD_ENDS = set("路街巷道")
# Words that end what comes before a name (投诉云栖府 gives 云栖府) or show the suffix is used alone (导致小区).
_BOUNDARY_WORDS = re.compile("|".join(sorted("""
    投诉 反映 举报 咨询 请问 建议 要求 希望 位于 地处 处于 关于 居住 入住 家住 住在 购买 购置 购房 买房 坐落 座落 靠近
    紧邻 紧挨着 紧挨 毗邻 包括 例如 比如 以及 还有 属于 隶属 原来 现在 目前 如今 当前 之前 以前 此前 之后 以后 今天 昨天
    近日 最近 近期 导致 影响 造成 进入 进出 出入 离开 回到 走进 路过 经过 通过 穿过 途经 直达 到达 前往 通往 占用 侵占
    破坏 维护 改善 处理好 处理 解决 管理 治理 整治 改造 建设 修建 新建 兴建 开发 规划 配套 交付 验收 出售 销售 售卖 租住
    生活 安排 带领 组织 通知 协助 联系 联手 掌控 控制 践踏 保障 保护 污染 骚扰 困扰 危害 威胁 堵塞 阻碍 妨碍 干扰 打扰
    设立 设置 安装 停放 强调 出自 来自 叫做 名为 称为 就是 还是 不是 也是 都是 是否 能否 已经 一直 同时 因此 所以 但是
    而且 并且 没有 什么 哪个 哪些 任何 所有 全部 严重 直接 完全 真正 尽快 立即 马上 及时 启动 成立 筹备 开展 进行 实施
    推进 落实 禁止 允许 同意 反对 支持 担心 担忧 发现 得知 听说 听闻 看到 告知 答复 回复 表示 认为 觉得 未经 由于 因为
    为了 对于 针对 根据 按照 依据 作为 当做 当作 变成 成为 改为 划分 规范 责令 扰乱 霸占 选聘 公布 召开 举办 打造 建成
    拆除 收取 覆盖 包围 围绕 穿越 连接 历任 现任 外来 外地 上千家 出生 依法 致电 仍然 至今 周末 接管 减少 占着 赖盘 加建
    发展 难道 情况 利益方 引流 业主 居民 市民 住户 本人 先生 女士 政府 部门 单位 公司 企业 物业 开发商 领导 干部 街道 辖区
    全体 商品房 安置房 预售房 项目 楼盘 整个 附近 周边 周围 隔壁 对面 旁边 老旧 人口密集 居住区 自己 必须 保证 一个 侵犯 侵害 上报
    负责 入驻 进驻 出进 符合 当时 当地 受害 移交 期间 长期 短期 定期 不定期 高峰期 期盼 期望 期待
    打击 检查 代表 选择 另外 征收 办事处 回家 拿着 确保 经营 顾忌 爱护 殴打 平息 无门 长租
    两天 几天 些天 前天 明天 后天 当天 那天 这天 每天 天天 整天 白天 早上 上午 中午 下午 傍晚 晚上 夜里 夜间 半夜 凌晨
    深夜 清晨 早晨 左右 今年 去年 前年 明年 上个月 这个月 本月 上月 下个月 年底 年初 月底 月初""".split(),
    key=len, reverse=True)) + r"|[0-9零一二三四五六七八九十两]+点(?:[0-9零一二三四五六七八九十]+分|半|多|钟)?"
    r"|[上本这下](?:周|星期|个?礼拜)[一二三四五六日天末]?|(?:周|星期|礼拜)[一二三四五六日天]")  # times: 这两天桥西家园, 凌晨三点金色家园, 上周五溪岸花园
# Descriptions, not names (老小区, 新农村, 城中村, 屋顶花园): a name made only of these is not an estate.
_GENERIC_TAIL = re.compile("(?:%s)+$" % "|".join(sorted("""
    老 旧 新 大 小 后 住宅 商品房 安置 拆迁 回迁 公租房 廉租房 经济适用房 经适房 高档 大型 封闭式 开放式 所在 其他 其它 相关 有关 同一 城市 城镇
    城区 市区 县城 部分 很多 不少 各大 普通 农 城中 山 渔 某某 人才 青年 职工 员工 学生 老年 宿舍 私人 空中 屋顶 智慧
    示范 试点 家属 入户 高危 贫困 重点 自然 行政""".split(), key=len, reverse=True)))
# Words of praise a slogan gives a community (建设美丽家园, 创建文明小区) and many estates are named with (幸福花园,
# 和谐家园): such a name is an estate's only where the post says so (``_suffix_alone``).
_PRAISE = re.compile("(?:文明|和谐|美丽|美好|幸福)+$")
# What says the name before a suffix is an estate's, though it is a common word or a word of praise: a
# building, unit or phase right after it (幸福花园3栋, 平安小区二单元), or living there said right before it
# (住在团结小区) (``_suffix_alone``).
_BUILDING_AFTER = re.compile(r"(?:[0-9]+|[一二三四五六七八九十]+)(?:栋|幢|号楼|单元|期)|[A-Za-z][0-9]*(?:栋|幢|座)")
_LIVING_BEFORE = re.compile(r"(?:住在|家住|居住在|位于|地处|坐落于|坐落在|搬到|搬进)\Z")
# and for a name of praise alone, its management or its owners right after it (投诉幸福花园物业, 和谐家园业主): a
# slogan's community has none, where a common word's may (老旧小区物业管理 is every old estate's)
_PEOPLE_AFTER = re.compile("物业|业主")
_NUMBERS = re.compile(r"[0-9一二三四五六七八九十百千两几多]+")
# Particles and prepositions cut off the front of a name like a leading verb (``_leading_size``): the one
# character a verb often takes after it (承载着万煦花园, 调整至嘉宇小区, 延伸至)
_LEADING_CHARS = set("着至过在于到")
# A list of names closed by 等小区 or 等楼盘 (龙吉湾、天凯等小区; 钰龙天下一二期、恒大华府一二三期等楼盘), found
# by its closing words (literal text: fast to find), then read backwards.
_LIST_END = re.compile(r"等(?:等)?(?:[数几多]个|[0-9]+个)?(?:小区|楼盘)")  # (等{1,2} is five times slower to find)
_LIST = re.compile(r"(?:[\u4e00-\u9fff0-9]{2,%d}、)+[\u4e00-\u9fff0-9]{2,%d}\Z" % (2 * _MAX_NAME, 2 * _MAX_NAME))
_LIST_SEPARATOR = re.compile(r"、|及|(?<=[^、及和]{3})和(?=[^、及和]{3})")
_HANZI_DIGITS = "一二三四五六七八九十"  # a phase's number is written with these or with 0-9 (三期, 3期)
_PHASES = re.compile(rf"(?:[0-9{_HANZI_DIGITS}]+期)?\Z")
# The number of a phase after a name (丰园城三期, 谷山庭院3期, 雅典五期): the name before it is an estate's
# too. Searched for before each 期 (a literal: ten times faster to find than the whole pattern).
_PHASE_NUMBER = re.compile(rf"(?<![0-9{_HANZI_DIGITS}])(?:[0-9]{{1,2}}|[{_HANZI_DIGITS}]{{1,3}})\Z")
# What is read before a phase is no estate's name when it holds a phase or a line (二期和五期, 2号线西延二期)
# or ends in a flyover, an ordinal, an illness, an extension, a payment or a word that joins or compares
# (万家丽高架一期, 宫颈癌1期, 兑付一期, 一期与).
_NOT_PHASED = re.compile(r"期|线|(?:高架|[第癌病延付在与和比像共跟])\Z")
_NOT_AN_ESTATE = re.compile(r"(?:派出所|中队|大队|局|委员会|委|办|中心|公司|学校|学院|小学|中学|高中|初中|大学|幼儿园|医院|超市"
                            r"|市场|车站|站|路|街|道|桥)\Z")
# National developers whose brand opens many estates' names (保利香槟国际, 碧桂园伊顿, 中粮鸿云): after a place
# (A6区中粮鸿云, 楚龙西路保利香槟国际) such a name is an estate's, though it carries no suffix. Brands that are
# also common words (时代, 招商, 阳光, 美的, 滨江) are left out.
_BRANDS = re.compile("|".join(sorted("""
    碧桂园 恒大 万科 保利 中海 绿地 融创 龙湖 华润 金地 世茂 旭辉 中梁 金科 荣盛 富力 雅居乐 远洋 中粮 建发 卓越 蓝光
    正荣 融信 佳兆业 奥园 金茂 绿城 泰禾 鲁能 宝能 弘阳 祥生 德信 阳光城""".split(), key=len, reverse=True)))
_BRANDED_MAX = 6  # characters read after the brand
# Words that end a branded name: the company, its sales and works, buildings other than homes, numbers and
# letters (6栋, A区), sides and directions (北面, 路段, 方向), and what an estate has (车位, 价格).
_NOT_BRANDED = re.compile(r"集团|地产|置业|售楼|房|小区|商业|总部|客服|工地|施工|广场|中心|幼儿园|学校|小学|中学|医院|酒店"
                          r"|写字楼|商场|商铺|[0-9A-Za-z]|^(?:[东南西北]|[东南西北]?[面门边侧]|路段|段|方向|车位|价格|住宅"
                          r"|精装修?|地铁|一起|如下|无故|里面|方面|旗下|时任|广告)$")
_BRANDED_ONE_CHARACTER = set("城湾府苑园郡邸墅庭居岸里洲岛谷山湖汇轩阁之")  # one-character words a name may hold
# Parts of speech (jieba's dictionary tags) of a word that, as the whole name, says the suffix is used alone:
# verbs, adverbs, conjunctions, prepositions, pronouns, particles and adjectives (重视小区, 尽管小区, 随着小区,
# 知名小区). Common words only (``_alone_words``): a rare one is likely a name (富康小区, 同升村).
_ALONE_TAGS = re.compile(r"[vdcpru]|a[dn]?$")
_COMMON = 100  # jieba's dictionary frequency from which a word counts as common
_PROPER_NAME_TAGS = re.compile(r"n[rstz]")  # names of people, places, organisations, others


def _alone_words() -> frozenset[str]:
    """Common words of jieba's dictionary whose tag is one of ``_ALONE_TAGS`` (about 10,700)."""
    return _dictionary_words()[0]


def _leading_words() -> frozenset[str]:
    """Common verbs, adverbs, conjunctions and prepositions of jieba's dictionary: before a name that carries
    no suffix (编制梅溪湖一期, 仅仅绿地海外二期) they are not part of it; adjectives may be (辉煌国际城)."""
    return _dictionary_words()[1]


def _two_character_words() -> frozenset[str]:
    """Two-character words of jieba's dictionary that are not proper names (噪音, 停车, 门禁; not 龙湾): as an
    item of a list of estates (噪音、停车等小区问题) such a word is a matter, not a name."""
    return _dictionary_words()[2]


@lru_cache(maxsize=1)
def _dictionary_words() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The alone, leading and two-character words of jieba's dictionary, read in one pass."""
    from .segment import jieba_dictionary

    alone, leading, two = [], [], []
    for word, freq, tag in jieba_dictionary():
        if freq >= _COMMON:
            if _ALONE_TAGS.match(tag):
                alone.append(word)
            if tag[0] in "vdcp":
                leading.append(word)
        if len(word) == 2 and not _PROPER_NAME_TAGS.match(tag):
            two.append(word)
    return frozenset(alone), frozenset(leading), frozenset(two)


@dataclass(slots=True)
class _Estate:
    start: int
    end: int
    text: str
    anchor: int | None  # where the place right before it ends


def _suffix_ok(text: str, hit: re.Match) -> bool:
    suffix, start, end = hit.group(), hit.start(), hit.end()
    after = text[end:end + 1]
    if after in _ROAD_ENDS or text[end:end + 2] == "大道":
        return False  # 花园路 is a road
    if start and text[start - 1] in _ALONE_BEFORE:
        return False
    if suffix == "府":
        return not start or text[start - 1] not in "政学首官地知城幕洞王天冥"
    if suffix == "村":  # 村民, 村级, 村主任 ...; 农村 and 乡村 are the countryside
        return (after not in "民庄落级务组干支集容镇领" and text[end:end + 2] != "主任"
                and text[start - 1:start] not in ("村", "农", "乡"))
    if text[end:end + 2] == "片区":
        return False  # 武广新城片区 is an area
    if suffix == "新城":
        return after not in ("区", "镇")
    if suffix == "小区":
        return after != "域"
    return True


def find_estates(text: str, spans: list[tuple[int, int]]) -> list[_Estate]:
    """Estates in ``text``; ``spans`` are the places already found (a name is not read across them)."""
    hits = [h for h in _ESTATE_SUFFIX.finditer(text) if _suffix_ok(text, h)]
    lists = list(_LIST_END.finditer(text))
    phases = _phase_starts(text)
    brands = list(_BRANDS.finditer(text))
    if not (hits or lists or phases or brands):
        return []
    taken, ends = set(), {}
    for start, end in spans:
        taken.update(range(start, end))
        ends[end] = end
    estates = []
    for index, hit in enumerate(hits):
        start, end = hit.span()
        if start in taken:
            continue
        if index + 1 < len(hits) and hits[index + 1].start() == end and hit.group() != "村":
            continue  # 翠苑 + 小区: the later suffix reads the whole name
        read = _name_before(text, start, taken, ends)
        if read is None or (hit.group() != "村" and _suffix_alone(text, read[0], start, end)):
            continue  # 重视小区, 建设幸福家园; but 胜利村, 前进村 are villages, and 幸福花园3栋 an estate
        first, anchor = read
        estates.append(_Estate(first, end, text[first:end], anchor))
        ends[end] = anchor  # 城南社区翠苑小区: the second estate stops at the first and shares its place
    for hit in lists:
        estates += _listed(text, hit.start(), taken, ends, estates)
    if phases:
        estates += _phased(text, phases, taken, ends, estates)
    if brands:
        estates += _branded(text, brands, taken, ends, estates)
    return estates


def _name_before(text: str, start: int, taken: set, ends: dict) -> tuple[int, int | None] | None:
    """Where the name that ends at ``start`` begins and the end of a place right before it; None when what
    is read there is no name (a verb, a description, a number, or no boundary within reach)."""
    first, anchor, bounded = _read_name(text, start, taken, ends)
    name = text[first:start]
    cut = 0
    for word in _BOUNDARY_WORDS.finditer(text, max(0, first - 3), start):  # also a word the stop cut (全|体)
        cut = max(cut, word.end() - first)
    if not (bounded or cut) or len(name) - cut < 2:
        return None
    if cut:
        name, first, anchor = name[cut:], first + cut, None
    while size := _leading_size(name):  # verbs and adverbs before it: 开始幸福花园, 违规插手金色山庄, 编制梅溪湖一期
        name, first, anchor = name[size:], first + size, None
    return None if _description(name) else (first, anchor)


def _leading_size(name: str) -> int:
    """The length of the verb, adverb, conjunction, preposition or particle ``name`` opens with, when two
    characters or more follow it (承载着万煦花园: 承载, then 着); else 0."""
    for size in (3, 2, 1):
        if len(name) - size >= 2 and (name[:size] in _leading_words() if size > 1 else name[0] in _LEADING_CHARS):
            return size
    return 0


def _common_or_praise(name: str) -> bool:
    """Whether ``name`` is a common word (``_alone_words``) or words of praise (全国文明小区 reads 国文明)."""
    return name in _alone_words() or len(_PRAISE.sub("", name)) < 2


def _suffix_alone(text: str, first: int, start: int, end: int) -> bool:
    """Whether what is read from ``first`` to a suffix (``start`` to ``end``) says the suffix is used alone: a
    common word or words of praise (重视小区, 知名小区, 建设美丽家园). One that is no verb or adverb names an estate
    where the post says so: a building right after it (幸福花园3栋, 平安小区二单元, but 损害小区五栋), or living
    there right before it (住在团结小区), and for words of praise alone also its management or owners right after
    it (投诉幸福花园物业, but 老旧小区物业). A place before it does not say so (A2区文明小区, A市一般小区)."""
    name = text[first:start]
    if not _common_or_praise(name):
        return False
    return name in _leading_words() or not (_LIVING_BEFORE.search(text, max(0, first - 3), first)
                                            or _BUILDING_AFTER.match(text, end)
                                            or (_PRAISE.fullmatch(name) and _PEOPLE_AFTER.match(text, end)))


def _description(name: str) -> bool:
    """Whether what stands where a name would is a description or a number (拆迁安置, but 城西安置)."""
    return len(_GENERIC_TAIL.sub("", name)) < 2 or bool(_NUMBERS.fullmatch(name))


def _listed(text: str, at: int, taken: set, ends: dict, found: list[_Estate]) -> list[_Estate]:
    """The names of a list that ends at ``at`` with 等小区 or 等楼盘 (龙吉湾、天凯等小区): estates, though most
    carry no suffix. Items are split at 、, at 及, and at 和 between two names of three characters or more
    (五矿哈佛小镇和紫湖香缇, but 中建嘉和城); the first, where what comes before the list may run on, is read
    backwards as a suffixed name is. An item that overlaps a place or an estate already found, names an
    office, a school or a shop, or is a common word is left."""
    items = _LIST.search(text, max(0, at - 12 * _MAX_NAME), at)
    if items is None:
        return []
    busy = _occupied(taken, found)
    separators = list(_LIST_SEPARATOR.finditer(text, items.start(), items.end()))
    starts = [items.start()] + [separator.end() for separator in separators]
    stops = [separator.start() for separator in separators] + [items.end()]
    out = []
    for first, end in zip(starts, stops):
        end -= len(_PHASES.search(text, first, end)[0])  # 钰龙天下一二期
        anchor = None
        if first == items.start():  # (``_name_before`` cuts after a boundary word itself)
            read = _name_before(text, end, taken, ends)
            if read is None:
                continue
            first, anchor = read
        else:
            for word in _BOUNDARY_WORDS.finditer(text, first, end):  # 及周边中航城
                first = word.end()
        name = text[first:end]
        if not busy.intersection(range(first, end)) and _may_name_an_estate(name):
            out.append(_Estate(first, end, name, anchor))
    return out


def _phase_starts(text: str) -> list[int]:
    """Where each phase (三期, 3期; not 123期) starts."""
    starts, at = [], text.find("期")
    while at > 0:
        number = _PHASE_NUMBER.search(text, max(0, at - 3), at)
        if number:
            starts.append(number.start())
        at = text.find("期", at + 1)
    return starts


def _phased(text: str, phases: list[int], taken: set, ends: dict, found: list[_Estate]) -> list[_Estate]:
    """The names right before a phase (丰园城三期, 谷山庭院3期), read backwards as a suffixed name is: estates,
    unless the phase follows one already found (江滨家园三期), what is read ends in a verb or an adverb
    (计划打通一二期, 中海国际一共五期: no name), or it is a line, a road or a common word (1号线1期)."""
    busy = _occupied(taken, found)
    out = []
    for end in phases:
        if end - 1 in busy:
            continue
        read = _name_before(text, end, taken, ends)
        if read is None:
            continue
        first, anchor = read
        name = text[first:end]
        if (_may_name_an_estate(name) and not _NOT_PHASED.search(name)
                and name[-2:] not in _alone_words() and name[-3:] not in _alone_words()):
            out.append(_Estate(first, end, name, anchor))
            busy.update(range(first, end))
    return out


def _branded(text: str, brands: list[re.Match], taken: set, ends: dict, found: list[_Estate]) -> list[_Estate]:
    """The names that open with a developer's brand right after a place or a road (A6区中粮鸿云, 楚龙西路保利香槟
    国际), read forward word by word: up to ``_BRANDED_MAX`` characters after the brand, stopping at a word
    that is no part of a name (``_NOT_BRANDED``, a boundary word, a common verb or adverb, a character of
    ``_HARD_STOPS``). At least two characters must follow the brand, and the brand must be a word of its own
    there (not 绿地 of 绿地率)."""
    from .segment import words_at

    busy = _occupied(taken, found)
    alone, leading = _alone_words(), _leading_words()
    out = []
    for hit in brands:
        start, end = hit.span()
        if busy.intersection(range(start, end)) or not (start in ends or text[start - 1:start] in _ROAD_ENDS):
            continue
        left = max(0, start - 4)  # (a little context before the brand, so that it is cut as a reader would)
        words = words_at(text[left:end + _BRANDED_MAX + 4])
        if start - left not in words or end - left not in words:
            continue
        at = stop = end
        while at - left in words:
            word = words[at - left]
            if (at + len(word) - end > _BRANDED_MAX or not all(map(_NAME_CHAR.match, word))
                    or any(char in _HARD_STOPS for char in word)
                    or _BOUNDARY_WORDS.search(word) or _NOT_BRANDED.search(word) or word in alone
                    or word in leading or (len(word) == 1 and word not in _BRANDED_ONE_CHARACTER)):
                break
            at = stop = at + len(word)
        while stop > end and text[stop - 1] == "之":  # (a name does not end in 之)
            stop -= 1
        name = text[start:stop]
        if stop - end >= 2 and not busy.intersection(range(start, stop)) and not _NOT_AN_ESTATE.search(name):
            out.append(_Estate(start, stop, name, ends.get(start)))
            busy.update(range(start, stop))
    return out


def _occupied(taken: set, found: list[_Estate]) -> set:
    """The positions of the places (``taken``) and of the estates already ``found``, which a name found
    without a suffix must not overlap."""
    return taken.union(*(range(e.start, e.end) for e in found))


def _may_name_an_estate(name: str) -> bool:
    """Whether ``name``, found without a suffix (in a list, before a phase), may be an estate's: not an
    office, a school, a shop or a road, not a description or a number, not a common word."""
    return (len(name) >= 2 and not _NOT_AN_ESTATE.search(name) and not _description(name)
            and not _common_or_praise(name) and name not in _two_character_words())


def _read_name(text: str, start: int, taken: set, ends: dict) -> tuple[int, int | None, bool]:
    """Where the name before ``start`` begins, the end of a place right before it, and whether the name
    stopped at a boundary (rather than at the length limit)."""
    i = start
    while i > 0 and start - i < _MAX_NAME:
        if i in ends:
            return i, ends[i], True
        char = text[i - 1]
        if (i - 1) in taken or not _NAME_CHAR.match(char) or char in _HARD_STOPS:
            return i, None, True
        read = start - i
        if read >= 2 and char in _SOFT_STOPS:
            return i, None, True
        if read >= 2 and char in _ROAD_ENDS:
            return i, _read_name(text, i - 1, taken, ends)[1], True  # 西湖区文三路金色家园
        i -= 1
    return i, ends.get(i), i == 0 or i in ends


def _trie_pattern(words) -> re.Pattern:
    """One regular expression for a set of words, shaped as a trie so that the longest word wins."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie) or "(?!)")


@lru_cache(maxsize=4)
def _load(path: str) -> PlaceIndex:
    with gzip.open(path, "rb") as handle:
        lines = handle.read().decode("utf-8").splitlines()
    return PlaceIndex.from_rows([line.split("\t") for line in lines if line])


def is_wide(text: str, kind: str | None) -> bool:
    """True for a province or a city, an anonymised one (A市) too: a place that nearly every post of one
    deployment names, so that sharing it says nothing about two posts concerning one place."""
    return kind in ("province", "city") or (kind == "anonymised" and text.endswith("市"))


def extract_places(text: str, home: str | None = None) -> list[PlaceMention]:
    """Places named in a normalised text, with the default place table (see ``PlaceIndex.extract``)."""
    return PlaceIndex.load().extract(text, home)
