"""Forum handles and user ids for the demo corpus.

Handles look like real Chinese forum names (江南老王, sunny0571, 追风的蜗牛88 ...). A user id depends
only on the seed, the site and the handle, so it is the same on every start with the same seed.
"""

from __future__ import annotations

import random

_PLACES = ("江南", "西溪", "钱塘", "滨江", "运河", "武林", "拱宸", "断桥", "吴山", "湘湖", "六和", "北山",
           "良渚", "半山", "之江", "城东", "河坊", "文三")
_PEOPLE = ("老王", "阿姨", "大叔", "宝妈", "奶爸", "少年", "小猫", "小鱼", "阿杰", "阿强", "小胖", "老李",
           "姑娘", "过客", "居民", "听雨", "散人", "一叶", "老张", "小林", "阿芳", "闲人")
_PHRASES = ("爱吃醋鱼", "不吃香菜", "晴天娃娃", "一只喵", "追风的蜗牛", "快乐的土豆", "今天不加班", "咸鱼翻身",
            "半杯茶", "早起的鸟儿", "夜猫子", "打工人小张", "二胎妈妈", "退休老教师", "楼下的猫", "风吹麦浪",
            "平凡的世界", "天天向上", "向日葵", "人间烟火", "一蓑烟雨", "白开水", "柠檬不酸", "雨后彩虹")
_LATIN = ("hz_lucky", "sunny", "lemon_tree", "kevin_hz", "Miss_Lin", "xiaoyu", "bigfish", "tom_cat",
          "jacky", "nana_zj", "daydream", "lazybones", "zhangwei", "ivy_wang", "leo", "panda")


class HandlePool:
    """Draws distinct realistic handles from a seeded random generator."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._used: list[str] = []
        self._seen: set[str] = set()

    def _make(self) -> str:
        rng = self._rng
        pattern = rng.random()
        if pattern < 0.3:
            name = rng.choice(_PLACES) + rng.choice(_PEOPLE)
        elif pattern < 0.45:
            name = rng.choice(_PLACES) + rng.choice(_PEOPLE) + str(rng.choice((1987, 2008, 520, 88, 66, 99, 123)))
        elif pattern < 0.75:
            name = rng.choice(_PHRASES) + ("" if rng.random() < 0.6 else str(rng.randint(1, 999)))
        else:
            name = rng.choice(_LATIN) + str(rng.choice((571, 2021, 88, 1990, 0, 7, 365, 8888)))
        return name

    def new(self) -> str:
        """A handle not drawn before."""
        while True:
            name = self._make()
            if name not in self._seen:
                self._seen.add(name)
                self._used.append(name)
                return name

    def any(self) -> str:
        """A handle, often one already seen (regulars post a lot)."""
        if self._used and self._rng.random() < 0.45:
            return self._rng.choice(self._used)
        return self.new()

    def distinct(self, count: int) -> list[str]:
        """``count`` handles never drawn before (distinct users of an incident)."""
        return [self.new() for _ in range(count)]


def discuz_uid(seed: int, site: str, name: str) -> int:
    return random.Random(f"{seed}:uid:{site}:{name}").randint(10_000, 999_999)


def tieba_uid(seed: int, name: str) -> int:
    return random.Random(f"{seed}:tieba-uid:{name}").randint(1_000_000_000, 4_200_000_000)
