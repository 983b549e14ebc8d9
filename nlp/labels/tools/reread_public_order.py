"""Read the train split's messages on the public_order boundary a second time, blind, and settle disagreements.

Usage: python nlp/labels/tools/reread_public_order.py select         (writes review/public_order_selection.csv)
       python nlp/labels/tools/reread_public_order.py show SLICE     (an annotator's slice: id, text)
       python nlp/labels/tools/reread_public_order.py disagreements  (the adjudicator's list: id, text, two labels)
then   python nlp/labels/tools/make_split.py                         (applies them to govmsg_labels.csv)

Why: in grouped 5-fold CV on the train split the category head found 0.44 of ``public_order`` (the lowest
recall of any class with 100 messages or more), and the first readings split alike cases: of 36 messages
about a 麻将馆, 21 were ``environment`` and 13 ``public_order``; of 21 about 黑车, 黑摩的, 黑的士 or 非法营运, 9 ``traffic``.

``select`` takes every *train* message (never the held-out split) whose text names a matter of the guide's
``public_order`` row or its neighbours (``BOUNDARY``: gambling, unlicensed transport, theft, fraud, fights,
prostitution, drugs, harassment, 高空抛物, the police), whatever its label, and deals them into four slices
at random (seed 20261125); the selection file keeps each message's category at that time (``first``).
Annotators see only ids and texts (``show``), not the first label, and write
``review/public_order_second_N.csv`` (message_id, category, reason) against the guide and the addendum in
``nlp/labels/README.md``. Where the second reading differs from the first, an adjudicator reads the message
with both labels in random order, not told which is which, and writes ``review/public_order_adjudicated.csv``
(message_id, category, reason). ``make_split.py`` applies them (``reviewed``): a message both readings agree
on is marked ``agreed`` (if it had one reading), a settled one takes the adjudicator's category and is
marked ``adjudicated``. Risk and sentiment are not read again.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from nlp.datasets import govmsg  # noqa: E402
from sheqing.records import CATEGORIES  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
REVIEW = LABELS / "review"
SELECTION = REVIEW / "public_order_selection.csv"
SEED = 20261125
BOUNDARY = re.compile(
    "麻将馆|棋牌室|赌博|聚赌|赌资|赌场|老虎机|赌博机|六合彩|买码|黑车|黑摩的|黑的|非法营运|盗窃|被盗|被偷|小偷|偷盗|偷窃"
    "|抢劫|抢夺|飞车抢|吸毒|贩毒|毒品|卖淫|嫖娼|站街|色情|打架|斗殴|殴打|打人|骚扰|高空抛物|可疑人|诈骗|骗子|被骗|传销"
    "|治安|派出所|报警|110")


def _board_id(example_id: str) -> str:
    return example_id.removeprefix("govmsg:")


def select() -> None:
    rows = [(_board_id(e.id), e.category) for e in govmsg("train") if BOUNDARY.search(e.text)]
    random.Random(SEED).shuffle(rows)
    with open(SELECTION, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["message_id", "slice", "first"])
        writer.writerows((message_id, n % 4, first) for n, (message_id, first) in enumerate(rows))
    print(f"{len(rows)} train messages on the boundary -> {SELECTION}")


def _selection() -> dict[str, dict]:
    with open(SELECTION, encoding="utf-8", newline="") as fh:
        return {row["message_id"]: row for row in csv.DictReader(fh)}


def _texts() -> dict[str, str]:
    return {_board_id(e.id): e.text for e in govmsg("train")}


def _read(path: Path, allowed: set[str]) -> dict[str, str]:
    """message_id -> category of one annotator's file; each id once, one of ``allowed``, a known category."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            message_id, category = row["message_id"].strip(), row["category"].strip()
            if message_id in out or message_id not in allowed or category not in CATEGORIES:
                raise SystemExit(f"{path}: {message_id}: read twice, not to be read here, or {category!r} unknown")
            out[message_id] = category
    if allowed - out.keys():
        raise SystemExit(f"{path}: {len(allowed - out.keys())} messages not read, e.g. {sorted(allowed - out.keys())[:3]}")
    return out


def _second_reading() -> dict[str, str]:
    selection = _selection()
    second: dict[str, str] = {}
    for slice_no in range(4):
        second.update(_read(REVIEW / f"public_order_second_{slice_no}.csv",
                            {m for m, row in selection.items() if row["slice"] == str(slice_no)}))
    return second


def show(slice_no: int) -> None:
    texts = _texts()
    ids = [m for m, row in _selection().items() if row["slice"] == str(slice_no)]
    for n, message_id in enumerate(ids):
        print(f"[{n}] id={message_id}\n{texts[message_id][:1800]}\n")
    print(f"-- slice {slice_no}: {len(ids)} messages")


def _disagreements() -> dict[str, tuple[str, str]]:
    selection = _selection()
    return {m: (selection[m]["first"], c) for m, c in _second_reading().items() if selection[m]["first"] != c}


def disagreements() -> None:
    texts, rng = _texts(), random.Random(SEED)
    found = _disagreements()
    for n, (message_id, pair) in enumerate(found.items()):
        a, b = rng.sample(pair, 2)
        print(f"[{n}] id={message_id} | labels: {a} or {b}\n{texts[message_id][:1800]}\n")
    print(f"-- {len(found)} messages the two readings label differently")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "select":
        select()
    elif command == "show" and len(sys.argv) == 3:
        show(int(sys.argv[2]))
    elif command == "disagreements":
        disagreements()
    else:
        raise SystemExit(__doc__.split("\n\n")[1])
