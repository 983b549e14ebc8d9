"""Bursts of posts around a few incidents, spread over the demo sites.

Each incident is a list of events ``(minutes from start, board, thread key, title, text, risk)``.
The first event of a thread key opens a thread on that board (title and risk given); later events
with the same key are replies (title and risk None). Every event is written by a different user.

- ``gas_leak``: a gas leak at 溪岸花园 (西湖区): 15 posts by 15 users within two hours, across three
  sites; it starts 50 minutes before the clock's start and goes on for 70 minutes after it.
- ``wage_arrears``: workers unpaid on a construction site in 拱墅区, escalating over two days to a
  worker on a tower crane; a follow-up appears a few hours after start.
- ``lift_trapping``: the same lift at 运河湾小区 traps people again and again over twelve days.
"""

from __future__ import annotations

DAY = 24 * 60

INCIDENT_CATEGORY = {"gas_leak": "utilities", "wage_arrears": "labor", "lift_trapping": "utilities"}

GAS_LEAK = [
    (-50, "riverside:2", "a", "溪岸花园7幢楼道里燃气味很重",
     "刚下班回来，溪岸花园7幢楼道里燃气味特别重，二楼到四楼最明显，已经打了燃气公司电话。\n大家先别开火，也别开关电器。", "medium"),
    (-43, "riverside:2", "a", None, "我在6幢也闻到了，家里窗户都打开了。", None),
    (-35, "tieba:西湖区", "b", "西溪街道溪岸花园是不是燃气泄漏了",
     "溪岸花园那边味道好大，走到门口都闻得到，有没有人知道怎么回事？", "medium"),
    (-28, "tieba:西湖区", "b", None, "燃气公司的车刚开进去，7幢下面拉了警戒线。", None),
    (-20, "riverside:2", "a", None, "物业在挨家敲门，让7幢的人先下楼。", None),
    (-12, "tieba:西湖区", "b", None, "整栋楼都在疏散了，老人小孩都在楼下站着。", None),
    (-5, "riverside:2", "c", "溪岸花园燃气泄漏，7幢正在疏散！",
     "溪岸花园7幢燃气泄漏，现在整栋楼在疏散，消防车和燃气公司都到了。\n附近的邻居千万不要点火，不要按门铃！", "high"),
    (3, "oldtown:3", "d", "转发：西溪溪岸花园燃气泄漏，附近居民注意",
     "转自滨江社区论坛：\n溪岸花园7幢燃气泄漏，整栋楼在疏散，消防车和燃气公司都到了。\n附近的邻居千万不要点火。", "high"),
    (10, "riverside:2", "c", None, "消防说是四楼一户的燃气管接口漏了，正在关总阀。", None),
    (18, "tieba:西湖区", "b", None, "我家就在7幢，现在被安排在小区活动室等着。", None),
    (27, "riverside:2", "c", None, "旁边8幢要不要也下楼？有没有人说一下？", None),
    (35, "tieba:西湖区", "e", "溪岸花园燃气泄漏后续",
     "刚才燃气公司说漏点找到了，正在修，7幢暂时还不能回家。", "medium"),
    (45, "riverside:2", "a", None, "幸亏发现得早，前几天就有人说楼道有味道，物业没当回事。", None),
    (58, "tieba:西湖区", "e", None, "修好了吗？孩子还有东西在楼上没拿。", None),
    (70, "riverside:2", "c", None, "刚刚通知可以回家了，大家进门先开窗通风。", None),
]

WAGE_ARREARS = [
    (-4 * DAY, "oldtown:3", "a", "恒川建设德胜西路项目拖欠四十多个工人工资半年",
     "我们在德胜西路恒川建设的项目上干活，四十多个工人从五月到现在没拿到一分钱。\n包工头说上面没拨款，项目部说钱早给了包工头。年底了，大家都等着钱回家。", "medium"),
    (-4 * DAY + 40, "oldtown:3", "a", None, "我老乡也在这个工地，说包工头已经找不到人了。", None),
    (-4 * DAY + 180, "tieba:拱墅区", "b", "德胜西路工地的工人在项目部门口讨薪",
     "今天早上看到几十个工人坐在德胜西路工地项目部门口，举着牌子，说被欠了半年工资。", "medium"),
    (-4 * DAY + 210, "tieba:拱墅区", "b", None, "年底了还不发钱，人家怎么回家过年。", None),
    (-4 * DAY + 300, "riverside:2", "c", "转：拱墅德胜西路工地几十个工人被欠薪",
     "转自老城区论坛：\n德胜西路恒川建设的项目拖欠四十多个工人工资半年，工人在项目部门口讨薪。", "medium"),
    (-3 * DAY + 120, "oldtown:3", "a", None, "今天工人还在门口，项目经理说月底发，没人信。", None),
    (-3 * DAY + 360, "tieba:拱墅区", "d", "德胜西路工地有工人爬上塔吊了！",
     "有个工人爬上了塔吊，说今天不给钱就跳下去，下面全是警察和消防。", "high"),
    (-3 * DAY + 380, "tieba:拱墅区", "d", None, "太惨了，希望人没事。", None),
    (-3 * DAY + 420, "oldtown:3", "a", None, "劳动监察的人来了，正在和公司谈。", None),
    (-3 * DAY + 540, "tieba:拱墅区", "d", None, "人已经劝下来了，公司答应先发一部分。", None),
    (200, "oldtown:3", "e", "德胜西路工地欠薪的后续",
     "听工地上的人说劳动监察大队介入了，今天先发了三个月的，剩下的说下个月结清。", "low"),
]

LIFT_TRAPPING = [
    (-12 * DAY, "oldtown:3", "a", "运河湾小区5幢电梯困人",
     "今天上午运河湾小区5幢的电梯卡在九楼和十楼之间，里面困了两个人，等了半个多小时维保才来。", "medium"),
    (-12 * DAY + 60, "oldtown:3", "a", None, "这部电梯老毛病了，上个月也停过。", None),
    (-8 * DAY, "tieba:拱墅区", "b", "运河湾小区的电梯又困人了",
     "5幢的电梯这周第二次困人了，这次是一个抱着孩子的妈妈，孩子吓得一直哭。", "medium"),
    (-8 * DAY + 120, "tieba:拱墅区", "b", None, "维保公司是物业找的吧，查查有没有资质。", None),
    (-5 * DAY, "oldtown:3", "c", "运河湾小区5幢电梯十天困人三次，有人管吗",
     "运河湾小区5幢电梯十天里困人三次，物业每次都说修好了。\n已经向市场监管局特种设备科投诉，希望尽快来检测。", "medium"),
    (-5 * DAY + 180, "oldtown:3", "c", None, "我们也打电话投诉了，说这周来检测。", None),
    (-2 * DAY, "tieba:拱墅区", "b", None, "今天又困了一个外卖小哥。", None),
    (-1 * DAY, "oldtown:3", "c", None, "物业终于贴通知了，说要换控制主板。", None),
    (250, "tieba:拱墅区", "e", "运河湾小区5幢电梯第五次困人",
     "说是修好了，今天晚上又困人了，这次是一个老人，出来的时候脸都白了。\n必须停用彻底检修！", "medium"),
]

INCIDENTS = {"gas_leak": GAS_LEAK, "wage_arrears": WAGE_ARREARS, "lift_trapping": LIFT_TRAPPING}
