"""Risk floors: what the labelling guide says the facts demand, whatever the model thinks."""

import pytest

from nlp.risk_rules import NO_GRIEVANCE, apply_floor, cn_number, people_count, risk_floor, settle_risk


@pytest.mark.parametrize("text, level", [
    ("小区3栋正在着火，浓烟很大，大家快下楼", "high"),
    ("工地塌方有人被埋，救护车还没到", "high"),
    ("楼道里燃气泄漏了，已经报警", "high"),
    ("讨薪工人站在楼顶说要跳楼", "high"),
    ("有个工人爬上了塔吊，说今天不给钱就跳下去", "high"),
    ("隔壁天天打老婆，昨晚一直喊救命", "high"),
    ("邻居拿刀扬言报复", "high"),
    ("昨晚两伙人在烧烤店门口斗殴，有人受伤", "high"),
    ("爆炸致5人死亡", "critical"),
    ("食堂食物中毒，数十人送医", "critical"),
    ("楼道有燃气味", "medium"),
    ("万一着火了怎么办，消防通道被占", "medium"),
    ("电梯多次困人", "medium"),
    ("幸福里5号楼电梯今天早上又停了，困了两个老人在里面半小时", "medium"),  # a forum tells it so
    ("阳光花园南门两个人打起来了，一个满脸是血", "high"),  # forum register: a fight now, blood
    ("万一打起来了怎么办", "none"),  # a possible fight is no fight
    ("楼上拉了根电线下来给电动车充电", "medium"),  # a flying lead
    ("路口的井盖不见了，晚上很危险", "medium"),
    ("去年这里发生过火灾，现在楼道还堆满杂物", "medium"),
    ("事故无人员伤亡", "none"),
    ("没有人受伤", "none"),
    ("消防员很快扑灭了，没有一个人受伤", "none"), ("所幸无一人受伤", "none"), ("没有造成任何人员受伤", "none"),
    ("我家蜜蜂大量死亡", "none"),
    ("噪音吵得头都要炸了", "none"),
    ("天然气泄露，整栋楼都闻得到", "high"),
    ("煤气爆炸，窗户都震碎了", "high"),
    ("信息爆炸的时代，谣言也多", "none"),
    ("物业把堵死消防通道的车都贴了条", "medium"),
    ("楼下一直有液化气味", "medium"),
    ("事故造成三人死亡", "critical"),
    ("十多人中毒住院", "critical"),
    # a condition or a rhetorical question anywhere in the sentence: a possibility, not harm happening now
    ("这个时候，如果有火灾，我们只能眼睁睁看着大火吞噬我们的家园", "medium"),
    ("电梯关人经常发生，是不是一定要出了人命，你们才觉得能够引起重视？", "medium"),  # the lift, not a death
    ("雨天走廊积水，老人摔倒、小孩掉落致伤致残致死迟早发生", "none"),
    ("物业说今晚把通道锁了。楼道里着火了，大家快跑", "high"),  # a condition in an earlier sentence counts not
    ("只要一下大雨，马路上的水就往家里流，家中经常进水", "medium"),
    ("每次涨水村民就不敢拉船过河", "medium"),
    # facts the board tells in its own words
    ("B9市到处涨水，我家住在街道附近，家中惨遭进水", "high"),
    ("这个路口事故频发，已经死了几个人了", "high"),
    ("现在县政府门口坐了一大批当年腾地的原住民", "high"),
    ("10日14日大量员工在厂门口进行维权", "high"),
    ("我父亲2018年8月1日曾在一报社门口维权", "none"),
    # words that only look like the facts
    ("开发商扬言不按时间交全款就把房子卖掉", "none"),
    ("对方扬言要弄死他", "high"),
    ("老板扬言随便我们去打官司", "none"),
    ("游乐场的跳楼机是否属于特种设备", "none"),
    ("养老院有较高的疾病率和死亡率", "none"),
    ("这样做严重伤害了我们的合法权益，业主很受伤害", "none"),
    # words of harm used figuratively, as social media uses them (read off the Weibo dev split)
    ("热锅加油，倒入开水继续用大火煮2分钟", "none"),
    ("相信本剧一定能大卖和大火一把", "none"),
    ("凌晨小区三号楼着火了，大火烧毁了两户", "high"),
    ("出锅前转中大火收汁", "none"),
    ("火场中大火蔓延，多人被困", "high"),
    ("今晚我很受伤，没能参加演唱会", "none"),
    ("在这里代受伤的小鸟感谢大家", "none"),
    ("马路中间被拦住，交警处理现场，未见伤者", "none"),
    ("话说虽然这片子被打分那么低", "none"),
    ("身上的骨头尽被打碎", "high"),
    ("警察带着警犬和爆炸物探测器嗅探每个角落", "none"),
    ("空气这么差，这是慢性自杀", "none"),
    ("又看了一遍崇祯皇帝的自杀因果", "none"),
    ("他在楼顶扬言要自杀", "high"),
    ("楼下一名女性自杀", "high"),
    ("我发现我碰上了100年一遇的洪水", "none"),
    ("一头撞死算了", "none"),
    ("作为曾被法官殴打的律师", "medium"),
    # a word inside a longer one, and a consequence told as what could follow
    ("学校组织消防演练，模拟重大火灾逃生", "none"),
    ("在烧烤店门口被烧烤店老板骂了一顿", "none"),
    ("一个烟头就能引发重大火灾事故", "medium"),
    ("凌晨发生重大火灾，整栋楼被烧毁", "high"),
    # people held against their will, a threat to kill, a fight, a death counted with the injured (session 18)
    ("我爱人一直困在这个传销窝点，已经失联十几天", "high"),
    ("十名受害人被身穿便装人员强行扣押，至今未放人", "high"),
    ("举报一个传销组织，请市场监管部门查处", "none"),
    ("包工头威胁要把讨薪的打死", "high"),
    ("他们说这是最大的威胁，杀鸡儆猴", "medium"),  # a threat reported, not a threat to kill across a comma
    ("两伙人在路口大打出手", "high"),
    ("斑马线上出车祸，造成一死一伤", "high"),
    ("三车追尾造成4死3伤", "critical"),
    ("他九死一生才逃出来", "none"),
    # harm as a forum tells it while it happens (session 34, from the forum check's dev half)
    ("刚才楼上掉下一块砖，砸到一个大爷，头出血了", "high"),
    ("小孩从滑梯上摔下来，流了很多血", "high"),
    ("孩子在学校被同学推倒，膝盖磕破了", "high"),
    ("我老婆做完结扎手术内出血，医院不认", "none"),  # 手术 is no hand
    ("施工队把燃气管挖断了，整条街都是味", "high"),
    ("万一燃气管破了怎么办", "medium"),
    ("六号楼暖气管爆了，热水往楼道里灌", "high"),
    ("雨太大了，地下室已经进水了", "high"),
    ("公司聚餐后三十多个人上吐下泻，都去了医院", "critical"),
    ("吃了这家的外卖，我上吐下泻了一晚上", "none"),
    # something fallen or thrown that has hit (session 35)
    ("外墙保温板昨天刮风掉下来一大块 把楼下一辆车前挡砸裂了", "high"),
    ("楼上扔下来一个酒瓶，砸中了电动车", "high"),
    ("空调外机掉下来差点砸到人", "none"),
    ("楼道瓷砖成片脱落，砸伤人会有人身安全问题", "none"),  # a hazard told, no blow
    ("楼顶广告牌快脱落了，可千万别砸到人", "none"),
])
def test_floors(text, level):
    assert risk_floor(text).level == level, risk_floor(text)


def test_people_affected_raise_a_grievance_but_not_an_enquiry():
    floor = risk_floor("上百户业主维权无果")
    assert apply_floor("low", floor) == "medium"
    assert apply_floor("none", floor) == "none"  # a question mentioning many people stays an enquiry
    assert apply_floor("low", risk_floor("几十名工人被欠薪半年")) == "medium"
    assert apply_floor("critical", risk_floor("楼道有燃气味")) == "critical"  # never lowered


def test_a_post_filed_other_and_not_negative_states_no_grievance():
    quiet = risk_floor("出一台二手婴儿车，九成新")
    assert settle_risk("low", quiet, "other", "neutral") == ("none", (NO_GRIEVANCE,))
    assert settle_risk("low", quiet, "other", "positive") == ("none", (NO_GRIEVANCE,))
    assert settle_risk("low", quiet, "other", "negative") == ("low", ())  # a complaint the table has no row for
    assert settle_risk("low", quiet, "utilities", "neutral") == ("low", ())  # a problem of the table, told flatly
    assert settle_risk("medium", quiet, "other", "neutral") == ("medium", ())  # only a routine low is lowered
    assert settle_risk("none", quiet, "other", "neutral") == ("none", ())


def test_the_facts_still_raise_a_post_that_states_no_grievance():
    smell = risk_floor("楼道有燃气味")
    assert settle_risk("low", smell, "other", "neutral") == ("medium", smell.rules)
    crowd = risk_floor("上百户业主参加了社区的联欢会")  # many people, but no grievance: as an enquiry
    assert settle_risk("low", crowd, "other", "positive") == ("none", (NO_GRIEVANCE,))
    assert settle_risk("low", crowd, "other", "negative") == ("medium", crowd.rules)


def test_a_crowd_rule_needs_a_confrontation_not_a_conflict_of_rules():
    assert risk_floor("上百户业主反映，这一做法与征收通告相冲突").level == "medium"
    assert risk_floor("上百户业主在售楼部门口聚集，与保安发生冲突").level == "high"


def test_only_counts_of_people_are_people_affected():
    """A count of households, or of people named as such, is people affected; a count of anything else is
    not (on Weibo: 34个字母, 两百多个塑料杯子, 39家城市综合体, and on the board the road 万家丽路)."""
    assert people_count("上百户业主") == 100 and people_count("几十名工人") == 30 and people_count("三百多名受害者") == 300
    assert people_count("100多人被困") == 100 and people_count("50位投资人") == 50
    for text in ("34个字母组成的一个单词", "两百多个塑料杯子", "万达在建的39家城市综合体", "A市万家丽路与远大路交汇处",
                 "总价三百万人民币", "每天接待上千人次", "还有200多个指标"):
        assert people_count(text) < 30, text


def test_counts_as_written():
    assert [cn_number(s) for s in ("12", "十几", "几十", "上百", "一百多", "两千", "数百")] == [12, 15, 30, 100, 100, 2000, 300]
    assert people_count("全体业主强烈反对") == 100
    assert people_count("3户居民") == 3
