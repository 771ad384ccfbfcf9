"""git's view of a repository: the one listing that both the folder walk and the context reading use, run at most
once per repository per process.

git runs so that no repository configuration can execute anything: the fsmonitor hook off (an untrusted
repository's `core.fsmonitor` names a command), hooks pointed at /dev/null, no pager, no terminal prompt, no
optional locks, stdin closed, and a bounded time; its process group is killed on timeout (a grandchild holding the
pipes cannot hang snlint). A failure is a `GitFailure` with a reason the caller shows, never an exception.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

if TYPE_CHECKING:
    import subprocess

TIMEOUT = 20.0  # seconds
_SAFE = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.untrackedCache=false",
    "--no-pager",
    "--no-optional-locks",
)
_LS_FILES = ("ls-files", "-z", "--cached", "--others", "--exclude-standard")
_POSIX = hasattr(os, "killpg")


class Listing(NamedTuple):
    """The files git would have snlint read in `root`: tracked, plus untracked ones that git does not ignore."""

    root: str  # absolute
    files: frozenset[str]  # relative to root, `/`-separated
    folders: frozenset[str]  # every folder holding one of `files` (relative, `/`-separated; "" is the root)


class GitFailure(NamedTuple):
    root: str
    reason: str


def repository_root(start: str = ".") -> str | None:
    """The enclosing git work tree (the folder holding .git), or None."""
    here = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def run_git(root: str, *arguments: str, timeout: float | None = None) -> bytes | GitFailure:
    """The output of `git ARGUMENTS` in `root`, run safely, or why it failed."""
    process = _start(root, arguments)
    return process if isinstance(process, GitFailure) else _finish(root, process, timeout)


def _start(root: str, arguments: Sequence[str]) -> subprocess.Popen[bytes] | GitFailure:
    import subprocess  # here: outside a repository, a run never needs subprocess (~2 ms of start-up)

    environment = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
    }
    command = ["git", *_SAFE, "-C", root, *arguments]
    output = _unnamed_file()
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE if output is None else output,
            stderr=subprocess.PIPE, env=environment, start_new_session=_POSIX,
        )
    except OSError as error:
        if output is not None:
            output.close()
        return GitFailure(root, f"cannot run git: {error.strerror or error}")
    if output is not None:
        _outputs[process.pid] = output
    return process


_outputs: dict[int, BinaryIO] = {}  # a running git's process id -> the file it writes its output to


def _unnamed_file() -> BinaryIO | None:
    """A file without a name, 0600, gone when closed (Linux's O_TMPFILE), or None where there is none (git then
    writes to a pipe). A pipe holds git at its first 64 KiB until snlint reads them, so a prefetched listing would
    wait for snlint to start; a file lets git write it all (1.8 MB for 20,000 files) on another core meanwhile. It
    holds what git prints: file names."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", flag | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError:  # no such folder, or a file system without unnamed files
        return None
    return open(fd, "w+b")


def _finish(root: str, process: subprocess.Popen[bytes], timeout: float | None) -> bytes | GitFailure:
    """The output of a started git, or why it failed; after `timeout` seconds it is killed with its children."""
    import subprocess

    limit = TIMEOUT if timeout is None else timeout
    written = _outputs.pop(process.pid, None)
    with process, written if written is not None else contextlib.nullcontext():
        try:
            output, errors = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(process)
            return GitFailure(root, f"git did not answer within {limit:g} s")
        if process.returncode != 0:
            first = errors.decode("utf-8", "replace").strip().splitlines()
            return GitFailure(root, f"git failed ({first[0] if first else f'exit code {process.returncode}'})")
        if written is not None:
            written.seek(0)
            output = written.read()
    return output


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill git and whatever it started (a grandchild holding the pipes must not hang snlint), then reap it."""
    if _POSIX:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate()
    written = _outputs.pop(process.pid, None)
    if written is not None:
        written.close()


_started: dict[str, subprocess.Popen[bytes]] = {}  # root -> its `ls-files` process, started by prefetch()


def prefetch(start: str = ".") -> None:
    """Start git's listing of the repository holding `start` now, so that git runs while snlint loads its modules
    and reads the named files (on another core); listing() takes its output, cancel() stops it when no one did."""
    root = repository_root(start)
    if root is not None and root not in _started:
        process = _start(root, _LS_FILES)
        if not isinstance(process, GitFailure):
            _started[root] = process


def cancel() -> None:
    """Stop the listings prefetch() started that the run did not need."""
    while _started:
        _kill(_started.popitem()[1])


@functools.cache
def listing(root: str, suffixes: tuple[str, ...]) -> Listing | GitFailure:
    """The files with one of `suffixes` (lower case) that git lists in the work tree `root`. This runs on every
    commit (pre-commit) over repositories of tens of thousands of files: a few C-level steps a name."""
    started = _started.pop(root, None)
    output = run_git(root, *_LS_FILES) if started is None else _finish(root, started, None)
    if isinstance(output, GitFailure):
        return output
    text = output.decode("utf-8", "surrogateescape")
    names = text.split("\0")
    # lower() only for the names whose case differs from the suffixes' (a lower-case match is a match)
    files = [name for name in names if name.endswith(suffixes) or name.lower().endswith(suffixes)]
    files.sort()
    holders = {name.rpartition("/")[0] for name in files}
    if "/\0" in text:  # a name ending in "/" is a repository of its own (walked with its own view): walked into
        holders.update(name[:-1] for name in names if name.endswith("/"))
    folders = {""}
    for holder in holders:
        folder = holder
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder[: max(folder.rfind("/"), 0)]
    found = Listing(root, frozenset(files), frozenset(folders))
    _sorted[root] = (found, files)
    return found


_sorted: dict[str, tuple[Listing, list[str]]] = {}  # root -> its listing, and the listing's files sorted


def sorted_files(found: Listing) -> list[str]:
    """`found.files` in sorted order (as `sorted` orders text), kept from when git's output was read (git lists
    in nearly sorted order, so sorting them then costs little)."""
    kept = _sorted.get(found.root)
    if kept is not None and kept[0] is found:
        return kept[1]
    files = sorted(found.files)
    _sorted[found.root] = (found, files)
    return files


_warned: set[str] = set()


def warn(failure: GitFailure) -> None:
    """Tell the user once per repository why git's view is not used (the run goes on reading every file)."""
    if failure.root in _warned:
        return
    _warned.add(failure.root)
    from linter.report.escape import printable

    print(f"snlint: warning: cannot list the files of the git repository {printable(failure.root)}: "
          f"{printable(failure.reason)}; reading every file under it instead", file=sys.stderr)
