"""Measuring and building tools for ``nlp`` (each runs as ``python nlp/tools/NAME.py``)."""


def figures(result: dict) -> str:
    """A tool's figures on one line: "precision 0.915, recall 0.722, gold 90" (floats to three places)."""
    return ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())


def verdict_figures(verdicts: list[str], found: int) -> dict:
    """Figures of ``found`` names of which those read got these verdicts (``yes``, ``no``, ``unsure``): how many
    were read, the share of ``yes`` among ``yes`` and ``no`` (``unsure`` ones are read but not counted), and how
    many are not read yet."""
    yes, no = verdicts.count("yes"), verdicts.count("no")
    return {"read": len(verdicts), "yes": yes, "no": no, "precision": yes / (yes + no) if yes + no else 0.0,
            "unread": found - len(verdicts)}


def in_context(text: str, name: str, width: int = 20) -> str:
    """The first ``name`` in ``text`` with ``width`` characters either side, on one line (for reading)."""
    at = text.find(name)
    return text[max(0, at - width):at + len(name) + width].replace("\n", " ")
