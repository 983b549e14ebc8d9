"""Start the demo forum in a subprocess and know its address: for the demo, the tests and the benchmarks."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path

__all__ = ["demo_forum_process"]

_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def demo_forum_process(*args: str, port: int = 0, timeout: float = 30.0):
    """Run ``python -m crawlers.demo_forum --port PORT ARGS``; yield its base URL (no trailing slash)."""
    env = {**os.environ, "PYTHONPATH": f"{_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawlers.demo_forum", "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        line = _read_ready(proc, timeout)
        for stream in (proc.stdout, proc.stderr):  # keep the pipes from filling up and blocking the server
            threading.Thread(target=stream.read, daemon=True).start()
        yield line.split(" ", 1)[1].strip().rstrip("/")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_ready(proc: subprocess.Popen, timeout: float) -> str:
    import selectors
    import time

    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if sel.select(timeout=0.2):
            line = proc.stdout.readline()
            if line.startswith("READY "):
                return line
            if not line and proc.poll() is not None:
                break
        elif proc.poll() is not None:
            break
    err = proc.stderr.read() if proc.poll() is not None else ""
    raise RuntimeError(f"the demo forum did not start within {timeout:.0f} s: {err.strip()[-2000:]}")
