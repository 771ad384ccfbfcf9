"""git's view of a repository: the one listing that both the folder walk and the context reading use, run at most
once per repository per process.

git runs so that no repository configuration can execute anything: the fsmonitor hook off (an untrusted
repository's `core.fsmonitor` names a command), hooks pointed at /dev/null, no pager, no terminal prompt, no
optional locks, stdin closed, and a bounded time; its process group is killed on timeout (a grandchild holding the
pipes or files cannot hang snlint). A failure is a `GitFailure` with a reason the caller shows, never an exception.
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
    sorted_files: list[str]  # `files` as `sorted` orders them (git lists them nearly so: cheap to sort on reading)


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


class _Spawned:
    """A git started with os.posix_spawnp whose output and errors go to unnamed files (Linux's O_TMPFILE): snlint
    then needs no subprocess module (importing it, with threading and selectors, was ~3 ms of a ~50 ms pre-commit
    run; signal, ~0.4 ms, is still needed: bench/README.md, "Start-up"), and git never waits for snlint to empty a
    pipe. Elsewhere git runs through subprocess with pipes."""

    __slots__ = ("errors", "output", "pid", "returncode", "status_lost")

    def __init__(self, pid: int, output: BinaryIO, errors: BinaryIO) -> None:
        self.pid = pid
        self.output = output
        self.errors = errors
        self.returncode: int | None = None
        self.status_lost = False

    def wait(self, timeout: float) -> bool:
        """True once git has exited (its exit code in `returncode`), False after `timeout` seconds. Polled, with a
        pause growing to 10 ms: a prefetched listing has usually ended before snlint asks for it."""
        import time

        deadline = time.monotonic() + timeout
        pause = 0.0005
        while not self._reaped(os.WNOHANG):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(pause, left))
            pause = min(2 * pause, 0.01)
        return True

    def kill(self) -> None:
        """Kill git and its process group, reap it, close its files."""
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        if self.returncode is None:
            self._reaped(0)
        self.close()

    def _reaped(self, options: int) -> bool:
        """Collect git's exit code if it has exited (waitpid with `options`). When snlint was started with SIGCHLD
        ignored, the system reaps git itself and its exit code is lost: then git's error output tells (_finish)."""
        try:
            done, status = os.waitpid(self.pid, options)
        except ChildProcessError:
            self.returncode, self.status_lost = 0, True
            return True
        if done:
            self.returncode = os.waitstatus_to_exitcode(status)
        return bool(done)

    def close(self) -> None:
        self.output.close()
        self.errors.close()


def _start(root: str, arguments: Sequence[str]) -> _Spawned | subprocess.Popen[bytes] | GitFailure:
    environment = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
    }
    command = ["git", *_SAFE, "-C", root, *arguments]
    files = _unnamed_files() if hasattr(os, "posix_spawnp") else None
    if files is not None:
        import signal

        output, errors = files
        try:
            with open(os.devnull, "rb") as nothing:
                pid = os.posix_spawnp(
                    "git", command, environment, setsid=True,
                    setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),  # Python ignores them; git must not (as subprocess)
                    file_actions=[
                        (os.POSIX_SPAWN_DUP2, nothing.fileno(), 0),
                        (os.POSIX_SPAWN_DUP2, output.fileno(), 1),
                        (os.POSIX_SPAWN_DUP2, errors.fileno(), 2),
                        *((os.POSIX_SPAWN_CLOSE, fd) for fd in _inherited()),
                    ],
                )
        except OSError as error:
            output.close()
            errors.close()
            return GitFailure(root, f"cannot run git: {error.strerror or error}")
        return _Spawned(pid, output, errors)
    import subprocess  # here, and only where there are no unnamed files

    try:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment,
            start_new_session=_POSIX,
        )
    except OSError as error:
        return GitFailure(root, f"cannot run git: {error.strerror or error}")


def _inherited() -> list[int]:
    """The inheritable descriptors above 2 that snlint itself was given (Python opens its own non-inheritable): git
    gets none of them, as with subprocess's close_fds. Read from /proc, which the systems with unnamed files have."""
    found = []
    with contextlib.suppress(OSError):
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd > 2:
                with contextlib.suppress(OSError):  # the listing's own descriptor, closed by now
                    if os.get_inheritable(fd):
                        found.append(fd)
    return found


def _unnamed_files() -> tuple[BinaryIO, BinaryIO] | None:
    """Two files without a name, 0600, gone when closed (Linux's O_TMPFILE), for git's output and errors; None where
    there are none. They hold what git prints: file names and messages."""
    output = _unnamed_file()
    errors = _unnamed_file() if output is not None else None
    if output is None or errors is None:
        if output is not None:
            output.close()
        return None
    return output, errors


def _unnamed_file() -> BinaryIO | None:
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag:
        return None
    try:
        fd = os.open(os.environ.get("TMPDIR") or "/tmp", flag | os.O_RDWR | os.O_CLOEXEC, 0o600)
    except OSError:  # no such folder, or a file system without unnamed files
        return None
    return open(fd, "w+b")


def _finish(root: str, process: _Spawned | subprocess.Popen[bytes], timeout: float | None) -> bytes | GitFailure:
    """The output of a started git, or why it failed; after `timeout` seconds it is killed with its children."""
    limit = TIMEOUT if timeout is None else timeout
    if isinstance(process, _Spawned):
        try:
            answered = process.wait(limit)
        except BaseException:  # Ctrl-C while waiting: git goes too
            process.kill()
            raise
        if not answered:
            process.kill()
            return GitFailure(root, f"git did not answer within {limit:g} s")
        try:
            process.errors.seek(0)
            errors = process.errors.read(64 * 1024)
            if process.status_lost and errors.strip():
                process.returncode = 1
            process.output.seek(0)
            output = process.output.read() if process.returncode == 0 else b""
        finally:
            process.close()
    else:
        import subprocess

        with process:
            try:
                output, errors = process.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                _kill(process)
                return GitFailure(root, f"git did not answer within {limit:g} s")
        if process.returncode == 0 and errors.strip() and _sigchld_ignored():
            process.returncode = 1  # subprocess reads a lost exit code as 0: git's error output tells
    if process.returncode != 0:
        first = errors.decode("utf-8", "replace").strip().splitlines()
        return GitFailure(root, f"git failed ({first[0] if first else f'exit code {process.returncode}'})")
    return output


def _sigchld_ignored() -> bool:
    import signal

    return hasattr(signal, "SIGCHLD") and signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN


def _kill(process: _Spawned | subprocess.Popen[bytes]) -> None:
    """Kill git and whatever it started (a grandchild holding the pipes must not hang snlint), then reap it."""
    if isinstance(process, _Spawned):
        process.kill()
        return
    if _POSIX:
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate()


_started: dict[str, _Spawned | subprocess.Popen[bytes]] = {}  # root -> its `ls-files` process, started by prefetch()


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
    return Listing(root, frozenset(files), frozenset(folders), files)


_warned: set[str] = set()


def warn(failure: GitFailure) -> None:
    """Tell the user once per repository why git's view is not used (the run goes on reading every file)."""
    if failure.root in _warned:
        return
    _warned.add(failure.root)
    from linter.escape import printable

    print(f"snlint: warning: cannot list the files of the git repository {printable(failure.root)}: "
          f"{printable(failure.reason)}; reading every file under it instead", file=sys.stderr)
