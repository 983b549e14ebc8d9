"""How the models read a community forum's own posts: the forum check set (``nlp/labels/forum_check.csv``),
opening posts the team wrote as residents write them (everyday posts that report no problem, problems of every
category and risk level, thanks), labelled by their writers and read again blind. No example of it trains.

    python nlp/tools/forum_accuracy.py [MODEL.skops ...] [--split dev|test]   (default: shipped model; test)

The figures are those of ``weibo_sample_accuracy.py`` (``scores``): per head accuracy and macro-F1; "reports a
problem" as a yes/no question; risk as enrichment settles it, with ``none`` kept and precision and recall at
``medium``+ and ``high``+. The ``dev`` half may be read for errors; the ``test`` half only measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nlp.datasets import forum_check  # noqa: E402
from nlp.tools.weibo_sample_accuracy import run  # noqa: E402

if __name__ == "__main__":
    run(__doc__.split("\n\n")[0], forum_check, "forum_check.csv")
