"""How often a street or town named right after its own district by a short or another form is that unit,
in real texts.

Residents and reporters write a town or street after its district without its suffix (惠阳淡水, 金安区毛坦厂中学)
or with an older one (大理市下关镇 for 下关街道, 永登县柳树乡 for 柳树镇: many towns became streets, and
townships towns). ``extract_places`` reads such a name as the unit of that district (``nlp.places``:
``PlaceIndex._after``), where before it found nothing, or a town of that name in another province. This runs
the extractor over real texts (the Weibo posts and NER sentences, the hotel reviews and the CEC news reports of
``home_place_accuracy.real_texts``, and the board's messages) and takes every street or town mention written
otherwise than its unit's name: exactly the mentions that rule makes. ``nlp/labels/street_places.csv`` says,
by reading the text, whether each is that unit or a place in it (``yes``), something else (``no``) or cannot
be told (``unsure``).

Precision is the share of ``yes`` among the mentions labelled ``yes`` or ``no``; mentions found but not
labelled are counted apart (``unread``) and listed with ``--show``. No recall is given. These texts were read
while the rule was written (session 24), so the figure is a development figure, not a held-out one.

    python nlp/tools/street_after_accuracy.py [--show]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import govmsg  # noqa: E402
from nlp.places import extract_places  # noqa: E402
from nlp.tools import figures, in_context, verdict_figures  # noqa: E402
from nlp.tools.home_place_accuracy import real_texts  # noqa: E402

LABELS = Path(__file__).resolve().parents[1] / "labels" / "street_places.csv"


def texts() -> dict[str, str]:
    """Id -> normalised text: ``home_place_accuracy.real_texts`` and the board's labelled messages."""
    return {**real_texts(), **{example.id: example.text for example in govmsg()}}


def other_forms(texts: dict[str, str]) -> dict[tuple[str, str], str]:
    """(text id, name as written) -> code, for each street or town mention not written as its unit's name."""
    return {(text_id, place.text): place.code for text_id, text in texts.items()
            for place in extract_places(text) if place.kind == "street" and place.path and place.text != place.path[-1]}


def read_labels(path: Path = LABELS) -> dict[tuple[str, str], tuple[str, str]]:
    """(text id, name) -> (code, verdict)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {(row["id"], row["name"]): (row["code"], row["verdict"]) for row in csv.DictReader(fh)}


def scores(found: dict, labels: dict) -> dict:
    """Precision over the mentions read as ``yes`` or ``no``; a label counts only for the code it was given to."""
    read = [labels[key][1] for key, code in found.items() if key in labels and labels[key][0] == code]
    return {"found": len(found), **verdict_figures(read, len(found))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="list the mentions that are not labelled yet")
    args = parser.parse_args(argv)
    everything = texts()
    found, labels = other_forms(everything), read_labels()
    print(figures(scores(found, labels)))
    if args.show:
        for (text_id, name), code in sorted(found.items()):
            if labels.get((text_id, name), ("",))[0] != code:
                print(text_id, name, code, in_context(everything[text_id], name), sep="\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())
