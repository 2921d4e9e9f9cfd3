"""Run a module as `python -m` would, then report this process's own peak memory.

    python -m bench.measure bot --db store.db ask "/close"

Why not `getrusage` or `os.wait4`: Linux carries a parent's peak RSS into a child across
fork/vfork and exec, so a child started by a benchmark that has just ingested 7M rows would
"peak" at the benchmark's gigabytes. `VmHWM` in /proc/self/status is the high-water mark of
this process's own address space, which exec starts afresh.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

PEAK_PREFIX = "PEAK_RSS_KB="


def _status_kb(field: str) -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def peak_rss_kb() -> int | None:
    """This process's peak resident memory since exec (or `reset_peak`), in kB (None off
    Linux)."""
    return _status_kb("VmHWM")


def rss_kb() -> int | None:
    """This process's resident memory now, in kB (None off Linux)."""
    return _status_kb("VmRSS")


def reset_peak() -> bool:
    """Start the peak afresh from what is resident now, so a later `peak_rss_kb` is the peak
    of what ran in between; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def report_peak() -> None:
    """The last stderr line a measured child prints; `bench.child` reads it."""
    print(f"{PEAK_PREFIX}{peak_rss_kb()}", file=sys.stderr, flush=True)


def main() -> None:
    module, *args = sys.argv[1:]
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        report_peak()


if __name__ == "__main__":
    main()
