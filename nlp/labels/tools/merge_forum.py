"""Build the forum check set (``nlp/labels/forum_check.csv``) from the writers' and readers' files.

Four writers each wrote 80 community-forum opening posts (``nlp/labels/forum_posts.csv``: ``id, title, text``,
ids ``fN-NNN`` by writer N) with their own labels (``parts/forum_wN.csv``: ``id, category, risk, sentiment``;
36 everyday posts, 36 problems of every category and risk
level, 8 thanks), reading only the taxonomy guide and a brief (``nlp/labels/forum_check_brief.md``). Another
annotator read each writer's posts without their labels (``parts/forum_rN_byM.csv``: reader M of writer N's
posts; ``id, category, risk, sentiment``); where the two differ on a field, a third annotator read the post
without either's labels (``parts/forum_decided.csv``) and that field takes the third reading. The split is drawn
here, by writer and category (seeded): half ``dev`` (may be read for errors), half ``test`` (only measures).
``forum_check.csv`` holds ``id, split, category, risk, sentiment, annotator``; ``nlp.datasets.forum_check`` joins
the texts. Left out (``LEFT_OUT``): a post whose text is a training example's.

    python nlp/labels/tools/merge_forum.py                      # write forum_check.csv, print the agreement
    python nlp/labels/tools/merge_forum.py --blind N OUT.csv    # writer N's posts without labels, shuffled
    python nlp/labels/tools/merge_forum.py --disagreements OUT.csv   # the posts the third annotator reads
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import select_weibo_sample  # noqa: E402  (this folder: the script's own)
from sheqing.records import CATEGORIES, RISKS, SENTIMENTS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
PARTS = LABELS / "parts"
FIELDS = {"category": CATEGORIES, "risk": RISKS, "sentiment": SENTIMENTS}
SEED = 20261124
LEFT_OUT = {"f2-046": "the very text of a written chatter post that trains (w-chatter-061, a mid-autumn greeting)"}


def written(left_out: bool = False) -> dict[str, dict]:
    """Every written post by id (those of ``LEFT_OUT`` only if ``left_out``): its title, text, the writer's
    labels and ``writer`` (``wN``)."""
    labels = {}
    for path in sorted(PARTS.glob("forum_w?.csv")):
        labels.update({post_id: (values, path.stem.removeprefix("forum_"))
                       for post_id, values in select_weibo_sample.read_part(path, FIELDS, key="id").items()})
    with open(LABELS / "forum_posts.csv", encoding="utf-8", newline="") as fh:
        posts = {row["id"]: {"id": row["id"], "title": row["title"], "text": row["text"],
                             "labels": labels[row["id"]][0], "writer": labels[row["id"]][1]}
                 for row in csv.DictReader(fh) if left_out or row["id"] not in LEFT_OUT}
    if len(posts) + (0 if left_out else len(LEFT_OUT)) != len(labels):
        raise SystemExit("forum_posts.csv and the writers' parts do not name the same posts")
    return posts


def readings() -> dict[str, tuple[tuple[str, ...], str]]:
    """Post id -> (the blind reader's labels, ``rM``)."""
    out = {}
    for path in sorted(PARTS.glob("forum_r?_by?.csv")):
        reader = "r" + path.stem.rsplit("_by", 1)[1]
        out.update({post_id: (labels, reader)
                    for post_id, labels in select_weibo_sample.read_part(path, FIELDS, key="id").items()})
    return out


def disagreeing(posts: dict, read: dict) -> list[str]:
    return [post_id for post_id, post in posts.items() if post["labels"] != read[post_id][0]]


def write_posts(rows: list[dict], out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "title", "text"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def agreement(posts: dict, read: dict) -> None:
    select_weibo_sample.print_agreement("writer and blind reader", [post["labels"] for post in posts.values()],
                                        [read[post_id][0] for post_id in posts], FIELDS)


def split_of(posts: dict, final: dict) -> dict[str, str]:
    """Half of each writer's posts of each category ``dev``, the rest ``test`` (an odd one out: by a coin)."""
    rng, out, groups = random.Random(SEED), {}, {}
    for post_id in sorted(posts):
        groups.setdefault((posts[post_id]["writer"], final[post_id][0]), []).append(post_id)
    for key in sorted(groups):
        ids = groups[key]
        rng.shuffle(ids)
        first = rng.choice(("dev", "test"))
        second = "test" if first == "dev" else "dev"
        out.update({post_id: first if i % 2 == 0 else second for i, post_id in enumerate(ids)})
    return out


def main() -> None:
    posts, read = written(left_out=True), readings()  # the split was drawn with them: it stays as drawn
    unread = [post_id for post_id in posts if post_id not in read]
    if unread:
        raise SystemExit(f"{len(unread)} posts have no blind reading (e.g. {unread[:3]})")
    decided = select_weibo_sample.read_part(PARTS / "forum_decided.csv", FIELDS, key="id")
    final = {}
    for post_id, post in posts.items():
        mine, (theirs, reader) = post["labels"], read[post_id]
        if mine != theirs and post_id not in decided:
            raise SystemExit(f"{post_id}: the writer and the reader differ and no third reading decides it")
        final[post_id] = tuple(a if a == b else c for a, b, c in zip(mine, theirs, decided.get(post_id, mine)))
        post["annotator"] = f"{post['writer']}+{reader}" + ("+d" if mine != theirs else "")
    split = split_of(posts, final)
    for post_id in LEFT_OUT:
        del posts[post_id]
    with open(LABELS / "forum_check.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "split", *FIELDS, "annotator"])
        writer.writeheader()
        for post_id in sorted(posts):
            writer.writerow({"id": post_id, "split": split[post_id], **dict(zip(FIELDS, final[post_id])),
                             "annotator": posts[post_id]["annotator"]})
    print(f"{len(posts)} posts -> {LABELS / 'forum_check.csv'} "
          f"(dev {sum(split[i] == 'dev' for i in posts)}, test {sum(split[i] == 'test' for i in posts)}; "
          f"{sum(p['annotator'].endswith('+d') for p in posts.values())} decided by a third reading)")
    agreement(posts, read)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--blind"]:
        rows = [post for post in written().values() if post["writer"] == f"w{sys.argv[2]}"]
        random.Random(SEED).shuffle(rows)
        write_posts(rows, Path(sys.argv[3]))
    elif sys.argv[1:2] == ["--disagreements"]:
        posts = written()
        write_posts([posts[post_id] for post_id in disagreeing(posts, readings())], Path(sys.argv[2]))
    else:
        main()
