"""Enriched posts with known facts, written for the store tests (no shared data needed).

Every post's labels, places and time are chosen here, so a test can say exactly which posts a question
must return. Times are spread over ten local days from 2024-03-01 (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sheqing.records import EnrichedPost, Enrichment, PlaceMention, make_post_id

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 3, 1, 0, 30, tzinfo=CST)

XIHU = PlaceMention(text="西湖区", kind="district", code="330106", path=("浙江省", "杭州市", "西湖区"),
                    path_codes=("33", "3301", "330106"))
BEISHAN = PlaceMention(text="北山街道", kind="street", code="330106001",
                       path=("浙江省", "杭州市", "西湖区", "北山街道"), path_codes=("33", "3301", "330106", "330106001"))
GONGSHU = PlaceMention(text="拱墅区", kind="district", code="330105", path=("浙江省", "杭州市", "拱墅区"),
                       path_codes=("33", "3301", "330105"))
CUIYUAN = PlaceMention(text="翠苑小区", kind="estate")
ANON = PlaceMention(text="A3区", kind="anonymised")

# (site, title, text, category, risk, sentiment, places, day offset, hour)
ROWS = [
    ("riverside", "燃气泄漏", "翠苑小区3号楼燃气泄漏，味道很大，物业不管！", "utilities", "critical", "negative", (XIHU, CUIYUAN), 0, 9),
    ("riverside", "燃气泄漏后续", "燃气公司来了，燃气管道已经关阀。", "utilities", "high", "neutral", (XIHU, CUIYUAN), 0, 11),
    ("riverside", "电梯又坏了", "北山街道某小区电梯困人，老人被关了半小时。", "building_safety", "high", "negative", (BEISHAN,), 1, 8),
    ("riverside", "电梯维修", "电梯维修完成，感谢物业及时处理。", "building_safety", "none", "positive", (BEISHAN,), 2, 14),
    ("oldtown", "消防通道被堵", "楼下消防通道被私家车堵死，万一着火怎么办", "fire_safety", "medium", "negative", (GONGSHU,), 1, 20),
    ("oldtown", "消防通道", "消防通道又被占了，投诉多次无果。", "fire_safety", "medium", "negative", (GONGSHU,), 3, 7),
    ("oldtown", "拖欠工资", "工地拖欠几十名工人工资三个月，工人要去讨薪", "labor", "high", "negative", (ANON,), 2, 10),
    ("oldtown", "噪音扰民", "楼上装修噪音太大，晚上十一点还在敲。", "neighbor_dispute", "low", "negative", (), 4, 23),
    ("tieba_hz", "小区绿化", "小区绿化改造得不错，环境好多了。", "environment", "none", "positive", (CUIYUAN,), 5, 9),
    ("tieba_hz", "垃圾堆放", "垃圾堆在路边好几天没人清理，臭气熏天", "environment", "low", "negative", (XIHU,), 5, 16),
    ("tieba_hz", "停车难", "小区停车位太少，晚上回家没地方停车。", "traffic", "low", "negative", (GONGSHU,), 6, 19),
    ("tieba_hz", "诈骗提醒", "有人冒充社区工作人员上门收费，大家小心诈骗。", "mass_fraud", "medium", "neutral", (BEISHAN,), 7, 10),
    ("tieba_hz", "食堂", "学校食堂饭菜有异味，孩子吃了肚子疼。", "food_drug", "high", "negative", (XIHU,), 8, 12),
    ("riverside", "天然气灶", "家里天然气灶打不着火，求推荐维修师傅。", "utilities", "none", "neutral", (), 9, 15),
    ("riverside", "WiFi 信号", "小区 WiFi 信号差，宽带经常掉线。", "other", "none", "negative", (CUIYUAN,), 9, 21),
    ("oldtown", "<script>alert(1)</script>", "测试<script>alert('x')</script>燃气泄漏的帖子", "utilities", "low", "neutral", (), 9, 22),
]


def make_post(n: int, site: str, title: str, text: str, category: str, risk: str, sentiment: str, places,
              published, *, topic_id: str | None = None, author: int | None = None,
              dup_group: str | None = None) -> EnrichedPost:
    """One enriched post with exactly these facts (post id ``1000 + n`` on ``site``)."""
    post_id = str(1000 + n)
    scores = {"category": {category: 0.9}, "risk": {risk: 0.8}, "sentiment": {sentiment: 0.7}}
    enrichment = Enrichment(
        category=category, risk=risk, sentiment=sentiment, scores=scores,
        evidence={"category": [title[:2]], "risk": [], "sentiment": []},
        places=tuple(places), keywords=(title[:2],), simhash=f"{n:016x}",
        dup_group=dup_group or make_post_id(site, post_id), topic_id=topic_id, model_version="test",
    )
    return EnrichedPost(
        id=make_post_id(site, post_id), site=site, engine="tieba" if site == "tieba_hz" else "discuz",
        board="2", thread_id=str(100 + n), post_id=post_id, floor=1, url=f"http://forum.test/t/{n}",
        title=title, text=text, author_key=f"{author if author is not None else n:016x}", published_at=published,
        crawled_at=published + timedelta(hours=1), thread_reply_count=n, enrichment=enrichment,
    )


def make_posts(rows=ROWS) -> list[EnrichedPost]:
    return [
        make_post(n, site, title, text, category, risk, sentiment, places,
                  T0.replace(hour=hour, minute=n) + timedelta(days=day),
                  topic_id="t-gas" if "燃气" in title else None)
        for n, (site, title, text, category, risk, sentiment, places, day, hour) in enumerate(rows, 1)
    ]
