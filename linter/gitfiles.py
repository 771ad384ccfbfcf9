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
from typing import TYPE_CHECKING, NamedTuple

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
    try:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
            start_new_session=_POSIX,
        )
    except OSError as error:
        return GitFailure(root, f"cannot run git: {error.strerror or error}")


def _finish(root: str, process: subprocess.Popen[bytes], timeout: float | None) -> bytes | GitFailure:
    """The output of a started git, or why it failed; after `timeout` seconds it is killed with its children."""
    import subprocess

    limit = TIMEOUT if timeout is None else timeout
    with process:
        try:
            output, errors = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill(process)
            return GitFailure(root, f"git did not answer within {limit:g} s")
    if process.returncode != 0:
        first = errors.decode("utf-8", "replace").strip().splitlines()
        return GitFailure(root, f"git failed ({first[0] if first else f'exit code {process.returncode}'})")
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
    """The files with one of `suffixes` (lower case) that git lists in the work tree `root`."""
    started = _started.pop(root, None)
    output = run_git(root, *_LS_FILES) if started is None else _finish(root, started, None)
    if isinstance(output, GitFailure):
        return output
    names = output.decode("utf-8", "surrogateescape").split("\0")
    files = {name for name in names if name.lower().endswith(suffixes)}
    # a name ending in "/" is a repository of its own (walked with its own view): its folder is walked into
    holders = [name for name in names if name.endswith("/")] + [name[: name.rfind("/") + 1] for name in files]
    folders = {""}
    for holder in holders:
        folder = holder.rstrip("/")
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder[: max(folder.rfind("/"), 0)]
    return Listing(root, frozenset(files), frozenset(folders))


_warned: set[str] = set()


def warn(failure: GitFailure) -> None:
    """Tell the user once per repository why git's view is not used (the run goes on reading every file)."""
    if failure.root in _warned:
        return
    _warned.add(failure.root)
    from linter.report.escape import printable

    print(f"snlint: warning: cannot list the files of the git repository {printable(failure.root)}: "
          f"{printable(failure.reason)}; reading every file under it instead", file=sys.stderr)
