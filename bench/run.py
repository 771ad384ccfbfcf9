#!/usr/bin/env python3
"""Benchmark snlint against the same work done by check-xml (pre-commit-hooks) and xmllint.

Scenarios (inputs are generated into $TMPDIR/snlint-bench by bench/generate.py when missing):
  large       one exported update set of --size-mb MiB
  repo        a source-control repository of --files record files, passed as arguments the way pre-commit
              does (one invocation per batch of at most ~128 KiB of command line, run serially)
  small       one ~2 KB record file (start-up cost; runs REPEAT * 4 times because each run is short)
  linearity   snlint (and xmllint as a yardstick) on the update set at half and at full size

Each round runs every tool once, rotating the order from round to round, so that drift (caches, thermal,
other load) spreads over all tools. Wall time is time.perf_counter() around the child processes; peak RSS is
the child's ru_maxrss, the largest over a tool's batches (see Meter for how it is taken). snlint exit codes 0
and 1 both count as success (1 means it found problems); the reference tools must exit 0.

Standard library only. Tools are looked up next to the running interpreter (its venv) first, then on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import generate  # bench/generate.py: `python bench/run.py` puts bench/ on sys.path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SMALL_ROUNDS_FACTOR = 4
QUICK = {"size_mb": 5.0, "files": 200, "repeat": 3}
FULL = {"size_mb": 200.0, "files": 20_000, "repeat": 5}


# --- finding and calling the tools ------------------------------------------------------------------------
def find_tool(name: str) -> str | None:
    """`name` from the running interpreter's bin directory (its venv, symlink not resolved), else PATH."""
    local = Path(sys.executable).parent / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which(name)


def resolve_command(spec: str) -> list[str] | None:
    """Split a command line and resolve its program like find_tool; None when the program is missing."""
    argv = shlex.split(spec)
    program = argv[0] if os.sep in argv[0] else find_tool(argv[0])
    return [program, *argv[1:]] if program else None


def max_command_length() -> int:
    """pre-commit's limit for one command line (pre_commit/xargs.py): ARG_MAX - headroom, at most 128 KiB."""
    environ = os.environb
    environ_size = 8 * len(environ) + sum(len(k) + len(v) + 2 for k, v in environ.items())
    return max(min(os.sysconf("SC_ARG_MAX") - 2048 - environ_size, 2**17), 2**12)


def partition(cmd: list[str], files: list[str], max_length: int) -> list[list[str]]:
    """Split `cmd + files` into command lines of at most max_length bytes, like pre-commit's serial xargs."""
    base = len(" ".join(cmd).encode()) + 1
    batches: list[list[str]] = []
    current: list[str] = []
    length = base
    for name in files:
        arg_length = len(os.fsencode(name)) + 1
        if current and length + arg_length > max_length:
            batches.append(cmd + current)
            current, length = [], base
        current.append(name)
        length += arg_length
    if current or not files:
        batches.append(cmd + current)
    return batches


class ToolFailed(Exception):
    pass


def current_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


class Meter:
    """Runs one child process and returns its exit code and peak RSS (KiB).

    Linux copies the spawning process's RSS high-water mark into the child when it execs, so os.wait4's
    ru_maxrss can never be lower than this script's own peak RSS. GNU time forks the tool from a ~2 MB process
    and reports the tool's own ru_maxrss, so it is used when installed. Otherwise the peak comes straight from
    os.wait4, after resetting this process's high-water mark to its current RSS (/proc/self/clear_refs);
    values close to `floor_kb` are then upper bounds.
    """

    def __init__(self, gnu_time: str | None, report_file: Path) -> None:
        self.gnu_time = gnu_time
        self.report_file = report_file  # where GNU time writes %M
        self.floor_kb = 0 if gnu_time else current_rss_kb()

    def run(
        self, argv: list[str], cwd: Path, env: dict[str, str] | None, stderr: IO[bytes]
    ) -> tuple[int, int]:
        if self.gnu_time:
            argv = [self.gnu_time, "-f", "%M", "-o", str(self.report_file), *argv]
        else:
            with contextlib.suppress(OSError):  # reset our high-water mark to the current RSS
                Path("/proc/self/clear_refs").write_text("5")
            self.floor_kb = max(self.floor_kb, current_rss_kb())
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = usage.ru_maxrss  # KiB on Linux
        if self.gnu_time:  # GNU time may put "Command exited with non-zero status N" before the number
            words = self.report_file.read_text().split()
            peak_kb = int(words[-1]) if words and words[-1].isdigit() else 0
        return proc.returncode, peak_kb


def find_gnu_time(report_file: Path) -> str | None:
    for candidate in ("/usr/bin/time", shutil.which("time")):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        probe = subprocess.run(
            [candidate, "-f", "%M", "-o", str(report_file), "true"], capture_output=True, check=False
        )
        if probe.returncode == 0 and report_file.read_text().strip().isdigit():
            return candidate
    return None


@dataclass
class Run:
    wall_s: float
    peak_rss_kb: int


@dataclass
class Tool:
    label: str
    batches: list[list[str]]  # one command line per process, run one after the other
    cwd: Path
    ok_codes: tuple[int, ...] = (0,)
    env: dict[str, str] | None = None
    is_snlint: bool = False
    error: str = ""  # set when the tool is missing or failed; the tool is then skipped
    runs: list[Run] = field(default_factory=list)

    def run_once(self, meter: Meter) -> Run:
        peak_kb = 0
        with tempfile.TemporaryFile() as stderr:
            start = time.perf_counter()
            for argv in self.batches:
                code, batch_peak_kb = meter.run(argv, self.cwd, self.env, stderr)
                if code not in self.ok_codes:
                    stderr.seek(0)
                    tail = stderr.read()[-1500:].decode(errors="replace").strip()
                    raise ToolFailed(f"exit {code}: {tail or '(no stderr)'}")
                peak_kb = max(peak_kb, batch_peak_kb)
            wall = time.perf_counter() - start
            stderr.seek(0)
            errors = stderr.read()
        if b"Traceback (most recent call last)" in errors:  # a crash exits 1, like "found problems" does
            last = errors.decode(errors="replace").strip().splitlines()[-1]
            raise ToolFailed(f"Python traceback (exit code accepted): {last}")
        return Run(wall, peak_kb)

    def median(self) -> float:
        return statistics.median(r.wall_s for r in self.runs)

    def peak_mb(self) -> float:
        return max(r.peak_rss_kb for r in self.runs) / 1024

    def ok(self) -> bool:
        return not self.error and bool(self.runs)

    def summary(self) -> dict[str, object]:
        walls = [r.wall_s for r in self.runs]
        first = self.batches[0] if self.batches else []
        shown = " ".join(first[:4])
        if len(first) > 4:
            shown = " ".join(first[:3]) + f" ... (+{len(first) - 3} more arguments)"
        return {
            "tool": self.label,
            "command": shown,
            "processes_per_run": len(self.batches),
            "runs": [{"wall_s": r.wall_s, "peak_rss_kb": r.peak_rss_kb} for r in self.runs],
            "median_s": statistics.median(walls) if walls else None,
            "min_s": min(walls, default=None),
            "max_s": max(walls, default=None),
            "peak_rss_mb": self.peak_mb() if self.runs else None,
            "error": self.error or None,
        }


def missing(label: str, hint: str) -> Tool:
    return Tool(label, [], PROJECT_ROOT, error=f"not found ({hint})")


@dataclass
class Scenario:
    name: str
    title: str
    tools: list[Tool]
    inputs: list[Path]
    rounds: int
    compare: bool = True  # print snlint/tool ratios (off where the rows are not the same work)

    def run(self, meter: Meter) -> None:
        for path in self.inputs:  # read the inputs once so every tool starts with a warm page cache
            read_all(path)
        active = [t for t in self.tools if not t.error]
        for round_index in range(self.rounds):
            shift = round_index % max(1, len(active))
            for tool in active[shift:] + active[:shift]:
                if tool.error:
                    continue
                try:
                    tool.runs.append(tool.run_once(meter))
                except (ToolFailed, OSError) as exc:
                    tool.error = f"failed: {exc}"


def read_all(path: Path) -> None:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for file in files:
        with open(file, "rb") as handle:
            while handle.read(8 * 1024 * 1024):
                pass


# --- building the scenarios -------------------------------------------------------------------------------
@dataclass
class Setup:
    snlint: list[str] | None
    snlint_env: dict[str, str] | None
    check_xml: str | None
    xmllint: str | None
    max_length: int


def tools_for(setup: Setup, files: list[str], cwd: Path, snlint_dir: bool = False) -> list[Tool]:
    """snlint, check-xml and xmllint --stream on the same files (paths relative to cwd)."""
    tools: list[Tool] = []
    if setup.snlint:
        cmd = setup.snlint
        tools.append(
            Tool("snlint", partition(cmd, files, setup.max_length), cwd, (0, 1), setup.snlint_env, True)
        )
        if snlint_dir:
            tools.append(Tool("snlint . (whole repo)", [[*cmd, "."]], cwd, (0, 1), setup.snlint_env, True))
    else:
        tools.append(missing("snlint", "install the project (pip install -e .) or pass --snlint-cmd"))
    if setup.check_xml:
        tools.append(Tool("check-xml", partition([setup.check_xml], files, setup.max_length), cwd))
    else:
        tools.append(missing("check-xml", "pip install pre-commit-hooks"))
    if setup.xmllint:
        cmd = [setup.xmllint, "--noout", "--stream"]
        tools.append(Tool("xmllint --noout --stream", partition(cmd, files, setup.max_length), cwd))
    else:
        tools.append(missing("xmllint", "apt-get install libxml2-utils"))
    return tools


def ensure_inputs(out: Path, size_mb: float, files: int) -> tuple[Path, Path, Path, Path]:
    """(half-size update set, update set, repository, small file), generating whatever is missing."""
    half, full = generate.update_set_path(out, size_mb / 2), generate.update_set_path(out, size_mb)
    repo, small = generate.repo_path(out, files), generate.small_path(out)
    for path, size in ((half, size_mb / 2), (full, size_mb)):
        if not path.exists():
            print(f"generating {path} ...", flush=True)
            generate.write_update_set(path, size)
    if not repo.exists():
        print(f"generating {repo} ...", flush=True)
        generate.write_repo(repo, files)
    if not small.exists():
        generate.write_small(small)
    return half, full, repo, small


def build_scenarios(args: argparse.Namespace, setup: Setup) -> list[Scenario]:
    half, full, repo, small = ensure_inputs(args.out, args.size_mb, args.files)
    repo_files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*.xml"))
    size = full.stat().st_size / generate.MIB
    scenarios = {
        "large": Scenario(
            "large", f"large update set: {full} ({size:.1f} MiB)",
            tools_for(setup, [full.name], full.parent), [full], args.repeat,
        ),
        "repo": Scenario(
            "repo", f"source-control repository: {repo} ({len(repo_files)} record files)",
            tools_for(setup, repo_files, repo, snlint_dir=True), [repo], args.repeat,
        ),
        "small": Scenario(
            "small", f"single small file: {small} ({small.stat().st_size} bytes)",
            tools_for(setup, [small.name], small.parent), [small], args.repeat * SMALL_ROUNDS_FACTOR,
        ),
    }  # fmt: skip
    linearity: list[Tool] = []
    for path, label in ((half, "half"), (full, "full")):
        for tool in tools_for(setup, [path.name], path.parent):
            if tool.label in ("snlint", "xmllint --noout --stream"):
                tool.label = f"{tool.label} [{label}: {path.stat().st_size / generate.MIB:.1f} MiB]"
                linearity.append(tool)
    scenarios["linearity"] = Scenario(
        "linearity",
        "linearity: the update set at half and at full size",
        linearity,
        [half, full],
        args.repeat,
        compare=False,
    )
    return [scenarios[name] for name in args.scenarios]


# --- reporting ------------------------------------------------------------------------------------------
def machine_info(xmllint: str | None) -> dict[str, object]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    libxml = ""
    if xmllint:
        version = subprocess.run([xmllint, "--version"], capture_output=True, text=True, check=False)
        libxml = (
            (version.stderr or version.stdout).splitlines()[0] if (version.stderr or version.stdout) else ""
        )
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu,
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "platform": platform.platform(),
        "xmllint": libxml,
    }


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def results(scenario: Scenario) -> list[dict[str, object]]:
    """Summary of every tool, with snlint's median time and peak RSS divided by each reference tool's."""
    snlint = next((t for t in scenario.tools if t.is_snlint and t.ok()), None)
    rows = []
    for tool in scenario.tools:
        row = tool.summary()
        if scenario.compare and snlint is not None and tool.ok() and not tool.is_snlint:
            row["snlint_time_ratio"] = snlint.median() / tool.median()
            row["snlint_rss_ratio"] = snlint.peak_mb() / tool.peak_mb()
        rows.append(row)
    return rows


def print_scenario(scenario: Scenario, rows: list[dict[str, Any]]) -> None:
    print(f"\n== {scenario.title} ==")
    width = max(24, *(len(str(row["tool"])) for row in rows))
    header = (
        f"{'tool':<{width}} {'runs':>4} {'procs':>5} {'median s':>9} {'min s':>8} {'max s':>8} "
        f"{'peak RSS MB':>11} {'snlint/tool time':>16} {'snlint/tool RSS':>15}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if not row["runs"]:
            print(f"{row['tool']:<{width}} {row['error']}")
            continue
        runs, procs = len(row["runs"]), row["processes_per_run"]
        print(
            f"{row['tool']:<{width}} {runs:>4} {procs:>5} {fmt(row['median_s']):>9} "
            f"{fmt(row['min_s']):>8} {fmt(row['max_s']):>8} {fmt(row['peak_rss_mb'], '.1f'):>11} "
            f"{fmt(row.get('snlint_time_ratio'), '.2f'):>16} {fmt(row.get('snlint_rss_ratio'), '.2f'):>15}"
        )
        if row["error"]:  # failed after some successful runs
            print(f"{'':<{width}} {row['error']}")


def linearity_summary(scenario: Scenario) -> list[dict[str, Any]]:
    """For each tool measured at half and full size: full/half ratios of median time and of peak RSS."""
    results: list[dict[str, Any]] = []
    for name in ("snlint", "xmllint --noout --stream"):
        pair = [t for t in scenario.tools if t.label.startswith(name + " [")]
        if len(pair) != 2 or not all(t.ok() for t in pair):
            results.append({"tool": name, "error": "not measured (missing or failed)"})
            continue
        half, full = pair
        results.append({
            "tool": name,
            "time_ratio": full.median() / half.median(),
            "rss_ratio": full.peak_mb() / half.peak_mb(),
        })  # fmt: skip
    print("\nlinearity (full size / half size; ideal: time ratio 2.0, RSS ratio 1.0 for bounded memory):")
    for result in results:
        if "error" in result:
            print(f"  {result['tool']:<26} {result['error']}")
        else:
            time_ratio, rss_ratio = result["time_ratio"], result["rss_ratio"]
            print(f"  {result['tool']:<26} time x{time_ratio:.2f}   peak RSS x{rss_ratio:.2f}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=float, help="update set size in MiB (default: 200; quick: 5)")
    parser.add_argument(
        "--files", type=int, help="record files in the repository (default: 20000; quick: 200)"
    )
    parser.add_argument("--repeat", type=int, help="rounds per scenario (default: 5; quick: 3)")
    parser.add_argument("--quick", action="store_true", help="small smoke run (5 MiB, 200 files, 3 rounds)")
    parser.add_argument(
        "--out", type=Path, default=generate.DEFAULT_OUT, help=f"input directory (default: {generate.DEFAULT_OUT})"
    )
    parser.add_argument(
        "--snlint-cmd", help='command to run as snlint, e.g. "python -m linter" (default: snlint)'
    )
    parser.add_argument(
        "--scenarios", nargs="+", choices=("large", "repo", "small", "linearity"),
        default=["large", "repo", "small", "linearity"], help="scenarios to run (default: all)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON to FILE")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    args.size_mb = args.size_mb or defaults["size_mb"]
    args.files = args.files or int(defaults["files"])
    args.repeat = args.repeat or int(defaults["repeat"])

    with tempfile.TemporaryDirectory(prefix="snlint-bench-") as tmp:
        report = benchmark(args, Path(tmp) / "rss.txt")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nresults written to {args.json}")
    failed = [
        t["tool"] for s in report["scenarios"] for t in s["tools"] if str(t["error"]).startswith("failed")
    ]
    return 1 if failed else 0


def benchmark(args: argparse.Namespace, rss_report: Path) -> dict[str, Any]:
    snlint_env = None
    if args.snlint_cmd:  # let `python -m linter` import the working tree from any directory
        snlint_env = dict(os.environ)
        snlint_env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        )
    setup = Setup(
        snlint=resolve_command(args.snlint_cmd or "snlint"),
        snlint_env=snlint_env,
        check_xml=find_tool("check-xml"),
        xmllint=find_tool("xmllint"),
        max_length=max_command_length(),
    )
    meter = Meter(find_gnu_time(rss_report), rss_report)
    machine = machine_info(setup.xmllint)
    print("machine: " + ", ".join(f"{k}={v}" for k, v in machine.items()))
    print(f"snlint: {' '.join(setup.snlint) if setup.snlint else 'MISSING (reference tools only)'}")
    print(f"rounds: {args.repeat} (small file: {args.repeat * SMALL_ROUNDS_FACTOR}); "
          f"command-line limit per process: {setup.max_length} bytes (as pre-commit)")  # fmt: skip
    if meter.gnu_time:
        print(f"peak RSS: the tool's own ru_maxrss, reported by {meter.gnu_time} (floor about 2 MB)")

    scenarios = build_scenarios(args, setup)
    entries: list[dict[str, Any]] = []
    for scenario in scenarios:
        print(f"\nrunning {scenario.name} ({scenario.rounds} rounds) ...", flush=True)
        scenario.run(meter)
        rows = results(scenario)
        print_scenario(scenario, rows)
        entry: dict[str, Any] = {"name": scenario.name, "title": scenario.title, "tools": rows}
        if scenario.name == "linearity":
            entry["linearity"] = linearity_summary(scenario)
        entries.append(entry)
    if not meter.gnu_time:
        floor_mb = meter.floor_kb / 1024
        print(f"\nnote: GNU time (/usr/bin/time) not found; peak RSS comes from os.wait4 and includes up to "
              f"{floor_mb:.1f} MB of this script's own RSS (values near it are upper bounds)")  # fmt: skip
    return {
        "machine": machine,
        "settings": {"size_mb": args.size_mb, "files": args.files, "repeat": args.repeat,
                     "snlint": setup.snlint, "max_command_length": setup.max_length,
                     "rss_meter": meter.gnu_time or "os.wait4", "rss_floor_kb": meter.floor_kb},
        "scenarios": entries,
    }  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
