"""Join the annotators' category and risk of the written forum complaints into ``written_complaints.csv``.

Each of four annotators read one slice of 75 complaints (slice N: ``w-complaint-(75N+1)`` to
``w-complaint-(75N+75)``) and wrote ``parts/complaints_sN.csv`` (``id, category, risk, reason``), then read the
first 15 of the next slice without its labels (``parts/complaints_sM_byN.csv``), as
``nlp/labels/written_complaints_guide.md`` says. This writes the columns ``category``, ``risk`` and
``annotator`` of ``written_complaints.csv`` (each complaint labelled exactly once, by its own slice's
annotator, with codes of the guide) and prints the agreement of the second readings.

    python nlp/labels/tools/merge_complaints.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import select_weibo_sample  # noqa: E402  (this folder: the script's own)
from sheqing.records import CATEGORIES, RISKS  # noqa: E402

LABELS = Path(__file__).resolve().parents[1]
COMPLAINTS = LABELS / "written_complaints.csv"
FIELDS = {"category": CATEGORIES, "risk": RISKS}
SLICE = 75


def slice_of(complaint_id: str) -> int:
    return (int(complaint_id.removeprefix("w-complaint-")) - 1) // SLICE


def read_part(path: Path) -> dict[str, tuple[str, str]]:
    """An annotator's file: complaint id -> (category, risk), each checked against the guide's codes."""
    return select_weibo_sample.read_part(path, FIELDS, key="id")


def agreement(labelled: dict[str, tuple[str, str, str]]) -> None:
    first, second = [], []
    for path in sorted((LABELS / "parts").glob("complaints_s?_by?.csv")):
        for complaint_id, labels in read_part(path).items():
            first.append(labelled[complaint_id][:2])
            second.append(labels)
    select_weibo_sample.print_agreement("second readings", first, second, FIELDS)


def main() -> None:
    with open(COMPLAINTS, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    labelled: dict[str, tuple[str, str, str]] = {}
    for path in sorted((LABELS / "parts").glob("complaints_s?.csv")):
        annotator = path.stem.removeprefix("complaints_")
        for complaint_id, labels in read_part(path).items():
            if complaint_id in labelled:
                raise SystemExit(f"{path}: {complaint_id}: labelled twice")
            if f"s{slice_of(complaint_id)}" != annotator:
                raise SystemExit(f"{path}: {complaint_id} belongs to slice {slice_of(complaint_id)}")
            labelled[complaint_id] = (*labels, annotator)
    missing = [row["id"] for row in rows if row["id"] not in labelled]
    if missing or len(labelled) != len(rows):
        raise SystemExit(f"{len(missing)} complaints are not labelled (e.g. {missing[:3]}), "
                         f"or a part names a complaint the file does not have")
    with open(COMPLAINTS, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "sentiment", "category", "risk", "annotator", "title", "text"])
        writer.writeheader()
        for row in rows:
            row["category"], row["risk"], row["annotator"] = labelled[row["id"]]
            writer.writerow({key: row[key] for key in writer.fieldnames})
    print(f"{len(labelled)} complaints labelled -> {COMPLAINTS}")
    agreement(labelled)


if __name__ == "__main__":
    main()
