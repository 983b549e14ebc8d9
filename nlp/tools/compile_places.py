"""Compile the administrative divisions of China into the place table that ``nlp.places`` loads.

Reads ``provinces.csv``, ``cities.csv``, ``areas.csv`` and ``streets.csv`` (2022 codes, WTFPL, from
modood/Administrative-divisions-of-China, kept in ``../shared/data/admin_divisions``) and writes one gzip TSV,
``nlp/data/admin_places.tsv.gz``, a row per unit::

    code <TAB> name <TAB> level <TAB> parent code <TAB> forms

``forms`` says what is looked for in text: empty for the full name alone, ``-`` for nothing (the unit is
only there for the paths of its children), otherwise the short forms, comma separated, besides the full name;
a form written ``^海曙`` counts only right after the name of a unit above (宁波海曙), one written ``~海曙``
only where the monitor's area is that district's city (``nlp.places``: ``home``).

``level`` is ``province``, ``city``, ``district`` or ``street``. Placeholder units are left out and their
children hang on the unit above: the "市辖区"/"县" cities of the four municipalities, "省直辖县级行政区划",
districts named like their own city (东莞市, 中山市, 儋州市, 嘉峪关市) and streets named like their own
district (金门县).

What is matched, and why:

* Full names of every province, city and district or county, except a few that are ordinary words
  (城区, 郊区, 矿区, 东区, 西区, 老城区).
* Streets and towns by full name when it ends in 街道, 镇, 乡 or 苏木 and has at least three characters
  (two-character towns such as 新镇 or 古乡 are words too often; 乌镇 is kept), plus Beijing's "XX地区"
  offices and long named development zones. Farms, forest farms, prisons and companies listed as
  street-level units are left out.
* Short forms: 浙江省 → 浙江, the five autonomous regions (内蒙古, 广西, 西藏, 宁夏, 新疆), 北京市 → 北京,
  杭州市 → 杭州, 延边朝鲜族自治州 → 延边, 阿克苏地区 → 阿克苏, 锡林郭勒盟 → 锡林郭勒. A city's short form is
  dropped when it is an everyday word or part of one (安康, 长治, 大同, 中山, 三明治, 文山会海 ...) or equals a
  province's short form (吉林, 海南: the province keeps it; the city is found as 吉林市). Districts, counties
  and streets get no short form that counts everywhere (西湖 is a lake, 城关 and 新华 are everywhere, 东方 or
  江山 are words), except a short list of well-known county-level cities (义乌, 昆山, 江阴 ...). An autonomous
  county or banner is also found as its place name and 县 or 旗 (张家川回族自治县 → 张家川县), as people write it.
* Short forms after the unit above: a district's or county's name without 区, 县, 市, 旗 or 新区 (海曙, 浦东, 汶川,
  长白), written as ``^海曙`` in ``forms``, counts only right after the name of its city or province (宁波海曙,
  上海浦东, 四川汶川), where people write it so. Alone it is not looked for but in the monitor's own city (next
  point): on the board's and Weibo's texts about half of such names were words or other places (新建, 江山,
  天桥, 龙湖地产). Nor where jieba's dictionary knows the short form as anything but a place name (公安 of
  湖北省公安厅, 新华 of 河北省新华书店; so 上海普陀, 广州白云 and 天津和平 are missed too).
* Short forms in the monitor's own city: the same stem, written as ``~拱墅`` in ``forms``, counts anywhere in a
  post when the monitor's area (``home``) lies in the district's city, for the residents of 杭州 write 拱墅 and
  滨江 alone; jieba's tags do not matter here (it tags 萧山 and 余杭 as personal names). Left out where the stem
  is first an everyday word (``EVERYDAY_STEMS``: 和平, 白云, 光明, 青山, 锦江 the hotel chain ...).
* Short forms of streets and towns after their own district: the name without 街道, 镇 or 乡 (瓜沥 of 瓜沥镇,
  written ``^瓜沥``), which may also be followed by another of them (飞云镇 for 飞云街道: many towns became
  streets, and townships towns); where jieba's dictionary knows the stem as anything but a place name (团结,
  人民, 建设, 下关: 西山区人民医院, 拱墅区建设局), the stem with each other suffix only (``^团结镇``, ``^团结乡``).
  ``street_short_forms``.
* 台湾, 香港 and 澳门, which the source leaves out, as province-level units with their GB/T 2260 codes (71, 81,
  82) and without children.

About 42,600 units, 513 KiB. Run it from the project root (``tests/nlp/test_places.py`` checks that the
shipped table is what the sources give): ``.venv/bin/python -m nlp.tools.compile_places [SOURCE_DIR] [OUTPUT]``.
"""

from __future__ import annotations

import csv
import gzip
import re
import sys
from functools import lru_cache
from pathlib import Path

from nlp.places import STREET_FORM_SUFFIXES
from nlp.segment import jieba_dictionary

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "admin_divisions"
OUTPUT = ROOT / "nlp" / "data" / "admin_places.tsv.gz"

PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
GENERIC_DISTRICTS = {"城区", "郊区", "矿区", "东区", "西区", "老城区"}
STREET_SUFFIXES = ("街道", "镇", "乡", "苏木")
ZONE_SUFFIXES = ("开发区", "新区", "园区", "管理区", "示范区", "度假区")
GENERIC_ZONE_STARTS = ("经济", "高新", "工业", "开发", "科技", "农业", "新技术", "综合", "国家", "产业")
KEEP_SHORT_STREETS = {"乌镇"}
PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
                  "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆"}
# Short city names that are everyday words or usual parts of other words (三明治, 开封日期, 长治久安).
CITY_SHORT_WORDS = {"安康", "长治", "大同", "白银", "来宾", "朝阳", "中山", "阿里", "玉树", "日照", "三明",
                    "开封", "大庆", "四平", "大理", "红河", "包头", "普洱", "兴安", "文山"}
COUNTY_CITY_SHORT = {"义乌", "昆山", "江阴", "张家港", "常熟", "太仓", "宜兴", "晋江", "慈溪", "余姚",
                     "诸暨", "乐清", "瑞安", "温岭", "海宁", "桐乡", "都江堰", "延吉", "满洲里", "库尔勒"}
# District stems that are first everyday words or other things (和平, 白云, 光明, 锦江 the hotel chain, 南开 the
# university, 天台 a rooftop, 大厂 a big factory): not looked for alone, even in the monitor's own city. Read
# off the 2,297 stems that jieba's dictionary holds, its 451 most frequent and those it tags as no name.
EVERYDAY_STEMS = set("""
    资源 合作 和平 武功 平原 比如 南部 长安 江南 解放 东方 前进 港口 中原 公安 友好 通道 共和 城中 东湖 古城 南湖 河口
    友谊 平安 中方 江北 凤凰 安定 商城 延长 江山 光明 新兴 运河 中山 太平 甘泉 万年 东风 红旗 西夏 光泽 新建 南岸 赤壁
    东海 城北 会同 工农 兴国 大名 龙门 新城 富裕 清水 高明 前锋 复兴 长子 泰山 宏伟 朝阳 平定 芙蓉 梁山 洞口 太和 路桥
    温泉 天山 石门 东城 西城 向阳 振兴 三元 永安 咸丰 故城 新河 武陵 石狮 大同 大方 互助 新华 庐山 天桥 威信 莲花 安宁
    太湖 西山 平和 黄山 河西 沿河 牡丹 名山 衡山 滨海 东坡 黄龙 石林 六合 海港 城西 石柱 巫山 龙泉 泰来 白云 沙河 大城
    桃源 建华 白银 三门 大观 河东 建安 永和 二七 南山 江城 金山 花山 沙湾 凤山 长寿 石棉 丰满 永福 华容 江海 双桥 北湖
    城东 月湖 双湖 高台 九龙 龙井 二道 上街 兴隆 无为 民权 小店 同心 长乐 宝塔 元宝 平房 满城 南城 青山 太白 白玉 灯塔
    木兰 大关 卧龙 天涯 清河 七星 海棠 博爱 青龙 锦江 盐湖 同仁 回民 钟楼 江岸 南开 盘龙 山城 马尾 蓬莱 三江 方正 弥勒
    黑水 安居 龙凤 鼓楼 东山 湖里 大通 南关 白杨 南沙 麒麟 海盐 高密 新民 钟山 富民 清流 水城 湖滨 紫金 南宫 老城 黑山
    湖口 江口 连城 爱民 白河 新罗 临江 惠民 万山 新星 和顺 天台 开化 天心 天元 民乐 铜鼓 兴业 大厂 金牛 三台 路南 石台
    磐石 樟树 三水 石鼓 小金 南华 集贤 梨树 大田 双塔 政和 大化 碑林 市北 丰润 鸡冠 永年 围场 市南 天长 大悟 五常 乐业
    八步 牧野 大足 大竹 城厢 平利 交口 进贤 雨花 金水 双城 东光 路北 富源 四会 新林 九台 老边 全南 新龙 仙居 城口 乡城
    久治 上高 新会""".split())
_ETHNIC = "朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|白|景颇|傈僳|回|蒙古|柯尔克孜|哈萨克"
_PREFECTURE = re.compile(rf"(?:(?:{_ETHNIC})族?)*(?:自治州|地区|盟)$")
# The peoples named in autonomous counties' and banners' names (长白朝鲜族自治县, 双江拉祜族佤族布朗族傣族自治县,
# 龙胜各族自治县, 巴里坤哈萨克自治县).
_PEOPLES = """蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇
    柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京
    塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各""".split()
_AUTONOMOUS = re.compile(r"(?:(?:%s)族?)+自治([县旗])$" % "|".join(sorted(_PEOPLES, key=len, reverse=True)))
# Units the source leaves out: code, name, short form.
EXTRA_PROVINCES = (("71", "台湾省", "台湾"), ("81", "香港特别行政区", "香港"), ("82", "澳门特别行政区", "澳门"))


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def province_short(name: str) -> str:
    if name in PROVINCE_SHORT:
        return PROVINCE_SHORT[name]
    return name[:-1] if name[-1] in "省市" else ""


def city_short(name: str) -> str:
    short = _PREFECTURE.sub("", name) if _PREFECTURE.search(name) else (name[:-1] if name.endswith("市") else "")
    return short if len(short) >= 2 and short != name else ""


def autonomous_county_short(name: str) -> str:
    """张家川回族自治县 → 张家川县, 东乡族自治县 → 东乡县, 鄂温克族自治旗 → 鄂温克旗; "" for other names."""
    match = _AUTONOMOUS.search(name, 2)  # the place name keeps two characters (长白朝鲜族: 长白, not 长)
    if match:
        return name[:match.start()] + match.group(1)
    return name.replace("族自治", "") if name.endswith(("族自治县", "族自治旗")) else ""


def _district_stem(name: str, short: str) -> str:
    """The name without its last word (海曙区 → 海曙, 浦东新区 → 浦东, 张家川回族自治县 → 张家川, given its
    ``short`` name 张家川县), or "" where too short, or where the name is a zone's (高新技术产业开发区)."""
    if short:
        stem = short[:-1]
    elif name.endswith(ZONE_SUFFIXES) and not name.endswith("新区"):
        return ""
    else:
        stem = name[:-2] if name.endswith("新区") else name[:-1] if name.endswith(("区", "县", "市", "旗")) else ""
    return stem if 2 <= len(stem) <= 5 else ""


def district_short_forms(name: str) -> list[str]:
    """The forms a district or county is looked for by besides its full name: its autonomous county's short
    name (张家川县), its stem after a unit above (``^海曙``: not where jieba's dictionary knows the stem as
    anything but a place name, 公安, 新华) and its stem in the monitor's own city (``~海曙``: not where the
    stem is first an everyday word)."""
    short = autonomous_county_short(name)
    stem = _district_stem(name, short)
    after = stem and _no_other_word(stem)
    home = stem and stem not in EVERYDAY_STEMS
    return [form for form in (short, after and "^" + stem, home and "~" + stem) if form]


@lru_cache(maxsize=1)
def _jieba_tags() -> dict[str, str]:
    """Word -> tag of jieba's dictionary (ns: a place name)."""
    return {word: tag for word, _, tag in jieba_dictionary()}


def _no_other_word(stem: str) -> bool:
    """Whether jieba's dictionary knows the stem as a place name or not at all (not 公安, 新华, 团结, 人民)."""
    return _jieba_tags().get(stem) in ("ns", None)


def street_stem(name: str) -> str:
    """A street's or town's name without 街道, 镇 or 乡 (淡水街道 → 淡水, 瓜沥镇 → 瓜沥), or "" where two to four
    characters are not left, or where the unit is an ethnic township (回族乡)."""
    for suffix in STREET_FORM_SUFFIXES:
        if name.endswith(suffix):
            stem = name[:-len(suffix)]
            return stem if 2 <= len(stem) <= 4 and not stem.endswith("族") else ""
    return ""


def street_short_forms(name: str) -> list[str]:
    """The forms a street or town is looked for by right after its own district (``^``): its stem (瓜沥 of 瓜沥镇,
    which may also be written with another suffix, 飞云镇 for 飞云街道), or, where jieba's dictionary knows the
    stem as anything but a place name (团结, 建设, 人民: 西山区人民医院), the stem with each other suffix only
    (团结镇, 团结乡 for 团结街道)."""
    stem = street_stem(name)
    if not stem:
        return []
    if _no_other_word(stem):
        return ["^" + stem]
    return ["^" + stem + suffix for suffix in STREET_FORM_SUFFIXES if not name.endswith(suffix)]


def street_ok(name: str) -> bool:
    if name in KEEP_SHORT_STREETS:
        return True
    if len(name) < 3:
        return False
    if name.endswith(STREET_SUFFIXES):
        return True
    if name.endswith("地区"):
        return len(name) >= 4
    return name.endswith(ZONE_SUFFIXES) and len(name) >= 6 and not name.startswith(GENERIC_ZONE_STARTS)


def compile_rows(source: Path) -> list[tuple[str, str, str, str, str]]:
    """The table rows: (code, name, level, parent code, forms), provinces first, then cities, districts, streets."""
    provinces = _read(source / "provinces.csv")
    cities = _read(source / "cities.csv")
    areas = _read(source / "areas.csv")
    streets = _read(source / "streets.csv")

    rows: list[tuple[str, str, str, str, str]] = []
    province_shorts = set()
    for row in provinces:
        short = province_short(row["name"])
        province_shorts.add(short)
        rows.append((row["code"], row["name"], "province", "", short))
    for code, name, short in EXTRA_PROVINCES:
        province_shorts.add(short)
        rows.append((code, name, "province", "", short))

    city_name = {}
    for row in cities:
        if row["name"] in PLACEHOLDER_CITIES:
            continue
        city_name[row["code"]] = row["name"]
        short = city_short(row["name"])
        if short in CITY_SHORT_WORDS or short in province_shorts:
            short = ""
        rows.append((row["code"], row["name"], "city", row["provinceCode"], short))

    area_name = {}
    for row in areas:
        name, city = row["name"], row["cityCode"]
        if name == city_name.get(city):
            continue  # 东莞市 under 东莞市: the city itself
        parent = city if city in city_name else row["provinceCode"]
        area_name[row["code"]] = name
        if name in GENERIC_DISTRICTS:
            forms = "-"
        elif name.endswith("市") and name[:-1] in COUNTY_CITY_SHORT:
            forms = name[:-1]
        else:
            forms = ",".join(district_short_forms(name))
        rows.append((row["code"], name, "district", parent, forms))

    for row in streets:
        name = row["name"]
        if name == area_name.get(row["areaCode"]) or not street_ok(name):
            continue
        if row["areaCode"] in area_name:
            parent = row["areaCode"]
        else:
            parent = row["cityCode"] if row["cityCode"] in city_name else row["provinceCode"]
        rows.append((row["code"], name, "street", parent, ",".join(street_short_forms(name))))
    return rows


def write_table(rows, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(row) for row in rows]
    # mtime=0: the same sources give byte-identical output.
    with gzip.GzipFile(output, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    source = Path(argv[0]) if argv else SOURCE
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT
    if not (source / "streets.csv").exists():
        print(f"administrative divisions not found in {source}", file=sys.stderr)
        return 1
    rows = compile_rows(source)
    write_table(rows, output)
    print(f"{output}: {len(rows)} units, {output.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
