"""How often a district's short form found in the monitor's own city (``extract_places(text, home)``) is that
district, in real posts.

With a ``home`` (the monitor's area code), the short forms of the districts of its city count anywhere in a
post (拱墅德胜西路 for 杭州's 拱墅区), not only after the city's name. This runs the extractor over real texts
once without a home and once with each of ten big cities' codes as the home, and takes the names a home adds:
real Weibo posts (``nlp.datasets.weibo_posts`` and the Weibo NER sentences), real hotel reviews
(``hotel_reviews``) and the CEC news reports (``cec``). ``nlp/labels/home_places.csv`` says, by reading the
post, whether each added name is that district of that city or a place in it (``yes``: 西湖 the lake, 罗湖
the border crossing), something else (``no``: a word, a user name, a company, or a hotel, shop or park of
that name in another city) or cannot be told (``unsure``).

Precision is the share of ``yes`` among the added names labelled ``yes`` or ``no``; names added but not labelled are
counted apart (``unread``) and listed with ``--show``. No recall is given: the texts are not from the ten
cities, so they hold no full set of those cities' district names to find. These texts were read while the
rule and its list of everyday words were written, so the figure is a development figure, not a held-out one.

    python nlp/tools/home_place_accuracy.py [--show]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import cec, hotel_reviews, weibo_ner, weibo_posts  # noqa: E402
from nlp.normalize import normalize_text  # noqa: E402
from nlp.places import PlaceIndex, extract_places  # noqa: E402
from nlp.tools import figures, in_context, verdict_figures  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "home_places.csv"
HOMES = {"1101": "北京", "3101": "上海", "3301": "杭州", "4401": "广州", "4403": "深圳", "5101": "成都",
         "4201": "武汉", "3201": "南京", "1201": "天津", "5001": "重庆"}


def real_texts() -> dict[str, str]:
    """Id -> normalised text of every text read here."""
    texts = dict(weibo_posts())
    for split in ("train", "dev", "test"):
        texts.update((f"ner:{split}:{n}", normalize_text(raw)) for n, (raw, _) in enumerate(weibo_ner(split)))
    texts.update(hotel_reviews())
    texts.update((example.id, example.text) for example in cec())
    return texts


def added_names(texts: dict[str, str]) -> dict[tuple[str, str, str], str]:
    """(home, text id, name) -> district code, for each district name a home adds to a text's places."""
    index, out, without = PlaceIndex.load(), {}, {}
    for home in HOMES:
        _, pattern = index.home_short_forms(home)
        for text_id, text in texts.items():
            if pattern is None or not pattern.search(text):
                continue
            if text_id not in without:  # (a text may hold forms of several homes)
                without[text_id] = {p.text for p in extract_places(text)}
            for place in extract_places(text, home):
                if place.kind == "district" and place.text not in without[text_id]:
                    out[home, text_id, place.text] = place.code
    return out


def read_labels(path: Path = LABELS) -> dict[tuple[str, str, str], str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return {(row["home"], row["id"], row["name"]): row["verdict"] for row in csv.DictReader(fh)}


def scores(added: dict, labels: dict) -> dict:
    """Precision over the added names read as ``yes`` or ``no`` (``unsure`` ones are read but not counted)."""
    return {"added": len(added), **verdict_figures([labels[key] for key in added if key in labels], len(added))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="list the added names that are not labelled yet")
    args = parser.parse_args(argv)
    texts = real_texts()
    added, labels = added_names(texts), read_labels()
    for home, city in HOMES.items():
        mine = {key: code for key, code in added.items() if key[0] == home}
        print(f"{home} {city}: {figures(scores(mine, labels))}")
    print(f"all: {figures(scores(added, labels))}")
    if args.show:
        for home, text_id, name in sorted(key for key in added if key not in labels):
            print(home, text_id, name, in_context(texts[text_id], name), sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
