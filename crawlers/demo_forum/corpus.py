"""Deterministic generator of the demo forum's built-in content.

``build_corpus(seed, start)`` returns the same threads, posts, comments and ids for the same seed;
``start`` only shifts the times (posts span the 14 days before it, and about a tenth of them fall in
the 6 hours after it, to be revealed as the clock moves). Each thread records its intended taxonomy
``category`` and ``risk`` (ground truth for tests), never shown on pages.

Sites: /riverside/ (Discuz, UTF-8: fid 2 ~60 threads, fid 5 ~10 behind login, fid 9 ~5 tids 9001+),
/oldtown/ (Discuz, GBK: fid 3 ~40 threads), /tieba/ (bars 西湖区 and 拱墅区, ~40 threads).
Ids are finished in ``corpus_finish``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import chatter, places
from .clock import current_minute
from .corpus_finish import finish
from .grievances import CATEGORIES, GRIEVANCES
from .incidents import INCIDENT_CATEGORY, INCIDENTS
from .model import Board, Corpus, Post, Site, Thread
from .users import HandlePool, discuz_uid, tieba_uid

DAY = 24 * 60
FUTURE = 6 * 60  # minutes after start that hold not-yet-visible posts

SITES = {
    "riverside": dict(engine="discuz", title="滨江社区论坛", charset="utf-8", relative_span=True, cookie_prefix="Rvsd_2132_"),
    "oldtown": dict(engine="discuz", title="老城区论坛", charset="gbk", relative_span=False, cookie_prefix="OldT_2132_"),
    "tieba": dict(engine="tieba", title="百度贴吧", charset="utf-8"),
}

# board key -> plan. ``long`` are floor counts of long threads; ``future`` new threads after start.
BOARDS = {
    "riverside:2": dict(fid=2, name="小区生活", tid_base=1001, grievances=30, chatter=15, long=(24, 32, 37), future=3,
                        districts=("滨江区", "滨江区", "滨江区", "西湖区", "上城区")),
    "riverside:5": dict(fid=5, name="业主之家", tid_base=5001, grievances=6, chatter=2, future=1, login_required=True,
                        districts=("滨江区",), categories=("property_mgmt", "housing_land", "building_safety", "mass_fraud")),
    "riverside:9": dict(fid=9, name="站务", tid_base=9001, notices=True),
    "oldtown:3": dict(fid=3, name="投诉建议", tid_base=3001, grievances=25, chatter=4, future=2,
                      districts=("上城区", "拱墅区")),
    "tieba:西湖区": dict(fid=391245, kw="西湖区", tid_base=6001, grievances=11, chatter=4, long=(35, 46), future=1,
                      districts=("西湖区",), sticky=False),
    "tieba:拱墅区": dict(fid=391267, kw="拱墅区", tid_base=7001, grievances=8, chatter=3, long=(40,), future=1,
                      districts=("拱墅区",), sticky=False),
}

# (source board, target board, title prefix) of reposts; (source, target, same author) of near-duplicates.
REPOSTS = (("riverside:2", "oldtown:3", "转发："), ("tieba:西湖区", "riverside:2", "【转】"),
           ("oldtown:3", "tieba:拱墅区", "转："), ("riverside:2", "tieba:西湖区", "转发："))
NEAR_DUPLICATES = (("riverside:2", "riverside:2", True), ("oldtown:3", "oldtown:3", False),
                   ("tieba:西湖区", "riverside:2", False), ("tieba:拱墅区", "oldtown:3", True))


def make_slots(rng: random.Random, district: str) -> dict:
    """Fill-in values for one thread's templates."""
    estate, estate2 = rng.sample(places.ESTATES[district], 2)
    road, road2 = rng.sample(places.ROADS[district], 2)
    return dict(
        district=district, street=rng.choice(places.STREETS[district]), estate=estate, estate2=estate2,
        building=f"{rng.randint(1, 28)}{rng.choice('幢栋')}", unit=f"{rng.randint(1, 4)}单元",
        floor=rng.randint(2, 33), road=road, road2=road2, n=rng.randint(2, 6), n2=rng.randint(7, 60),
        big=rng.choice((30, 50, 80, 100, 200, 300)), money=rng.choice((50, 80, 120, 200, 350, 500, 800, 1500, 3000)),
        hour=rng.randint(1, 11), days=rng.randint(3, 20), months=rng.randint(2, 8),
        company=rng.choice(places.COMPANIES), shop=rng.choice(places.SHOPS), school=rng.choice(places.SCHOOLS),
        pct=rng.choice((8, 12, 15, 18)),
    )


class _Builder:
    def __init__(self, seed: int, start: datetime):
        self.seed, self.start = seed, start
        self.rng = random.Random(f"demo-forum:{seed}")
        self.users = HandlePool(random.Random(f"demo-forum:{seed}:users"))
        self.corpus = Corpus(seed=seed, start=start)
        self.boards: dict[str, Board] = {}
        self.slots: dict[int, dict] = {}          # id(thread) -> slots, for replies
        for prefix, spec in SITES.items():
            self.corpus.sites[prefix] = Site(prefix=prefix, **spec)
        for key, plan in BOARDS.items():
            board = Board(fid=plan["fid"], name=plan.get("name", plan.get("kw")),
                          login_required=plan.get("login_required", False), kw=plan.get("kw"))
            self.corpus.sites[key.split(":")[0]].boards[board.fid] = board
            self.boards[key] = board

    # -- small helpers -------------------------------------------------------------------------
    def at(self, minutes: float) -> datetime:
        return self.start + timedelta(seconds=int(minutes * 60))

    def minutes(self, moment: datetime) -> float:
        return (moment - self.start).total_seconds() / 60

    def post(self, key: str, name: str, minutes: float, text: str, **extra) -> Post:
        site = key.split(":")[0]
        uid = tieba_uid(self.seed, name) if site == "tieba" else discuz_uid(self.seed, site, name)
        rng = self.rng
        if site == "tieba":
            extra.setdefault("client", rng.choice((None, None, None, "Android", "iPhone")))
            extra.setdefault("style", "smiley" if rng.random() < 0.12 else "plain")
        else:
            extra.setdefault("style", rng.choice(("plain",) * 12 + ("font", "smiley", "indent", "indent", "edited")))
        return Post(author=name, uid=uid, created_at=self.at(minutes), text=text, **extra)

    def thread(self, key: str, title: str, text: str, minutes: float, *, author=None, **fields) -> Thread:
        thread = Thread(tid=0, title=title, posts=[self.post(key, author or self.users.any(), minutes, text)],
                        base_views=self.rng.randint(40, 2500), **fields)
        self.boards[key].threads.append(thread)
        return thread

    def replies(self, key: str, thread: Thread, count: int, until: float, skew: float = 2.0) -> None:
        """Add ``count`` replies between the thread's last post and ``until`` minutes."""
        begin = self.minutes(thread.posts[-1].created_at)
        if until <= begin or count <= 0:
            return
        pool = chatter.CHATTER_REPLIES if thread.kind == "chatter" else chatter.GRIEVANCE_REPLIES
        slots = self.slots.get(id(thread)) or make_slots(self.rng, "滨江区")
        for offset in sorted(begin + 0.5 + (until - begin - 0.5) * self.rng.random() ** skew for _ in range(count)):
            text = self.rng.choice(pool).format_map(slots)
            thread.posts.append(self.post(key, self.users.any(), offset, text))

    # -- content -------------------------------------------------------------------------------
    def grievance(self, key: str, category: str, minutes: float, used: set) -> Thread:
        plan, rng = BOARDS[key], self.rng
        choices = [i for i in range(len(GRIEVANCES[category])) if (category, i) not in used]
        index = rng.choice(choices or range(len(GRIEVANCES[category])))
        used.add((category, index))
        risk, title, body = GRIEVANCES[category][index]
        slots = make_slots(rng, rng.choice(plan["districts"]))
        thread = self.thread(key, title.format_map(slots), body.format_map(slots), minutes,
                             category=category, risk=risk, kind="grievance")
        self.slots[id(thread)] = slots
        return thread

    def chatter_thread(self, key: str, minutes: float) -> Thread:
        rng = self.rng
        title, body = rng.choice(chatter.CHATTER)
        slots = make_slots(rng, rng.choice(BOARDS[key]["districts"]))
        thread = self.thread(key, title.format_map(slots), body.format_map(slots), minutes,
                             category="other", risk="none", kind="chatter")
        self.slots[id(thread)] = slots
        return thread

    def fill_board(self, key: str) -> None:
        plan, rng = BOARDS[key], self.rng
        if plan.get("sticky", True):
            self.thread(key, chatter.STICKY[0], chatter.STICKY[1], -14 * DAY + 60, category="other", risk="none",
                        kind="notice", sticky=True)
        if plan.get("notices"):
            for i, (title, body) in enumerate(chatter.NOTICES):
                thread = self.thread(key, title, body, -13 * DAY + i * 3 * DAY + rng.randint(0, 600),
                                     category="other", risk="none", kind="notice")
                self.replies(key, thread, rng.randint(0, 3), -30)
            return
        categories = list(plan.get("categories", CATEGORIES))
        order: list[str] = []
        while len(order) < plan["grievances"]:
            rng.shuffle(categories)
            order.extend(categories)
        used: set = set()
        for category in order[: plan["grievances"]]:
            thread = self.grievance(key, category, -rng.uniform(40, 14 * DAY - 120), used)
            self.replies(key, thread, rng.choice((0, 1, 2, 3, 3, 4, 5, 6, 8, 11)), min(-2, self.minutes(thread.created_at) + 3 * DAY))
        for _ in range(plan["chatter"]):
            thread = self.chatter_thread(key, -rng.uniform(40, 14 * DAY - 120))
            self.replies(key, thread, rng.randint(0, 6), min(-2, self.minutes(thread.created_at) + 2 * DAY))
        for floors in plan.get("long", ()):
            category = rng.choice(("property_mgmt", "environment", "traffic", "housing_land"))
            thread = self.grievance(key, category, -rng.uniform(11 * DAY, 13 * DAY), used)
            self.replies(key, thread, floors - 1, -10, skew=1.3)

    def long_floor(self) -> None:
        """The riverside thread with one 200,000-character floor."""
        rng, lines, total = self.rng, [], 0
        while total < 200_000:
            line = chatter.LONG_PASTE.format(n=rng.randint(2, 30), n2=rng.randint(2, 30))
            lines.append(line)
            total += len(line) + 1
        text = "\n".join(lines)[:200_000]
        thread = self.thread("riverside:2", "业主群聊天记录整理，很长，慎入", "把这个月业主群的聊天记录整理了一下，发在二楼。",
                             -6 * DAY - 200, category="other", risk="none", kind="special")
        thread.posts.append(self.post("riverside:2", self.users.any(), -6 * DAY - 190, text, style="plain"))
        self.replies("riverside:2", thread, 2, -5 * DAY)

    def incidents(self) -> None:
        for name, events in INCIDENTS.items():
            threads: dict[str, tuple[str, Thread]] = {}
            for (minutes, key, ref, title, text, risk), author in zip(events, self.users.distinct(len(events))):
                if ref not in threads:
                    thread = self.thread(key, title, text, minutes, author=author, category=INCIDENT_CATEGORY[name],
                                         risk=risk, kind="incident", incident=name)
                    thread.posts[0].incident = name
                    threads[ref] = (key, thread)
                else:
                    key, thread = threads[ref]
                    thread.posts.append(self.post(key, author, minutes, text, incident=name))

    def past_threads(self, key: str, min_posts: int = 1, before: float = -60) -> list[Thread]:
        return [t for t in self.boards[key].threads if t.kind == "grievance" and len(t.posts) >= min_posts
                and self.minutes(t.created_at) < before]

    def copies(self) -> None:
        rng, titles = self.rng, {k: SITES[k.split(":")[0]]["title"] for k in BOARDS}
        for source_key, target_key, prefix in REPOSTS:
            source = rng.choice(self.past_threads(source_key, before=-600))
            minutes = self.minutes(source.created_at) + rng.uniform(60, 480)
            copy = self.thread(target_key, prefix + source.title, f"转自{titles[source_key]}：\n{source.posts[0].text}",
                               minutes, category=source.category, risk=source.risk, kind="repost", copy_of=source)
            self.slots[id(copy)] = self.slots.get(id(source))
            self.replies(target_key, copy, rng.randint(0, 3), -3)
        for source_key, target_key, same_author in NEAR_DUPLICATES:
            source = rng.choice(self.past_threads(source_key, before=-180))
            minutes = min(self.minutes(source.created_at) + rng.uniform(30, DAY), -5)
            author = source.posts[0].author if same_author else None
            copy = self.thread(target_key, _edit_title(rng, source.title), _edit_text(rng, source.posts[0].text), minutes,
                               author=author, category=source.category, risk=source.risk, kind="near_duplicate",
                               copy_of=source)
            self.slots[id(copy)] = self.slots.get(id(source))
            self.replies(target_key, copy, rng.randint(0, 2), -3)

    def future(self) -> None:
        rng = self.rng
        # One guaranteed early reply on an old riverside thread, for demos and tests.
        early = self.early = self.past_threads("riverside:2", min_posts=2, before=-DAY)[0]
        early.posts.append(self.post("riverside:2", self.users.any(), 12, "今天又看到了，问题还是没解决，顶上去。"))
        for key, plan in BOARDS.items():
            for thread in list(self.boards[key].threads):
                if thread.kind in ("grievance", "chatter", "repost") and thread.posts[-1].created_at <= self.start \
                        and rng.random() < 0.35:
                    for _ in range(rng.randint(1, 2)):
                        text = rng.choice(chatter.GRIEVANCE_REPLIES if thread.kind != "chatter" else chatter.CHATTER_REPLIES)
                        thread.posts.append(self.post(key, self.users.any(), rng.uniform(2, FUTURE - 2),
                                                      text.format_map(self.slots.get(id(thread)) or make_slots(rng, "西湖区"))))
            for _ in range(plan.get("future", 0)):
                category = rng.choice(plan.get("categories", CATEGORIES))
                thread = self.grievance(key, category, rng.uniform(20, FUTURE - 30), set())
                self.replies(key, thread, rng.randint(0, 3), FUTURE - 1)

    def flags(self) -> None:
        """DB-error, malformed and deleted-floor threads (never the thread with the guaranteed early reply)."""
        rng = self.rng
        for key, malformed, deleted in (("riverside:2", 2, 3), ("oldtown:3", 2, 2)):
            candidates = [t for t in self.past_threads(key, min_posts=4) if len(t.posts) < 15 and t is not self.early]
            chosen = rng.sample(candidates, 1 + malformed + deleted)
            chosen[0].db_error = True
            for thread in chosen[1 : 1 + malformed]:
                thread.malformed = True
                thread.posts[1].style = "indent"
            self.delete_a_floor(chosen[1 + malformed :])
        for key in ("tieba:西湖区", "tieba:拱墅区"):
            candidates = sorted(self.past_threads(key, min_posts=4), key=lambda t: -len(t.posts))
            self.delete_a_floor([candidates[0], rng.choice(candidates[1:])])

    def delete_a_floor(self, threads: list[Thread]) -> None:
        for thread in threads:
            past = [p for p in thread.posts[1:-1] if p.created_at <= self.start]
            self.rng.choice(past).deleted = True

    def build(self) -> Corpus:
        for key in BOARDS:
            self.fill_board(key)
        self.long_floor()
        self.incidents()
        self.copies()
        self.future()
        self.flags()
        finish(self.corpus, self.boards, {key: BOARDS[key]["tid_base"] for key in BOARDS}, self.users, FUTURE)
        return self.corpus


def _edit_title(rng: random.Random, title: str) -> str:
    return rng.choice(("急！" + title, title + "（求扩散）", "【求助】" + title, title.replace("，", " ", 1) + "！"))


def _edit_text(rng: random.Random, text: str) -> str:
    choice = rng.randrange(4)
    if choice == 0:
        return text.replace("。", "！", 1)
    if choice == 1 and "\n" in text:
        return text.rsplit("\n", 1)[0]
    if choice == 2:
        return text + "\n求扩散，谢谢大家！"
    return "再说一遍，" + text


def build_corpus(seed: int = 7, start: datetime | None = None) -> Corpus:
    """The built-in corpus for ``seed``, with times relative to ``start`` (default: now, to the minute)."""
    return _Builder(seed, start or current_minute()).build()
