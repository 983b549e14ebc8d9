"""Read the messages on a category or risk boundary a second time, blind, and settle the disagreements.

Usage: python nlp/labels/tools/reread.py NAME select         (writes review/NAME_selection.csv)
       python nlp/labels/tools/reread.py NAME show SLICE     (an annotator's slice: id, text)
       python nlp/labels/tools/reread.py NAME disagreements  (the adjudicator's list: id, text, two labels)
then   python nlp/labels/tools/make_split.py                 (applies them to govmsg_labels.csv)

NAME is one of ``REREADS``: which split's messages are read, which label (``head``: category or risk) and
which test of the message selects them.

- ``public_order`` (session 13): in grouped 5-fold CV on the train split the category head found 0.44 of
  ``public_order`` (the lowest recall of any class with 100 messages or more), and the first readings split
  alike cases: of 36 messages about a 麻将馆, 21 were ``environment`` and 13 ``public_order``; of 21 about
  黑车, 黑摩的, 黑的士 or 非法营运, 9 ``traffic``. Every *train* message whose text names a matter of the guide's
  ``public_order`` row or its neighbours (``PUBLIC_ORDER``: gambling, unlicensed transport, theft, fraud,
  fights, prostitution, drugs, harassment, 高空抛物, the police) is read again, whatever its label.
- ``public_order_heldout`` (session 14): the same pattern over the held-out split, so that the addendum
  written for the train reading (``nlp/labels/README.md``) holds for the labels the model is measured
  against too. The messages are selected by their text alone; no model output is read or shown.
- ``school_safety`` and ``school_safety_heldout`` (session 14): in grouped 5-fold CV on the train split the
  category head found 36 of the 66 ``school_safety`` messages and mistook it mostly for ``other`` (16
  found as other, 13 other found as school_safety) and ``traffic`` (10 and 7). Both splits are read at
  once against one addendum written before the reading: every message with a school word in its title,
  or a school word and a hazard word within 30 characters (``SCHOOL``).
- ``risk_high`` (session 14): the risk level, on the boundary of ``high``. The held-out split, read twice
  with disagreements decided, rates 24 of 1,432 messages ``high`` (1.7 %); the train split, read once, 53
  of 5,754 (0.9 %): at the train rate 13 would be expected, and 24 is three standard deviations above it.
  Every train message whose text the risk rules raise to ``high`` (``nlp.risk_rules.risk_floor``: ongoing
  fire, explosion, gas leak, collapse, injuries, deaths, violence, threats of self-harm) or that is
  labelled ``high`` is read again for its risk level alone. The rules only select; they set no label.

``select`` deals the selected messages into slices (four unless ``Reread.slices`` says) at random (seeded per name); the selection file
keeps each message's label at that time (``first``). Annotators see only ids and texts (``show``), not
the first label, and write ``review/NAME_second_N.csv`` (message_id, the head's column, reason) against the
guide and the addendum. Where the second reading differs from the first, an adjudicator reads the message
with both labels in random order, not told which is which, and writes ``review/NAME_adjudicated.csv``
(message_id, the head's column, reason). ``make_split.py`` applies them (``reviewed``): a message both
readings agree on is marked ``agreed`` if it had one reading, a settled one takes the adjudicator's label
and is marked ``adjudicated``. The other labels are not read again.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import Example, govmsg  # noqa: E402
from nlp.risk_rules import risk_floor  # noqa: E402
from sheqing.records import CATEGORIES, RISKS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
REVIEW = LABELS / "review"
PUBLIC_ORDER = re.compile(
    "麻将馆|棋牌室|赌博|聚赌|赌资|赌场|老虎机|赌博机|六合彩|买码|黑车|黑摩的|黑的|非法营运|盗窃|被盗|被偷|小偷|偷盗|偷窃"
    "|抢劫|抢夺|飞车抢|吸毒|贩毒|毒品|卖淫|嫖娼|站街|色情|打架|斗殴|殴打|打人|骚扰|高空抛物|可疑人|诈骗|骗子|被骗|传销"
    "|治安|派出所|报警|110")
_SCHOOL = "学校|校园|校门|校区|小学|中学|幼儿园|学生|校车|培训机构|培训班|培训学校|托管|补习|辅导班|霸凌|欺凌"
_NEAR_SCHOOL = "学校|校园|校门|小学|中学|幼儿园|学生|校车|培训机构|托管|孩子上学|放学"
_HAZARD = "安全|危险|隐患|事故|红绿灯|斑马线|人行横道|接送|拥堵|堵|摊|食品|食堂|霸凌|欺凌|打|伤|退费|跑路|倒闭|关门|网吧|车辆|车速|施工"
SCHOOL = re.compile(  # a school word in the title, or a school word and a hazard word within 30 characters
    rf"\A[^\n]*(?:{_SCHOOL})|(?:{_NEAR_SCHOOL}).{{0,30}}(?:{_HAZARD})|(?:{_HAZARD}).{{0,30}}(?:{_NEAR_SCHOOL})", re.S)


def _raised_or_high(example: Example) -> bool:
    return example.risk == "high" or risk_floor(example.text).level in ("high", "critical")


@dataclass(frozen=True)
class Reread:
    split: str                          # the split whose messages are read again (the other is never read)
    selects: Callable[[Example], bool]  # whether a message is read again
    seed: int                           # deals the selection into slices
    slices: int = 4                     # one annotator each
    head: str = "category"              # the label read again


def _text_matches(pattern: re.Pattern) -> Callable[[Example], bool]:
    return lambda example: bool(pattern.search(example.text))


REREADS = {
    "public_order": Reread("train", _text_matches(PUBLIC_ORDER), 20261125),
    "public_order_heldout": Reread("heldout", _text_matches(PUBLIC_ORDER), 20261127),
    "school_safety": Reread("train", _text_matches(SCHOOL), 20261128, slices=6),
    "school_safety_heldout": Reread("heldout", _text_matches(SCHOOL), 20261129, slices=2),
    "risk_high": Reread("train", _raised_or_high, 20261130, head="risk"),
}
CODES = {"category": CATEGORIES, "risk": RISKS}


def _board_id(example_id: str) -> str:
    return example_id.removeprefix("govmsg:")


def select(name: str) -> None:
    reread, path = REREADS[name], REVIEW / f"{name}_selection.csv"
    if path.exists():  # it holds the labels as they were before the reading: never draw it again
        raise SystemExit(f"{path} exists: the selection of {name} was made once and is kept")
    rows = [(_board_id(e.id), getattr(e, reread.head)) for e in govmsg(reread.split) if reread.selects(e)]
    random.Random(reread.seed).shuffle(rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["message_id", "slice", "first"])
        writer.writerows((message_id, n % reread.slices, first) for n, (message_id, first) in enumerate(rows))
    print(f"{len(rows)} {reread.split} messages on the boundary -> {path}")


def _selection(name: str) -> dict[str, dict]:
    with open(REVIEW / f"{name}_selection.csv", encoding="utf-8", newline="") as fh:
        return {row["message_id"]: row for row in csv.DictReader(fh)}


def _texts(name: str) -> dict[str, str]:
    return {_board_id(e.id): e.text for e in govmsg(REREADS[name].split)}


def _read(path: Path, allowed: set[str], head: str) -> dict[str, str]:
    """message_id -> label of one annotator's file; each id once, one of ``allowed``, a known code."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            message_id, label = row["message_id"].strip(), row[head].strip()
            if message_id in out or message_id not in allowed or label not in CODES[head]:
                raise SystemExit(f"{path}: {message_id}: read twice, not to be read here, or {label!r} unknown")
            out[message_id] = label
    if allowed - out.keys():
        raise SystemExit(f"{path}: {len(allowed - out.keys())} messages not read, e.g. {sorted(allowed - out.keys())[:3]}")
    return out


def _slice_ids(selection: dict[str, dict], slice_no: int) -> list[str]:
    """The ids one annotator reads, in the selection's order."""
    return [m for m, row in selection.items() if row["slice"] == str(slice_no)]


def _second_reading(name: str, selection: dict[str, dict]) -> dict[str, str]:
    """message_id -> label of the second reading, from every slice's file (``selection``: ``_selection(name)``)."""
    second: dict[str, str] = {}
    for slice_no in range(REREADS[name].slices):
        second.update(_read(REVIEW / f"{name}_second_{slice_no}.csv", set(_slice_ids(selection, slice_no)),
                            REREADS[name].head))
    return second


def show(name: str, slice_no: int) -> None:
    texts = _texts(name)
    ids = _slice_ids(_selection(name), slice_no)
    for n, message_id in enumerate(ids):
        print(f"[{n}] id={message_id}\n{texts[message_id][:1800]}\n")
    print(f"-- slice {slice_no}: {len(ids)} messages")


def _disagreements(name: str) -> dict[str, tuple[str, str]]:
    selection = _selection(name)
    return {m: (selection[m]["first"], c) for m, c in _second_reading(name, selection).items()
            if selection[m]["first"] != c}


def disagreements(name: str) -> None:
    texts, rng = _texts(name), random.Random(REREADS[name].seed)
    found = _disagreements(name)
    for n, (message_id, pair) in enumerate(found.items()):
        a, b = rng.sample(pair, 2)
        print(f"[{n}] id={message_id} | labels: {a} or {b}\n{texts[message_id][:1800]}\n")
    print(f"-- {len(found)} messages the two readings label differently")


if __name__ == "__main__":
    name, command = (sys.argv[1:3] + ["", ""])[:2]
    if name not in REREADS:
        raise SystemExit(f"{__doc__.split(chr(10) * 2)[1]}\n\nNAME: one of {', '.join(REREADS)}")
    if command == "select" and len(sys.argv) == 3:
        select(name)
    elif command == "show" and len(sys.argv) == 4:
        show(name, int(sys.argv[3]))
    elif command == "disagreements" and len(sys.argv) == 3:
        disagreements(name)
    else:
        raise SystemExit(__doc__.split("\n\n")[1])
