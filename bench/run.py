#!/usr/bin/env python3
"""Benchmark snlint against the same work done by check-xml (pre-commit-hooks) and xmllint --noout --stream.

`python bench/run.py` generates the inputs (bench/generate.py, into $TMPDIR/snlint-bench when missing), runs every
scenario, writes bench/results/<YYYY-MM-DD>.json (machine, versions, settings, every sample of every command) and
prints the Markdown section the README's "Performance" shows. `python bench/run.py --render` prints that section
again from the newest results file without running anything.

Each round runs every tool of a scenario once, rotating the order from round to round, so drift (caches, other
load) spreads over all tools; medians are reported. Wall time is time.perf_counter() around the child processes;
peak RSS is the child's ru_maxrss (through GNU time when installed, see Meter). snlint exit codes 0 and 1 both
count as success (1 means it found problems); the reference tools must exit 0.

Standard library only. Tools are looked up next to the running interpreter (its venv) first, then on PATH.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import itertools
import json
import os
import platform
import pyexpat
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also under PYTHONSAFEPATH (CI's wheel run)
import generate  # bench/generate.py, beside this script

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
SCENARIOS = ("named-warm", "named-cold", "batches", "repo", "large", "small", "growth", "jobs")


@dataclass(frozen=True)
class Sizes:
    update_mb: float  # the large update set
    growth_mb: tuple[float, ...]  # snlint alone on these sizes (the large one is measured again here)
    files: int  # the repository linted whole and in pre-commit batches
    named_repo_files: int  # the repository around the one named file
    jobs_repos: tuple[int, ...]  # repositories on which --jobs 1 is compared with --jobs <cores>
    repeat: int
    small_repeat: int  # the small file: short runs, more rounds
    growth_repeat: int  # growth: the per-MiB time at 1 MiB is a few ms over the fixed cost, so it takes more rounds


FULL = Sizes(200, (1, 10, 100, 400), 20_000, 2_000, (2_640, 20_000), repeat=5, small_repeat=20, growth_repeat=9)
QUICK = Sizes(1, (0.25, 1), 60, 30, (40,), repeat=1, small_repeat=2, growth_repeat=1)


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


def split(files: list[str], commands: list[list[str]], max_length: int) -> list[list[str]]:
    """pre-commit's serial xargs split of `files`, computed for the longest command so every tool gets the same."""
    base = max(len(" ".join(cmd).encode()) for cmd in commands) + 1
    groups: list[list[str]] = []
    current: list[str] = []
    length = base
    for name in files:
        arg_length = len(os.fsencode(name)) + 1
        if current and length + arg_length > max_length:
            groups.append(current)
            current, length = [], base
        current.append(name)
        length += arg_length
    return [*groups, current] if current else groups


class ToolFailed(Exception):
    pass


class Meter:
    """Runs one child process and returns its exit code and peak RSS (KiB).

    Linux copies the spawning process's RSS high-water mark into the child when it execs, so os.wait4's
    ru_maxrss can never be lower than this script's own peak RSS. GNU time forks the tool from a ~2 MB process
    and reports the tool's own ru_maxrss, so it is used when installed; otherwise values near this script's own
    RSS are upper bounds (the results file records which meter was used).
    """

    def __init__(self, gnu_time: str | None, report_file: Path) -> None:
        self.gnu_time = gnu_time
        self.report_file = report_file  # where GNU time writes %M

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], stderr: IO[bytes]) -> tuple[int, int]:
        if self.gnu_time:
            argv = [self.gnu_time, "-f", "%M", "-o", str(self.report_file), *argv]
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
class Tool:
    label: str
    role: str  # "snlint", "check-xml" or "xmllint": the table column
    batches: list[list[str]]  # one command line per process, run one after the other
    cwd: Path
    env: dict[str, str]
    ok_codes: tuple[int, ...] = (0,)
    prepare: Callable[[], None] | None = None  # untimed, before every run (e.g. empty snlint's cache)
    warmup: bool = False  # one untimed run first (e.g. fill snlint's cache)
    size_mb: float | None = None  # growth: the input size
    error: str = ""  # set when the tool is missing or failed; the tool is then skipped
    runs: list[dict[str, float]] = field(default_factory=list)

    def run_once(self, meter: Meter) -> dict[str, float]:
        if self.prepare:
            self.prepare()
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
        return {"wall_s": wall, "peak_rss_kb": peak_kb}

    def summary(self) -> dict[str, Any]:
        walls = [r["wall_s"] for r in self.runs]
        first = self.batches[0] if self.batches else []
        shown = " ".join(first if len(first) <= 4 else [*first[:3], f"... (+{len(first) - 3} more arguments)"])
        return {
            "tool": self.label,
            "role": self.role,
            "command": shown,
            "processes_per_run": len(self.batches),
            "size_mb": self.size_mb,
            "runs": self.runs,
            "median_s": statistics.median(walls) if walls else None,
            "min_s": min(walls, default=None),
            "max_s": max(walls, default=None),
            "peak_rss_mb": max(r["peak_rss_kb"] for r in self.runs) / 1024 if self.runs else None,
            "error": self.error or None,
        }


@dataclass
class Scenario:
    name: str
    row: str  # the README table's "input" cell
    compares: str  # how the tools are run, so that the ratio is like with like
    tools: list[Tool]
    inputs: list[Path]
    rounds: int

    def run(self, meter: Meter) -> None:
        for path in self.inputs:  # read the inputs once so every tool starts with a warm page cache
            read_through(path)
        active = [t for t in self.tools if not t.error]
        for tool in active:
            if tool.warmup:
                self.attempt(tool, meter, keep=False)
        for round_index in range(self.rounds):
            shift = round_index % max(1, len(active))
            for tool in active[shift:] + active[:shift]:
                self.attempt(tool, meter, keep=True)

    @staticmethod
    def attempt(tool: Tool, meter: Meter, keep: bool) -> None:
        if tool.error:
            return
        try:
            run = tool.run_once(meter)
        except (ToolFailed, OSError) as exc:
            tool.error = f"failed: {exc}"
            return
        if keep:
            tool.runs.append(run)


def read_through(path: Path) -> None:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for file in files:
        with open(file, "rb") as handle:
            while handle.read(8 * 1024 * 1024):
                pass


# --- building the scenarios -------------------------------------------------------------------------------
@dataclass
class Setup:
    snlint: list[str] | None
    snlint_env: dict[str, str]  # a private cache folder (SNLINT_CACHE_DIR) and, with --snlint-cmd, PYTHONPATH
    check_xml: str | None
    xmllint: str | None
    max_length: int
    cache_root: Path


def snlint_env(setup: Setup, cache: str) -> dict[str, str]:
    return {**setup.snlint_env, "SNLINT_CACHE_DIR": str(setup.cache_root / cache)}


def three_tools(
    setup: Setup, groups: list[list[str]], cwd: Path, cache: str, snlint_argv: list[list[str]] | None = None
) -> list[Tool]:
    """snlint, check-xml and xmllint --noout --stream, each run as one process per group of file names (all
    relative to cwd); `snlint_argv` replaces snlint's arguments (e.g. `.` for the whole repository)."""
    tools: list[Tool] = []
    env = dict(os.environ)
    if setup.snlint:
        argv = snlint_argv or groups
        tools.append(Tool("snlint", "snlint", [setup.snlint + a for a in argv], cwd, snlint_env(setup, cache), (0, 1)))
    else:
        tools.append(Tool("snlint", "snlint", [], cwd, env, error="not found (pip install . or --snlint-cmd)"))
    if setup.check_xml:
        tools.append(Tool("check-xml", "check-xml", [[setup.check_xml, *g] for g in groups], cwd, env))
    else:
        tools.append(Tool("check-xml", "check-xml", [], cwd, env, error="not found (pip install pre-commit-hooks)"))
    if setup.xmllint:
        cmd = [setup.xmllint, "--noout", "--stream"]
        tools.append(Tool("xmllint --noout --stream", "xmllint", [cmd + g for g in groups], cwd, env))
    else:
        tools.append(Tool("xmllint", "xmllint", [], cwd, env, error="not found (apt-get install libxml2-utils)"))
    return tools


def ensure_update_set(out: Path, size_mb: float) -> Path:
    path = generate.update_set_path(out, size_mb)
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate.write_update_set(path, size_mb)
    return path


def ensure_repo(out: Path, files: int) -> tuple[Path, list[str]]:
    """The generated repository and its record files, relative to it."""
    root = generate.repo_path(out, files)
    if not root.exists():
        print(f"generating {root} ...", flush=True)
        generate.write_repo(root, files)
    return root, sorted(str(p.relative_to(root)) for p in root.rglob("*.xml"))


def named_scenarios(args: argparse.Namespace, setup: Setup) -> list[Scenario]:
    """One named file holding a Windows credential (so snlint reads the rest of the repository as context)."""
    root, files = ensure_repo(args.out, args.sizes.named_repo_files)
    named = next(f for f in files if Path(f).name.startswith("windows_credentials_"))
    rows = []
    for cold in (False, True):
        cache = "named-cold" if cold else "named-warm"
        tools = three_tools(setup, [[named]], root, cache)
        tools[0].warmup = not cold
        if cold:
            tools[0].prepare = lambda path=setup.cache_root / cache: shutil.rmtree(path, ignore_errors=True)
        state = "cold: snlint's cache emptied before each run" if cold else "warm: snlint's cache filled"
        rows.append(Scenario(
            "named-cold" if cold else "named-warm",
            f"one named file in a git repository of {len(files):,} exports ({state})",
            "one process each; snlint also reads the rest of the repository as context",
            tools, [root], args.sizes.repeat,
        ))  # fmt: skip
    return rows


def build_scenarios(args: argparse.Namespace, setup: Setup) -> list[Scenario]:
    sizes: Sizes = args.sizes
    scenarios: list[Scenario] = []
    wanted = set(args.scenarios)
    if wanted & {"named-warm", "named-cold"}:
        scenarios += [s for s in named_scenarios(args, setup) if s.name in wanted]
    if wanted & {"batches", "repo"}:
        root, files = ensure_repo(args.out, sizes.files)
        commands = [setup.snlint or [], [setup.check_xml or ""], [setup.xmllint or "", "--noout", "--stream"]]
        groups = split(files, commands, setup.max_length)
        if "batches" in wanted:
            tools = three_tools(setup, groups, root, "batches")
            tools[0].warmup = True  # a commit's hook run finds the cache of the previous commit
            scenarios.append(Scenario(
                "batches", f"the same {len(files):,} files named in pre-commit batches",
                f"each tool run on the same {len(groups)} batches (pre-commit's split), one after the other",
                tools, [root], sizes.repeat,
            ))  # fmt: skip
        if "repo" in wanted:
            folders = {str(Path(f).parent) for f in files}
            if len(folders) != 1:
                raise SystemExit(f"expected the record files in one folder of {root}, found {sorted(folders)}")
            folder = root / folders.pop()  # names relative to it keep the one command line under ARG_MAX
            tools = three_tools(setup, [[Path(f).name for f in files]], folder, "repo", snlint_argv=[["."]])
            tools[0].cwd = root  # `snlint .` in the repository, as the snlint-all hook runs it
            scenarios.append(Scenario(
                "repo", f"whole {len(files):,}-file source-control repository",
                "one process each over the same files: `snlint .` vs check-xml / xmllint with every file as an "
                "argument",
                tools, [root], sizes.repeat,
            ))  # fmt: skip
    if "large" in wanted:
        path = ensure_update_set(args.out, sizes.update_mb)
        scenarios.append(Scenario(
            "large", f"{size_text(path)} update set ({count_updates(path):,} updates)", "one process each",
            three_tools(setup, [[path.name]], path.parent, "large"), [path], sizes.repeat,
        ))  # fmt: skip
    if "small" in wanted:
        small = generate.small_path(args.out)
        if not small.exists():
            generate.write_small(small)
        scenarios.append(Scenario(
            "small", f"one {small.stat().st_size / 1000:.1f} KB record file", "one process each",
            three_tools(setup, [[small.name]], small.parent, "small"), [small], sizes.small_repeat,
        ))  # fmt: skip
    if "growth" in wanted and setup.snlint:
        paths = [ensure_update_set(args.out, size) for size in sizes.growth_mb]
        tools = [Tool(
            f"snlint [{size_text(path)}]", "snlint", [[*setup.snlint, path.name]], path.parent,
            snlint_env(setup, "growth"), (0, 1), size_mb=path.stat().st_size / generate.MIB,
        ) for path in paths]  # fmt: skip
        scenarios.append(Scenario(
            "growth", "snlint alone on update sets of growing size", "one process each", tools,
            paths, sizes.growth_repeat,
        ))  # fmt: skip
    if "jobs" in wanted and setup.snlint:
        scenarios.append(jobs_scenario(args, setup))
    return scenarios


def jobs_scenario(args: argparse.Namespace, setup: Setup) -> Scenario:
    """`snlint .` with one reader process against one per core, on repositories of several sizes, and the cold
    named-file run (which reads the whole repository as context)."""
    assert setup.snlint
    cores = os.cpu_count() or 1
    tools: list[Tool] = []
    inputs: list[Path] = []
    for files in args.sizes.jobs_repos:
        root, _ = ensure_repo(args.out, files)
        inputs.append(root)
        for jobs in (1, cores):
            tools.append(Tool(
                f"snlint . --jobs {jobs} [{files} files]", "snlint", [[*setup.snlint, "--jobs", str(jobs), "."]],
                root, snlint_env(setup, "jobs"), (0, 1),
            ))  # fmt: skip
    root, files_list = ensure_repo(args.out, args.sizes.named_repo_files)
    named = next(f for f in files_list if Path(f).name.startswith("windows_credentials_"))
    for jobs in (1, cores):
        cache = setup.cache_root / f"jobs-cold-{jobs}"
        tools.append(Tool(
            f"snlint --jobs {jobs} <named file>, cold cache [{len(files_list)} files]", "snlint",
            [[*setup.snlint, "--jobs", str(jobs), named]], root, snlint_env(setup, cache.name), (0, 1),
            prepare=lambda path=cache: shutil.rmtree(path, ignore_errors=True),
        ))  # fmt: skip
    return Scenario(
        "jobs", f"reader processes on {cores} cores", "one process each", tools, inputs, args.sizes.repeat
    )


def size_text(path: Path) -> str:
    size = path.stat().st_size / generate.MIB
    return f"{size:.0f} MiB" if size >= 10 else f"{size:.2g} MiB"


def count_updates(path: Path) -> int:
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(8 * generate.MIB):
            count += chunk.count(b"<sys_update_xml ")  # tags never straddle a chunk here: records end in "\n"
    return count


# --- machine and versions ---------------------------------------------------------------------------------
def first_line(argv: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, timeout=60)
    except OSError:
        return ""
    lines = (done.stdout or done.stderr).splitlines()
    return lines[0].strip() if lines else ""


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
    os_name = platform.platform()
    with contextlib.suppress(OSError), open("/etc/os-release", encoding="utf-8") as release:
        pretty = next((line.split("=", 1)[1].strip().strip('"') for line in release if line.startswith("PRETTY_")), "")
        os_name = f"{pretty} ({platform.system()} {platform.release()})" if pretty else os_name
    return {"cpu_model": cpu, "cores": os.cpu_count(), "os": os_name}


def versions(setup: Setup) -> dict[str, str]:
    try:
        hooks = importlib.metadata.version("pre-commit-hooks")
    except importlib.metadata.PackageNotFoundError:
        hooks = ""
    xmllint = first_line([setup.xmllint, "--version"]) if setup.xmllint else ""
    return {
        "python": platform.python_version(),
        "snlint": first_line([*setup.snlint, "--version"], setup.snlint_env).split()[-1] if setup.snlint else "",
        "libexpat": pyexpat.EXPAT_VERSION.removeprefix("expat_"),
        "xmllint": libxml_version(xmllint),
        "pre-commit-hooks": hooks,
    }


def libxml_version(banner: str) -> str:
    """"xmllint: using libxml version 20914" -> "2.9.14"."""
    number = banner.split("version")[-1].strip()
    if not number.isdigit():
        return number
    value = int(number)
    return f"{value // 10000}.{value // 100 % 100}.{value % 100}"


# --- rendering the README section -------------------------------------------------------------------------
def fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} s"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def render(report: dict[str, Any]) -> str:
    """The README's Performance table, the growth sentence and the machine line, from one results file."""
    machine, v, settings = report["machine"], report["versions"], report["settings"]
    lines = [
        f"Run on {report['date']}: {machine['cpu_model']}, {machine['cores']} cores, {machine['os']}; Python "
        f"{v['python']}, snlint {v['snlint']}, libexpat {v['libexpat']}, libxml2 {v['xmllint']}, "
        f"pre-commit-hooks {v['pre-commit-hooks']}. Medians of {settings['repeat']} alternating runs "
        f"({settings['small_repeat']} for the small file); times are whole processes, ratios below 1 mean snlint "
        "is faster.",
        "",
        "| input | how each tool is run | snlint | check-xml | xmllint --noout --stream | snlint / check-xml "
        "| snlint / xmllint | snlint peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    scenarios = {s["name"]: s for s in report["scenarios"]}
    for name in ("named-warm", "named-cold", "batches", "repo", "large", "small"):
        if name not in scenarios:
            continue
        scenario = scenarios[name]
        tool = {t["role"]: t for t in scenario["tools"]}
        sn, cx, xl = (tool[r]["median_s"] for r in ("snlint", "check-xml", "xmllint"))
        rss = tool["snlint"]["peak_rss_mb"]
        lines.append(
            f"| {scenario['row']} | {scenario['compares']} | {fmt_s(sn)} | {fmt_s(cx)} | {fmt_s(xl)} "
            f"| **{ratio(sn, cx)}** | {ratio(sn, xl)} | {'-' if rss is None else f'{rss:.1f} MB'} |"
        )
    if "growth" in scenarios:
        lines += ["", growth_sentence(scenarios["growth"], scenarios.get("small"))]
    return "\n".join(lines)


def growth_sentence(growth: dict[str, Any], small: dict[str, Any] | None) -> str:
    """What each further MiB costs between consecutive sizes: (time(b) - time(a)) / (b - a). Linear time means a
    constant cost per MiB, and this measures it without estimating the fixed cost (start-up, first use of each code
    path), which a per-MiB figure of one size would have to subtract."""
    tools = sorted((t for t in growth["tools"] if t["median_s"] is not None), key=lambda t: t["size_mb"])
    if len(tools) < 2:
        return "Growth: not measured."
    steps = [
        (a["size_mb"], b["size_mb"], (b["median_s"] - a["median_s"]) / (b["size_mb"] - a["size_mb"]))
        for a, b in itertools.pairwise(tools)
    ]
    spread = max(each for *_, each in steps) / min(each for *_, each in steps) - 1
    shown = ", ".join(f"{a:.3g} to {b:.3g} MiB {1000 * each:.1f}" for a, b, each in steps)
    sizes = ", ".join(f"{t['size_mb']:.3g}" for t in tools)
    first, last = tools[0], tools[-1]
    return (
        f"Growth (snlint alone on update sets of {sizes} MiB, medians of {growth['rounds']} rounds; ms per further "
        f"MiB between consecutive sizes): {shown}; from {first['size_mb']:.3g} MiB to {last['size_mb']:.3g} MiB the "
        f"cost per MiB varies by {100 * spread:.0f}%. Peak RSS: {first['peak_rss_mb']:.1f} MB at "
        f"{first['size_mb']:.3g} MiB, {last['peak_rss_mb']:.1f} MB at {last['size_mb']:.3g} MiB."
    )


def render_jobs(report: dict[str, Any]) -> str:
    scenario = next((s for s in report["scenarios"] if s["name"] == "jobs"), None)
    if scenario is None:
        return ""
    lines = ["| command | median | min | max |", "| --- | --- | --- | --- |"]
    for tool in scenario["tools"]:
        lines.append(
            f"| `{tool['tool']}` | {fmt_s(tool['median_s'])} | {fmt_s(tool['min_s'])} | {fmt_s(tool['max_s'])} |"
        )
    return "\n".join(lines)


def newest_results(folder: Path) -> Path:
    found = sorted(folder.glob("????-??-??.json"))
    if not found:
        raise SystemExit(f"no results file in {folder}: run python bench/run.py first")
    return found[-1]


def print_scenario(entry: dict[str, Any]) -> None:
    print(f"\n== {entry['name']}: {entry['row']} ({entry['compares']}) ==")
    for tool in entry["tools"]:
        if not tool["runs"]:
            print(f"  {tool['tool']:<48} {tool['error']}")
            continue
        print(
            f"  {tool['tool']:<48} procs {tool['processes_per_run']:>3}  median {fmt_s(tool['median_s'])}  "
            f"min {fmt_s(tool['min_s'])}  max {fmt_s(tool['max_s'])}  peak RSS {tool['peak_rss_mb']:.1f} MB"
            + (f"  ({tool['error']})" if tool["error"] else "")
        )


# --- main -------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny inputs, one round: a smoke test (seconds)")
    parser.add_argument("--render", action="store_true", help="print the README section from the newest results")
    parser.add_argument("--out", type=Path, default=generate.DEFAULT_OUT, help="input folder (default: %(default)s)")
    parser.add_argument(
        "--results-dir", type=Path, default=RESULTS_DIR, help="where results files go (default: bench/results)"
    )
    parser.add_argument("--snlint-cmd", help='command to run as snlint, e.g. "python -m linter" (default: snlint)')
    parser.add_argument(
        "--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS), help="scenarios to run (default: all)"
    )
    parser.add_argument("--repeat", type=int, help="rounds per scenario (default: 5, small file 20; quick: 1)")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(newest_results(args.results_dir).read_text(encoding="utf-8"))
        print(render(report))
        return 0
    args.sizes = QUICK if args.quick else FULL
    if args.repeat:
        args.sizes = dataclasses.replace(args.sizes, repeat=args.repeat, small_repeat=4 * args.repeat,
                                         growth_repeat=args.repeat)
    with tempfile.TemporaryDirectory(prefix="snlint-bench-") as tmp:
        report = benchmark(args, Path(tmp))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    target = args.results_dir / f"{report['date']}.json"
    target.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\nresults written to {target}\n")
    print(render(report))
    jobs = render_jobs(report)
    if jobs:
        print("\n" + jobs)
    failed = [t["tool"] for s in report["scenarios"] for t in s["tools"] if str(t["error"]).startswith("failed")]
    return 1 if failed else 0


def benchmark(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if args.snlint_cmd:  # let `python -m linter` import the working tree from any directory
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    setup = Setup(
        snlint=resolve_command(args.snlint_cmd or "snlint"),
        snlint_env=env,
        check_xml=find_tool("check-xml"),
        xmllint=find_tool("xmllint"),
        max_length=max_command_length(),
        cache_root=tmp / "cache",
    )
    meter = Meter(find_gnu_time(tmp / "rss.txt"), tmp / "rss.txt")
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "machine": machine_info(),
        "versions": versions(setup),
        "settings": {
            **{k: v for k, v in vars(args.sizes).items()},
            "quick": args.quick,
            "snlint_command": setup.snlint,
            "max_command_length": setup.max_length,
            "rss_meter": meter.gnu_time or "os.wait4 (upper bound: includes this script's RSS)",
        },
    }
    print(json.dumps({k: report[k] for k in ("machine", "versions")}))
    started = time.perf_counter()
    entries: list[dict[str, Any]] = []
    for scenario in build_scenarios(args, setup):
        print(f"\nrunning {scenario.name} ({scenario.rounds} rounds) ...", flush=True)
        scenario.run(meter)
        entry = {
            "name": scenario.name,
            "row": scenario.row,
            "compares": scenario.compares,
            "rounds": scenario.rounds,
            "tools": [t.summary() for t in scenario.tools],
        }
        print_scenario(entry)
        entries.append(entry)
    report["scenarios"] = entries
    report["bench_seconds"] = round(time.perf_counter() - started, 1)
    return report


if __name__ == "__main__":
    sys.exit(main())
