"""Place extraction: administrative names and their paths, anonymised names, housing estates."""

from __future__ import annotations

import csv
import gzip

import pytest

from nlp.places import DEFAULT_TABLE, PlaceIndex, extract_places
from nlp.tools.compile_places import autonomous_county_short, compile_rows, district_short_forms, street_short_forms


def places(text, home=None):
    return [(m.text, m.kind, m.code) for m in extract_places(text, home)]


def by_text(text, home=None):
    return {m.text: m for m in extract_places(text, home)}


# -- the table ----------------------------------------------------------------------------------------------


def test_table_is_small_and_loads_once():
    assert DEFAULT_TABLE.stat().st_size < 1_000_000
    index = PlaceIndex.load()
    assert PlaceIndex.load() is index
    assert PlaceIndex.load(DEFAULT_TABLE) is index


def test_table_matches_its_sources(shared_data):
    source = shared_data("admin_divisions")
    with gzip.open(DEFAULT_TABLE, "rt", encoding="utf-8") as handle:
        shipped = [tuple(line.rstrip("\n").split("\t")) for line in handle]
    assert shipped == compile_rows(source), "re-run: python -m nlp.tools.compile_places"


@pytest.mark.parametrize("name, short", [
    ("张家川回族自治县", "张家川县"), ("长白朝鲜族自治县", "长白县"), ("双江拉祜族佤族布朗族傣族自治县", "双江县"),
    ("龙胜各族自治县", "龙胜县"), ("巴里坤哈萨克自治县", "巴里坤县"), ("东乡族自治县", "东乡县"),
    ("鄂温克族自治旗", "鄂温克旗"), ("海曙区", ""),
])
def test_autonomous_county_short_forms(name, short):
    assert autonomous_county_short(name) == short


@pytest.mark.parametrize("name, forms", [
    ("海曙区", ["^海曙", "~海曙"]), ("浦东新区", ["^浦东", "~浦东"]),
    ("张家川回族自治县", ["张家川县", "^张家川", "~张家川"]), ("长白朝鲜族自治县", ["长白县", "^长白", "~长白"]),
    ("昆山市", ["^昆山", "~昆山"]), ("丰县", []), ("郑州高新技术产业开发区", []),
    ("公安县", []), ("新华区", []),  # jieba's dictionary knows them as other words, and they are everyday words
    ("萧山区", ["~萧山"]), ("余杭区", ["~余杭"]),  # jieba tags them as personal names: in the home city only
    ("和平区", []), ("白云区", []), ("青山区", ["^青山"]),  # everyday words: not alone, even at home
])
def test_district_short_forms(name, forms):
    assert district_short_forms(name) == forms  # 丰: too short



@pytest.mark.parametrize("name, forms", [
    ("瓜沥镇", ["^瓜沥"]), ("淡水街道", ["^淡水镇", "^淡水乡"]), ("古城乡", ["^古城"]),
    ("团结街道", ["^团结镇", "^团结乡"]), ("人民街道", ["^人民镇", "^人民乡"]),  # jieba: words, not places
    ("新镇", []), ("回族乡", []), ("城关回族乡", []), ("东风农场", []),
])
def test_street_short_forms(name, forms):
    assert street_short_forms(name) == forms

# -- administrative names ------------------------------------------------------------------------------------


def test_full_path_with_codes():
    mention = by_text("杭州市西湖区北山街道")["北山街道"]
    assert mention.kind == "street" and mention.code == "330106002"
    assert mention.path == ("浙江省", "杭州市", "西湖区", "北山街道")
    assert mention.path_codes == ("33", "3301", "330106", "330106002")


def test_short_forms_of_provinces_cities_and_regions():
    assert places("浙江杭州余杭区") == [("浙江", "province", "33"), ("杭州", "city", "3301"),
                                   ("余杭区", "district", "330110")]
    assert places("内蒙古呼和浩特") == [("内蒙古", "province", "15"), ("呼和浩特", "city", "1501")]
    assert places("广西壮族自治区南宁市") == [("广西壮族自治区", "province", "45"), ("南宁市", "city", "4501")]
    assert places("延边的冬天") == [("延边", "city", "2224")]
    assert places("义乌小商品市场") == [("义乌", "district", "330782")]  # a listed county-level city


def test_municipalities_skip_the_placeholder_city():
    mention = by_text("北京朝阳区望京街道")["望京街道"]
    assert mention.path == ("北京市", "朝阳区", "望京街道")
    assert mention.path_codes == ("11", "110105", "110105026")


def test_short_forms_that_collide_or_are_words():
    assert places("吉林") == [("吉林", "province", "22")]  # the province keeps it; 吉林市 is written in full
    assert places("吉林市船营区") == [("吉林市", "city", "2202"), ("船营区", "district", "220204")]
    assert places("海南") == [("海南", "province", "46")]
    assert places("祝您安康，长治久安，世界大同") == []
    assert places("西湖边散步") == []  # districts have no short form


def test_names_inside_other_words_are_not_places():
    assert places("南京路和中山东路交叉口") == []  # roads named after cities
    assert places("河西安置小区") == [("河西安置小区", "estate", None)]  # not 西安
    assert places("东湖区域的规划") == []  # not 东湖区
    assert places("沿海城市") == []  # not 海城市
    assert places("市和县两级政府") == []  # not 和县
    assert places("老城区改造和郊区农田") == []
    for text in ("这几天水发黑", "白天水很小", "提成都不过份", "粮贸大厦门前", "确保山区", "响应县政府号召",
                 "工作人员和县政府"):
        assert places(text) == [], text  # 天水, 成都, 厦门, 保山, 应县, 和县 across two words
    assert [p[0] for p in places("看到北京地铁女乘客")] == ["北京"]  # the head of a longer word is the place
    assert [p[0] for p in places("下周去天水出差")] == ["天水"]


def test_ambiguous_name_alone_is_left_unresolved():
    assert places("西湖区的问题") == [("西湖区", "district", None)]
    assert by_text("城关镇")["城关镇"].path == ()
    assert places("朝阳区") == [("朝阳区", "district", None)]


def test_context_in_the_same_text_resolves():
    assert places("南昌西湖区") == [("南昌", "city", "3601"), ("西湖区", "district", "360103")]
    assert places("朝阳区，吉林长春") == [("朝阳区", "district", "220104"), ("吉林", "province", "22"),
                                      ("长春", "city", "2201")]
    # two ambiguous names settle each other
    assert places("西湖区北山街道") == [("西湖区", "district", "330106"), ("北山街道", "street", "330106002")]
    # the nearer city wins when both are named
    assert by_text("杭州市西湖区和南昌市西湖区")["西湖区"].code == "330106"
    assert by_text("南昌市的西湖区和杭州市")["西湖区"].code == "360103"


def test_home_hint():
    assert places("西湖区", home="3601") == [("西湖区", "district", "360103")]
    assert places("西湖区", home="3301") == [("西湖区", "district", "330106")]
    assert places("西湖区", home="330106") == [("西湖区", "district", "330106")]
    assert places("北山街道", home="3301") == [("北山街道", "street", "330106002")]
    assert places("东湖街道", home="330106") == [("东湖街道", "street", "330113003")]  # widened to the city
    assert places("东湖街道", home="33") == [("东湖街道", "street", None)]  # two in the province
    assert places("西湖区", home="4401") == [("西湖区", "district", None)]  # none in 广州
    # context in the text comes before the hint
    assert places("南昌西湖区", home="3301")[1] == ("西湖区", "district", "360103")


def test_level_decides_between_a_district_and_a_street_of_the_same_name():
    assert places("东城区") == [("东城区", "district", "110101")]


def test_a_districts_short_form_right_after_a_unit_above_it():
    assert places("宁波海曙的美容店") == [("宁波", "city", "3302"), ("海曙", "district", "330203")]
    assert places("上海浦东国际机场") == [("上海", "province", "31"), ("浦东", "district", "310115")]
    assert places("四川汶川发生地震") == [("四川", "province", "51"), ("汶川", "district", "513221")]
    assert places("北京朝阳医院")[1] == ("朝阳", "district", "110105")  # not 朝阳市 or the other 朝阳区
    # a short form shared by several districts: the one below the name before it
    assert places("北京通州")[1] == ("通州", "district", "110112")
    assert places("南通通州")[1] == ("通州", "district", "320612")



def test_a_streets_short_or_older_form_right_after_its_own_district():
    """Towns became streets, townships towns: written after its district, the name keeps its place."""
    assert places("萧山区瓜沥这边停电")[1] == ("瓜沥", "street", "330109113")
    assert places("驿城区古城乡中学")[1] == ("古城乡", "street", "411702012")  # now 古城街道
    assert places("大理市下关镇温泉村")[1] == ("下关镇", "street", "532901003")  # 下关街道: 下关 is a verb too
    # not a town of that name in another province (飞云镇 in Gansu, 柳树乡 in Linxia)
    assert places("瑞安市飞云镇南港村")[1] == ("飞云镇", "street", "330381009")
    assert places("永登县柳树乡的农民")[1] == ("柳树乡", "street", "620121113")
    # it settles an ambiguous district (西湖区 of 杭州 or of 南昌)
    assert places("西湖区转塘") == [("西湖区", "district", "330106"), ("转塘", "street", "330106010")]
    assert places("杭州市萧山区瓜沥镇")[2] == ("瓜沥镇", "street", "330109113")  # its own name as before
    assert places("四川广安")[1] == ("广安", "city", "5116")  # a name inside the unit before keeps winning


@pytest.mark.parametrize("text", [
    "西山区人民医院", "拱墅区建设局",  # 人民街道, 建设街道 elsewhere or not: words are looked for with a suffix only
    "西湖区文新路", "建邺区兴隆大街", "西湖区翠苑小区",  # a road or an estate named after the street
    "瓜沥这边停电", "杭州瓜沥",  # alone, or after the city: not looked for
])
def test_a_streets_short_form_elsewhere_is_not_a_place(text):
    assert [p for p in places(text) if p[1] == "street"] == [], text

@pytest.mark.parametrize("text", [
    "海曙的美容店", "浦东机场",  # alone: not looked for
    "上海海曙",  # not below 上海
    "上海浦东大道",  # a road named after it
    "湖北省公安厅", "河北省新华书店",  # 公安县 and 新华区, but jieba knows them as other words
])
def test_a_districts_short_form_elsewhere_is_not_a_place(text):
    assert [p for p in places(text) if p[1] == "district"] == [], text


def test_a_districts_short_form_anywhere_in_the_monitors_own_city():
    """With a home (the monitor's area code), the short forms of its city's districts count anywhere."""
    assert places("转：拱墅德胜西路工地几十个工人被欠薪", "3301") == [("拱墅", "district", "330105")]
    assert places("转：拱墅德胜西路工地几十个工人被欠薪") == []  # no home: not looked for alone
    assert places("拱墅德胜西路", "3101") == []  # another city's district
    assert places("萧山机场附近", "330106") == [("萧山", "district", "330109")]  # a district's code: its city's
    assert places("在徐汇上班", "3101") == [("徐汇", "district", "310104")]
    assert places("杭州拱墅区", "3301") == [("杭州", "city", "3301"), ("拱墅区", "district", "330105")]  # full name
    # a street of the same district is resolved with its help
    assert by_text("滨江这边停电了，长河街道好几个小区", "3301")["长河街道"].code == "330108002"


@pytest.mark.parametrize("text, home", [
    ("钱塘江大潮", "3301"), ("静安寺门口", "3101"),  # the segmenter reads a longer word: a river, a temple
    ("滨江路上堵车", "3301"),  # a road named after it
    ("蓝天白云", "4401"), ("世界和平", "1201"), ("一轮朝阳", "1101"),  # everyday words are not looked for alone
])
def test_a_home_districts_short_form_inside_other_words_is_not_a_place(text, home):
    assert places(text, home) == [], text


def test_autonomous_counties_by_their_place_name_and_county():
    assert places("甘肃张家川县公安局") == [("甘肃", "province", "62"), ("张家川县", "district", "620525")]
    assert places("峨山县化念镇")[0] == ("峨山县", "district", "530426")


def test_taiwan_hong_kong_and_macau():
    assert places("去香港读研，再去澳门和台湾") == [("香港", "province", "81"), ("澳门", "province", "82"),
                                               ("台湾", "province", "71")]


# -- anonymised names -----------------------------------------------------------------------------------------


def test_anonymised_names_are_kept_as_written():
    found = extract_places("A市A3区联丰路的店，B县和A7县也有，C镇D12街道")
    assert [(m.text, m.kind, m.code, m.path) for m in found] == [
        ("A市", "anonymised", None, ()), ("A3区", "anonymised", None, ()), ("B县", "anonymised", None, ()),
        ("A7县", "anonymised", None, ()), ("C镇", "anonymised", None, ()), ("D12街道", "anonymised", None, ())]


def test_a_block_of_an_estate_is_not_an_anonymised_district():
    assert places("翠湖小区B区8栋") == [("翠湖小区", "estate", None)]
    assert places("ABC区") == []


# -- housing estates --------------------------------------------------------------------------------------------


def test_estate_after_a_district_gets_its_path():
    found = extract_places("我住在杭州市西湖区翠苑小区")
    assert [(m.text, m.kind) for m in found] == [("杭州市", "city"), ("西湖区", "district"), ("翠苑小区", "estate")]
    assert found[2].code is None
    assert found[2].path == ("浙江省", "杭州市", "西湖区") and found[2].path_codes == ("33", "3301", "330106")


def test_estate_after_a_street_or_a_road():
    assert places("北山街道金色家园的电梯坏了") == [("北山街道", "street", None), ("金色家园", "estate", None)]
    found = by_text("北山街道金色家园的电梯坏了", home="3301")  # seven 北山街道 in China, one in 杭州
    assert found["金色家园"].path == ("浙江省", "杭州市", "西湖区", "北山街道")
    found = by_text("杭州西湖区文三路588号华星公寓")
    assert found["华星公寓"].path == ()  # the house number comes between
    found = by_text("杭州西湖区文三路华星公寓")
    assert found["华星公寓"].path[-1] == "西湖区"


def test_estate_suffixes():
    for text, estate in [("投诉云栖府项目", "云栖府"), ("反映和平花园停水", "和平花园"), ("向阳新村的路灯", "向阳新村"),
                         ("锦绣山庄门口", "锦绣山庄"), ("春华镇新塘村三组", "新塘村"), ("滨江新城的工地", "滨江新城"),
                         ("城南社区居委会", "城南社区"), ("阳光嘉园3栋", "阳光嘉园"), ("云锦华府二期", "云锦华府")]:
        assert (estate, "estate", None) in places(text), text


def test_estate_name_stops_at_function_words_and_verbs():
    assert [m.text for m in extract_places("我们是翠苑小区的业主")] == ["翠苑小区"]
    assert [m.text for m in extract_places("李先生投诉云栖府一房二卖")] == ["云栖府"]
    assert [m.text for m in extract_places("翠苑小区金色家园")] == ["翠苑小区", "金色家园"]


@pytest.mark.parametrize("text, estate", [
    ("这两天桥西家园有人冒充燃气公司上门", "桥西家园"), ("前几天翠苑小区停电了", "翠苑小区"),
    ("每天晚上阳光花园门口都很吵", "阳光花园"), ("上周五溪岸花园燃气泄漏", "溪岸花园"),
    ("凌晨三点金色家园有人打架", "金色家园"), ("昨天晚上10点半左右晟通城小区闻到异味", "晟通城小区"),
    ("2019年春节期间拉菲山庄有非法民宿", "拉菲山庄"),
])
def test_estate_name_starts_after_a_time(text, estate):
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == [estate]


@pytest.mark.parametrize("text", [
    "我们小区停水三天", "本小区物业不作为", "该小区没有消防通道", "这个小区太吵", "小区里有人养狗", "小区门口堵车",
    "屋顶花园漏水", "花园里很脏", "社区医院排队", "老旧小区改造", "附近小区都停电了", "新农村建设", "城中村拆迁",
    "村民反映", "导致小区停水", "市政府门口", "在小区门口", "进入小区的车辆", "万科的新城区项目",
    "户口迁回农村", "重视农村养老", "美丽乡村建设", "重点贫困村脱贫", "自然村道路硬化", "行政村合并",
    "当天村部村主任出面调解", "作为一名村主任", "参加竞选村主任",  # 村主任: a village head, not a village
    "找了当地村委会", "开发商拒不移交小区", "经济适用房小区漏水", "收房期间小区停电", "用水高峰期小区停水",
])
def test_not_estates(text):
    assert [m for m in extract_places(text) if m.kind == "estate"] == []


@pytest.mark.parametrize("text", ["业主们一直重视小区的绿化", "尽管小区有保安", "随着小区入住率提高", "这是知名小区",
                                  "要求物业退出小区", "引起小区业主不满", "提高社区服务水平", "武广新城片区的道路"])
def test_a_common_verb_or_adverb_before_the_suffix_is_not_a_name(text):
    """jieba's common verbs, adverbs, conjunctions, prepositions and adjectives as the whole name: the suffix is
    used alone (133 such finds in the board's messages, nearly all wrong; see nlp/labels/README.md)."""
    assert [m for m in extract_places(text) if m.kind == "estate"] == []


@pytest.mark.parametrize("text, estate", [("富康小区停水", "富康小区"), ("胜利村的道路", "胜利村"),
                                          ("前进村村民反映", "前进村"), ("同升村修路", "同升村")])
def test_a_rare_word_or_a_village_named_by_a_verb_is_still_a_name(text, estate):
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == [estate]


@pytest.mark.parametrize("text, estates", [
    ("今天早上开始幸福花园3栋楼道里燃气味很重", ["幸福花园"]), ("平安小区二单元电梯困人", ["平安小区"]),
    ("我住在团结小区，楼下天天有人飞线充电", ["团结小区"]), ("和谐家园A栋外墙脱落", ["和谐家园"]),
    ("建设美丽家园人人有责", []), ("全国文明小区的牌子挂了三年", []), ("共同构建和谐社区", []),
    ("充电桩严重损害小区五栋居民的健康", []),  # a verb, though a building follows: 小区 is used alone
    ("幸福里小区停水", ["幸福里小区"]),  # praise that does not make the whole name
    ("投诉幸福花园物业不作为", ["幸福花园"]), ("和谐家园业主反映停车难", ["和谐家园"]),  # its management, its owners
    ("老旧小区物业管理混乱", []), ("建设美丽家园居民有责", []),  # a common word's management; a slogan's people
])
def test_a_name_of_praise_or_a_common_adjective_is_an_estate_where_the_post_says_so(text, estates):
    """幸福花园, 平安小区, 和谐家园 are common estate names and common words or slogans (建设美丽家园): a
    building right after the name or living there said right before it makes it an estate's, and for words of
    praise alone also its property management or its owners right after it."""
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == estates


@pytest.mark.parametrize("text, estate", [
    ("承载着万煦花园的出行", "万煦花园"), ("违规插手金色山庄小区业委会选举", "金色山庄小区"),
    ("调整至嘉宇小区的车站", "嘉宇小区"), ("督促咸嘉新村整改", "咸嘉新村"),
])
def test_verbs_adverbs_and_particles_before_a_name_are_not_part_of_it(text, estate):
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == [estate]


def test_a_village_before_its_head_is_kept():
    assert [m.text for m in extract_places("王家村村主任不管事") if m.kind == "estate"] == ["王家村"]


@pytest.mark.parametrize("text, estates", [
    ("本路段周边有龙吉湾、天凯等小区几万居民", ["龙吉湾", "天凯"]),
    ("附近有钰龙天下一二期、恒大华府一二三期、金色御园等楼盘", ["钰龙天下", "恒大华府", "金色御园"]),
    ("周边有中建嘉和城、五矿哈佛小镇和紫湖香缇等小区", ["中建嘉和城", "五矿哈佛小镇", "紫湖香缇"]),
    ("附近有翠苑小区、派出所、实验小学和青山湖等小区", ["翠苑小区", "青山湖"]),  # an office, a school: not estates
    ("所辖恒大城及周边中航城、博长相颐等小区", ["恒大城", "中航城", "博长相颐"]),
    ("反映噪音、停车、门禁等小区管理问题", []),  # matters, not names
])
def test_names_listed_before_a_closing_estates_word_are_estates(text, estates):
    """龙吉湾、天凯等小区: the names of such a list carry no suffix, and the list says what they are."""
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == estates


@pytest.mark.parametrize("text, estates", [
    ("反映丰园城三期600多户停水", ["丰园城"]),
    ("A3区谷山庭院3期16栋漏水", ["谷山庭院"]),
    ("我们是星湖湾洋房二期业主", ["星湖湾洋房"]),
    ("编制梅溪湖一期控规时改了绿地", ["梅溪湖"]),  # the verb before the name is not part of it
    ("江滨家园三期业主", ["江滨家园"]),  # found by its suffix: once
    ("中海国际二期和五期之间的空地", ["中海国际"]),  # 二期和 before the second phase is no name
    ("地铁2号线西延二期何时建设", []),  # a line
    ("女儿患宫颈癌1期", []),  # an illness
    ("开发商计划打通一二期的道路", []),  # a verb where the name would end
    ("中海国际一共五期", []),  # an adverb where the name would end
    ("理财产品仅兑付一期", []),  # a payment
])
def test_a_name_before_a_phase_is_an_estate(text, estates):
    """丰园城三期: the phase says the name before it is an estate's, though it carries no suffix."""
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == estates


@pytest.mark.parametrize("text, estates", [
    ("A6区中粮鸿云房屋采光有问题", ["中粮鸿云"]),  # after a place; 房 ends the name
    ("楚龙西路保利香槟国际周边的交通", ["保利香槟国际"]),  # after a road; a boundary word ends it
    ("A市恒大翡翠华庭6栋漏水", ["恒大翡翠华庭"]),  # a building's number ends it
    ("恒大翡翠华庭的业主", []),  # after no place: the brand may be the company
    ("万科物业不作为", []),
    ("西湖区恒大集团欠薪", []),  # the company: no name after the brand
    ("西湖区保利广场停车", []),  # a shopping centre, not homes
    ("西湖区绿地率不足", []),  # 绿地 is no brand inside 绿地率
])
def test_a_name_opening_with_a_developers_brand_after_a_place_is_an_estate(text, estates):
    """A6区中粮鸿云: after a place, a developer's brand opens an estate's name, though it carries no suffix."""
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == estates


def test_a_branded_estate_after_a_district_gets_its_path():
    found = extract_places("杭州市西湖区保利香槟国际的业主反映")
    assert [(m.text, m.kind, m.path) for m in found][-1] == ("保利香槟国际", "estate", ("浙江省", "杭州市", "西湖区"))


@pytest.mark.parametrize("text, estate", [("我们全体金泰小区业主", "金泰小区"), ("我们全体星湖湾洋房二期业主", "星湖湾洋房")])
def test_a_word_that_a_stop_cuts_in_two_is_not_read_into_the_name(text, estate):
    """全 stops the reading, but 体 belongs to 全体, not to the name."""
    assert [m.text for m in extract_places(text) if m.kind == "estate"] == [estate]


def test_new_town_district_is_a_district_not_an_estate():
    assert places("新城区") == [("新城区", "district", None)]


# -- order, duplicates, speed ---------------------------------------------------------------------------------


def test_each_mention_once_in_order_of_appearance():
    text = "A市翠苑小区，杭州市的翠苑小区，还有杭州和A市，西湖区"
    assert [m.text for m in extract_places(text)] == ["A市", "翠苑小区", "杭州市", "西湖区"]  # 杭州 = 杭州市


def test_empty_text():
    assert extract_places("") == []


# -- real messages ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messages(shared_data):
    from nlp.normalize import normalize_text

    with shared_data("govmsg/messages_with_votes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [normalize_text(row["留言主题"]) + "\n" + normalize_text(row["留言详情"]) for row in rows]


def test_real_messages(messages):
    assert len(messages) > 1000
    found = [extract_places(text) for text in messages]
    with_city = [places for text, places in zip(messages, found) if "A市" in text]
    anonymised = sum(any(m.text == "A市" and m.kind == "anonymised" for m in places) for places in with_city)
    assert anonymised >= 0.95 * len(with_city)
    with_estate = sum(any(m.kind == "estate" for m in places) for places in found)
    assert with_estate >= 0.25 * len(messages)
    for places_ in found:
        texts = [m.text for m in places_]
        assert len(texts) == len(set(texts))
        for mention in places_:
            assert len(mention.path) == len(mention.path_codes)
            assert (mention.code is None) == (mention.path == () or mention.kind == "estate")


def test_estates_found_in_the_annotated_sample_of_real_messages(shared_data):
    """The 240 messages whose estates were written down by reading (nlp/labels/estates.csv): every span lies in
    its message and reads as a name with no line break; on the ``test`` half, never read for errors, the
    extractor keeps the precision and recall of its last measured change: 0.753 and 0.617 since names opening
    with a developer's brand after a place count (session 21: both up; 0.747 and 0.596 with names before a
    phase, session 17; 0.771 and 0.574 when the sample was made)."""
    from nlp.datasets import govmsg
    from nlp.tools.estate_accuracy import gold_estates, scores

    shared_data("govmsg")
    texts = {e.id: e.text for e in govmsg("train") + govmsg("heldout")}
    gold = gold_estates()
    assert sorted(gold) == ["dev", "test"] and [len(gold[s]) for s in ("dev", "test")] == [120, 120]
    assert not set(gold["dev"]) & set(gold["test"])
    for split in gold.values():
        for message_id, spans in split.items():
            for start, end in spans:
                name = texts[message_id][start:end]
                assert 2 <= len(name) <= 16 and "\n" not in name, (message_id, name)
    result = scores(texts, gold["test"])
    assert result["gold"] == 94 and result["precision"] >= 0.75 and result["recall"] >= 0.61


def test_administrative_places_in_weibo_posts(shared_data):
    """The Weibo NER corpus's places, each given the code of the unit it names by reading
    (nlp/labels/weibo_places.csv): every labelled span lies in its sentence and names a unit of the table (or
    台湾, 香港, 澳门); on ``test``, never read for errors, the extractor keeps the figures of its last measured
    change: precision 0.952, recall 1.000 and every name found resolved right since districts' short forms
    after their city and autonomous counties' short names count (session 22; 0.941 and 0.824 before)."""
    from nlp.datasets import weibo_ner
    from nlp.places import PlaceIndex
    from nlp.tools.weibo_place_accuracy import gold_places, scores

    shared_data("weibo_ner")
    gold = gold_places()
    codes = set(PlaceIndex.load().codes)
    sentences = {split: weibo_ner(split) for split in ("train", "dev", "test")}
    for (split, number), spans in gold.items():
        text = sentences[split][number][0]
        for start, end, code in spans:
            assert 0 <= start < end <= len(text) and (not code or code in codes), (split, number, code)
    result = scores("test", gold)
    assert result["gold"] == 17 and result["precision"] >= 0.95 and result["recall"] >= 0.99
    assert result["resolved"] == 1.0


def test_streets_after_their_district_in_real_texts(shared_data):
    """The street and town names read after their own district in real Weibo posts, news reports and board
    messages, each read (nlp/labels/street_places.csv): at least 0.9 of them are that unit (20 of 20 when they
    were read, session 24). The texts were read while the rule was written: a development figure."""
    from nlp.tools.street_after_accuracy import other_forms, read_labels, scores, texts

    for folder in ("emotion", "weibo_ner", "cec", "govmsg"):
        shared_data(folder)
    labels = read_labels()
    assert {verdict for _, verdict in labels.values()} <= {"yes", "no", "unsure"}
    result = scores(other_forms(texts()), labels)
    assert result["read"] >= 18 and result["precision"] >= 0.9, result


def test_district_short_forms_in_a_home_city_in_real_posts(shared_data):
    """The district names that a home city adds in real Weibo posts, hotel reviews and news reports, each read
    (nlp/labels/home_places.csv): at least 0.75 of them are that district (0.766 of 94 when they were read,
    session 23). The texts were read while the rule was written: a development figure."""
    from nlp.tools.home_place_accuracy import added_names, read_labels, real_texts, scores

    shared_data("emotion")
    shared_data("weibo_ner")
    shared_data("cec")
    labels = read_labels()
    assert set(labels.values()) <= {"yes", "no", "unsure"}
    result = scores(added_names(real_texts()), labels)
    assert result["read"] >= 90 and result["precision"] >= 0.75
