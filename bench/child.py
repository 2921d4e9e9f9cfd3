"""Running a child process and reading its own peak memory.

Children run through `bench.measure` (or call its `report_peak`), which prints the child's own
high-water mark on stderr: `ru_maxrss` from `os.wait4` would include the benchmark's own peak,
which Linux carries into a child across fork and exec. The child's output is read to the end
while stderr goes to a file, so a chatty child never blocks on a full pipe.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.measure import PEAK_PREFIX

ROOT = Path(__file__).resolve().parent.parent
READY = "READY"  # the line a child prints when it can start answering


@dataclass(frozen=True)
class ChildRun:
    seconds: float  # from spawn to exit
    peak_rss_mb: float
    stdout: str
    ready_s: float | None = None  # from spawn to the READY line, if it printed one


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def measured(module: str, *args: str) -> list[str]:
    """`python -m module args...`, reporting its own peak memory when it ends."""
    return python("-m", "bench.measure", module, *args)


def _peak_rss_mb(stderr: str) -> float:
    for line in reversed(stderr.splitlines()):
        if line.startswith(PEAK_PREFIX) and line[len(PEAK_PREFIX) :].isdigit():
            return round(int(line[len(PEAK_PREFIX) :]) / 1024, 1)
    return float("nan")


def run_child(command: list[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run `command` in the project folder to the end; raise with its stderr if it fails."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        started = time.perf_counter()
        with subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as child:
            assert child.stdout is not None
            ready_s = None
            lines = []
            for line in child.stdout:
                if ready_s is None and line.strip() == READY:
                    ready_s = time.perf_counter() - started
                else:
                    lines.append(line)
            returncode = child.wait()
            seconds = time.perf_counter() - started
        stderr.seek(0)
        errors = stderr.read()
    if returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:6])} failed ({returncode}): {errors}")
    return ChildRun(round(seconds, 3), _peak_rss_mb(errors), "".join(lines), ready_s)
