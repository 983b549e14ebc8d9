"""Measuring and building tools for ``nlp`` (each runs as ``python nlp/tools/NAME.py``)."""


def figures(result: dict) -> str:
    """A tool's figures on one line: "precision 0.915, recall 0.722, gold 90" (floats to three places)."""
    return ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())
