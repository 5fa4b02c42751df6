"""Commands measured as processes, alternated A B A B, with medians and peak memory (#13).

`alternate(commands, rounds)` runs every command once per round, in turn, so a load change on a shared
machine hits all of them alike; each run's wall time, CPU time (user + system of the process and
the children it waited for) and peak resident memory (the largest ru_maxrss among the process and
its children, from wait4: what /usr/bin/time -v reports) are kept, and the medians compared. A
ratio of two medians measured in one run is the figure that holds whatever the machine's speed.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Runs:
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def peak(self) -> float:
        return max(self.peak_mb)


class CommandFailed(RuntimeError):
    pass


# A small launcher process starts each command and reports its wall time and rusage: a child forked
# straight from this (large) bench process would inherit this process's peak RSS in ru_maxrss.
_LAUNCHER = """
import os, sys, time
began = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_pid, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - began
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_once(argv: Sequence[str], env: dict | None = None, tree: bool = False) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of one run of argv; CommandFailed (with its stderr) if it exits non-zero.

    Wall and CPU time and ru_maxrss come from a launcher that waits for the command (as /usr/bin/time
    does). tree=True also samples the resident memory of the whole process tree every 50 ms, for a
    command whose memory is in a grandchild it does not wait for (e.g. Spark's JVM)."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r", suffix=".rusage") as figures:
        proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, figures.name, *argv],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        sampled = 0.0
        while tree and proc.poll() is None:
            try:
                family = psutil.Process(proc.pid).children(recursive=True)
                sampled = max(sampled, sum(p.memory_info().rss for p in family) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)
        if proc.wait() != 0:
            errors.seek(0)
            tail = errors.read()[-2000:].decode(errors="replace")
            raise CommandFailed(f"{' '.join(argv)} exited {proc.returncode}: {tail}")
        wall, cpu, max_rss_kb = (float(x) for x in figures.read().split())
    return wall, cpu, max(max_rss_kb / 1024, sampled)


def alternate(
    commands: dict[str, Sequence[str]],
    rounds: int,
    before: Callable[[str], None] | None = None,
    tree: Sequence[str] = (),
    say: Callable[[str], None] = lambda text: None,
) -> dict[str, Runs]:
    """Run each command `rounds` times, A B C A B C ...; before(name) runs first, untimed."""
    runs = {name: Runs(name) for name in commands}
    for round_no in range(rounds):
        for name, argv in commands.items():
            if before:
                before(name)
            wall, cpu, peak = run_once(argv, tree=name in tree)
            runs[name].wall.append(wall)
            runs[name].cpu.append(cpu)
            runs[name].peak_mb.append(peak)
            say(
                f"   round {round_no + 1}/{rounds} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {peak:,.0f} MB"
            )
    return runs


def python() -> str:
    return sys.executable


def machine() -> list[str]:
    """The machine, in a few lines (for RESULTS.md)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for module in ("duckdb", "pandas", "polars", "pyarrow", "sqlglot"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            versions.append(f"{module} (not installed)")
    memory = psutil.virtual_memory()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- Memory: {memory.total / 2**30:.1f} GiB ({memory.available / 2**30:.1f} GiB available at the start)",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}; {', '.join(versions)}",
        f"- Load average at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
