"""Label the CEC emergency corpus by rule (weak labels), for training only, never for evaluation.

Category from the corpus's own event type (its folder): 火灾 fire_safety, 交通事故 traffic, 食物中毒
food_drug, 恐怖袭击 public_order; 地震 has no category in our taxonomy (left empty: used for risk only).
Risk from casualty words (``nlp.datasets.cec_risk``): several deaths = critical, otherwise high (every
report describes an emergency that happened). Writes nlp/labels/cec_labels.csv (file, category, risk).

Run: python nlp/labels/tools/label_cec.py
"""
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nlp.datasets import cec_risk, shared_data_dir  # noqa: E402

CATEGORY = {"火灾": "fire_safety", "交通事故": "traffic", "食物中毒": "food_drug", "恐怖袭击": "public_order", "地震": ""}


def main() -> None:
    cec = shared_data_dir() / "cec"
    rows = []
    for folder in sorted((cec / "xml").iterdir()):
        for xml in sorted(folder.glob("*.xml")):
            text_file = cec / "text" / (xml.stem + ".txt")
            if not text_file.exists():
                continue
            text = text_file.read_text(encoding="utf-8", errors="replace")
            rows.append((text_file.name, CATEGORY[folder.name], cec_risk(text)))
    out = ROOT / "nlp" / "labels" / "cec_labels.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "category", "risk"])
        w.writerows(rows)
    print(f"{len(rows)} CEC reports labelled -> {out}")


if __name__ == "__main__":
    main()
