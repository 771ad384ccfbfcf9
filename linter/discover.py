"""Expand the command line's paths into the input files of a run: walk folders, honour source-control layouts,
git's view of a repository and exclusions, and pick the reader for each file from its name (the reader then
sniffs the first bytes).

A walk reads only regular files inside the folder it was given: folder symlinks are not followed (no loops), a
file symlink that leads out of the folder is skipped, and FIFOs, sockets and devices are skipped. It skips VCS
metadata and dependency / tool caches (SKIP_DIRS), never build output (update sets are released from dist/).
Inside a git repository it follows git's view, as ruff does: tracked files always, untracked files unless git
ignores them (`respect_gitignore=False` reads everything). A path named explicitly is always an input (unless
excluded); the reader refuses it if it is not a regular file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from operator import methodcaller
from typing import Any, NamedTuple

from linter import gitfiles

XML = "xml"
YAML = "yaml"
SUFFIXES = {".xml": XML, ".yaml": YAML, ".yml": YAML, ".json": YAML}
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".bzr", "_darcs", ".jj", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".eggs", ".direnv"}
)
PROPERTIES = "sn_source_control.properties"
APP_FOLDERS = ("update", "author_elective_update")
_SUFFIX_TUPLE = tuple(SUFFIXES)


class Input(NamedTuple):
    path: str  # as reached from the arguments, with / separators
    kind: str  # XML or YAML
    explicit: bool  # named on the command line (not found by walking a folder)


class Missing(Exception):
    """A path on the command line does not exist (a usage error)."""


def _prefix(folder: str) -> str:
    """What the walk puts before the names of the entries of `folder` (a normalised path) in the paths it shows."""
    return "" if folder == os.curdir else folder.rstrip(os.sep) + os.sep


def _slashed(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def display(path: str) -> str:
    return _slashed(os.path.normpath(path))


def _below(absolute: str, base: str) -> str | None:
    """`absolute` relative to the folder `base` (`/`-separated), or None when it is not below it."""
    if absolute == base:
        return ""
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not absolute.startswith(prefix):
        return None
    rest = absolute[len(prefix):]
    return rest.replace(os.sep, "/") if os.sep != "/" else rest


def _normalised(pattern: str, base: str) -> str:
    """A pattern as gitignore reads it: `./x` is `/x` (anchored), an absolute path below `base` is anchored there."""
    negated = pattern.startswith("!")
    body = pattern[1:] if negated else pattern
    if body.startswith("./"):
        body = "/" + body[2:].lstrip("/")
    elif os.path.isabs(body):
        relative = _below(os.path.normpath(body), base)
        if relative is not None:
            body = "/" + relative + ("/" if body.endswith(("/", os.sep)) and relative else "")
    return ("!" if negated else "") + body


class PathFilter:
    """Exclusion globs with gitignore semantics (pathspec's GitIgnoreSpec), each set relative to its own folder:
    a pattern with a `/` (but for a trailing one) is anchored to that folder, `*` does not cross `/`, `**` does,
    `dir/` matches a folder and all below it, `!` re-includes. Paths outside a set's folder never match it."""

    def __init__(self, sets: Iterable[tuple[str, Sequence[str]]] = ()) -> None:
        self._sets: list[tuple[str, Any]] = []
        for base, patterns in sets:
            if not patterns:
                continue
            from pathspec import GitIgnoreSpec

            folder = os.path.abspath(base)
            lines = [_normalised(pattern.strip(), folder) for pattern in patterns if pattern.strip()]
            self._sets.append((folder, GitIgnoreSpec.from_lines(lines)))

    def __bool__(self) -> bool:
        return bool(self._sets)

    def matches(self, path: str, folder: bool = False) -> bool:
        """True when `path` (relative to the current directory, or absolute) is excluded."""
        if not self._sets:
            return False
        absolute = os.path.abspath(path)
        for base, spec in self._sets:
            relative = _below(absolute, base)
            if relative and spec.match_file(relative + "/" if folder else relative):
                return True
        return False


NO_FILTER = PathFilter()


def source_control_app(folder: str) -> str | None:
    """The application folder named by `sn_source_control.properties` in `folder` (path=...), if any."""
    try:
        with open(os.path.join(folder, PROPERTIES), encoding="utf-8", errors="replace") as handle:
            for line in handle:
                line = line.strip()
                if line.startswith("path=") or line.startswith("path:"):
                    app = line[5:].strip().strip("/")
                    return os.path.normpath(os.path.join(folder, app)) if app else os.path.normpath(folder)
    except OSError:
        return None
    return None


def _followed(path: str, root: str) -> os.stat_result | None:
    """For a symlink: the stat of the file it leads to when that is a regular file inside the folder being walked
    (`root`, real), else None. snlint reads only the files it is given, and never a FIFO or a device."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info if os.path.commonpath([os.path.realpath(path), root]) == root else None


def _suffix_kind(path: str, start: int = 0) -> str | None:
    """The kind of a file by the suffix of its name (which begins at `start` in `path`), or None: not an export's
    suffix, or a name that is all suffix (".xml")."""
    dot = path.rfind(".")
    if dot <= start:
        return None
    suffix = path[dot:]
    return SUFFIXES.get(suffix) or SUFFIXES.get(suffix.lower())


def _suffix_kinds(names: list[str], start: int) -> list[str | None]:
    """_suffix_kind of each of `names` (their names begin at `start`). A folder's files usually all end in one
    suffix: then C loops check that, and no Python step runs for each name."""
    if names:
        suffix = names[0][names[0].rfind(".") :]
        kind = SUFFIXES.get(suffix)  # a lower-case suffix, with its only dot first
        if (kind is not None and all(map(methodcaller("endswith", suffix), names))
                and min(map(len, names)) > start + len(suffix)):
            return [kind] * len(names)
    return [_suffix_kind(name, start) for name in names]


class Files:
    """The files of a run, as columns: a tuple per file would be a container per file (20,000 in a large
    repository, on every commit), and containers cost garbage-collector passes. (A plain class: start-up.)"""

    __slots__ = ("ctimes", "inodes", "kinds", "mtimes", "named", "paths", "sizes")

    def __init__(self) -> None:
        self.paths: list[str] = []  # as the walk shows them (`/`-separated)
        self.kinds: list[str] = []
        # In a stamped walk, the stamp of what each file holds (a symlink's target): its size, its modification and
        # change times (ns: touch -r can set a modification time back, never a change time) and its inode (a file
        # replaced by a rename). 0 otherwise.
        self.sizes: list[int] = []
        self.mtimes: list[int] = []
        self.ctimes: list[int] = []
        self.inodes: list[int] = []
        self.named: dict[int, str] = {}  # the files the run names, by index: the path as named

    def add(self, path: str, kind: str, info: os.stat_result | None) -> None:
        self.paths.append(path)
        self.kinds.append(kind)
        self.sizes.append(info.st_size if info else 0)
        self.mtimes.append(info.st_mtime_ns if info else 0)
        self.ctimes.append(info.st_ctime_ns if info else 0)
        self.inodes.append(info.st_ino if info else 0)


class _Place:
    """A folder the walk reads. (A plain class: start-up.)"""

    __slots__ = ("absolute_prefix", "app", "app_only", "folder", "git_prefix", "listed", "prefix", "view")

    def __init__(
        self, folder: str, view: gitfiles.Listing | None, app_only: bool, app: str | None
    ) -> None:
        absolute = os.path.abspath(folder)
        below = _below(absolute, view.root) if view is not None else None
        self.folder = folder  # as reached from the argument (normalised)
        self.prefix = _prefix(folder)  # of its entries' paths
        self.absolute_prefix = absolute.rstrip(os.sep) + os.sep  # (the exclusions match absolute paths)
        self.view = view  # git's view of the work tree holding it (passed to its subfolders)
        self.listed = view if below is not None else None  # the same when the folder is inside that work tree
        self.git_prefix = below + "/" if below else ""  # the folder relative to the view's root, `/`-terminated
        self.app_only = app_only  # a source-control application folder: its record folders and XML files only
        self.app = app  # the application folder an sn_source_control.properties above names (path= may be nested)


class _Walk:
    """One folder argument's walk: its real root, the exclusions, and git's view when it applies.

    Each rule is written once, whichever way a folder's entries are enumerated: by the folder itself (os.scandir,
    whose entry types need no stat), or, in a stamped walk of a folder in git's view, by git's listing (each file
    is stat-ed anyway for its stamp, and that lstat also tells a regular file from a symlink, a folder or a file
    deleted since). Paths are joined as strings and added to one set of columns: a repository can hold tens of
    thousands of files, and this runs on every commit (pre-commit). Folders are entered from a stack, not by
    recursion: a repository may nest folders deeper than Python's recursion limit."""

    def __init__(
        self, root: str, exclude: PathFilter, gitignore: bool, seen: set[tuple[int, int]], stamped: bool
    ) -> None:
        self.root = root
        self.exclude = exclude if exclude else None
        self.gitignore = gitignore
        self.seen = seen
        self.stamped = stamped
        self.subfolders: dict[str, dict[str, list[str]]] = {}  # a view's root -> each folder's subfolders, sorted

    def view(self, folder: str) -> gitfiles.Listing | None:
        """git's listing of the work tree holding `folder`, or None (not in a repository, not respected, failed)."""
        if not self.gitignore:
            return None
        top = gitfiles.repository_root(folder)
        if top is None:
            return None
        found = gitfiles.listing(top, _SUFFIX_TUPLE)
        if isinstance(found, gitfiles.GitFailure):
            gitfiles.warn(found)
            return None
        return found

    def files(self, folder: str, found: Files) -> None:
        """Add the files under `folder` (a normalised path) to `found` in the walk's order: each folder's entries
        sorted by name, a subfolder's files in its place. Folder symlinks are not followed (no loops), nor file
        symlinks that lead out of the root."""
        top = self._place(folder, self.view(folder), False, None, None)
        walks = [self._entries(top, found)] if top is not None else []  # the folders being walked, innermost last
        while walks:
            subfolder = next(walks[-1], None)
            if subfolder is None:
                walks.pop()
            else:
                walks.append(self._entries(subfolder, found))

    def _place(
        self, folder: str, view: gitfiles.Listing | None, app_only: bool, app: str | None, info: os.stat_result | None
    ) -> _Place | None:
        """The folder `folder` to walk (`info`, its lstat when the caller has it), or None: gone, or walked already.
        With `app_only`, a source-control application folder (its sys_app file and the record folders, not
        dictionary/); `app`, the application folder an sn_source_control.properties above names."""
        try:
            info = os.stat(folder) if info is None else info
        except OSError:
            return None
        if (info.st_dev, info.st_ino) in self.seen:
            return None
        self.seen.add((info.st_dev, info.st_ino))
        if self.gitignore and os.path.lexists(os.path.join(folder, ".git")):
            view = self.view(folder)  # a work tree of its own (the argument's, or a nested repository)
        return _Place(folder, view, app_only, None if app_only else (source_control_app(folder) or app))

    def _entries(self, place: _Place, found: Files) -> Iterator[_Place]:
        """Add the files of `place` to `found`, pausing at each subfolder to walk (yielded) so that its files come
        in their place."""
        if place.listed is not None and self.stamped:
            return self._listed(place, place.listed, found)
        return self._scanned(place, found)

    def _enter(self, place: _Place, name: str, info: os.stat_result | None) -> _Place | None:
        """The subfolder `name` of `place` to walk, or None when a rule skips it: tool and VCS folders, an
        application folder's other folders, the exclusions."""
        if name in SKIP_DIRS or (place.app_only and name not in APP_FOLDERS):
            return None
        if self.exclude and self.exclude.matches(place.absolute_prefix + name, folder=True):
            return None
        path = place.prefix + name
        entering = place.app is not None and os.path.normpath(path) == place.app
        return self._place(path, place.view, entering, None if entering else place.app, info)

    def _kind(self, place: _Place, path: str, start: int) -> str | None:
        """The kind of the file `path` of `place` (its name begins at `start`), or None when the walk does not read
        it: not an export's suffix, not XML in an application folder, or excluded."""
        kind = _suffix_kind(path, start)
        if kind is None or (place.app_only and kind != XML):
            return None
        if self.exclude and self.exclude.matches(place.absolute_prefix + path[start:]):
            return None
        return kind

    def _scanned(self, place: _Place, found: Files) -> Iterator[_Place]:
        """The entries of `place` as the folder holds them (git's view, when it applies, filters them)."""
        try:
            entries = sorted(os.scandir(place.folder), key=_name)
        except OSError:
            return
        listed = place.listed
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if listed is None or place.git_prefix + name in listed.folders:
                        subfolder = self._enter(place, name, None)
                        if subfolder is not None:
                            yield subfolder
                    continue
                kind = self._kind(place, name, 0)
                if kind is None or (listed is not None and place.git_prefix + name not in listed.files):
                    continue
                if entry.is_file(follow_symlinks=False):
                    info = entry.stat() if self.stamped else None
                elif not entry.is_symlink() or (info := _followed(entry.path, self.root)) is None:
                    continue
                found.add(place.prefix + name, kind, info if self.stamped else None)
            except OSError:
                continue

    def _listed(self, place: _Place, listed: gitfiles.Listing, found: Files) -> Iterator[_Place]:
        """The entries of `place` as git lists them, in the order _scanned gives them. git's names are sorted, so a
        folder's names are one range of them, its subfolders' names sub-ranges (found by bisection): the files
        directly in the folder are the range less those sub-ranges."""
        from bisect import bisect_left  # here: only a stamped walk needs it (start-up)

        names = listed.sorted_files
        base = place.git_prefix
        low, high = (bisect_left(names, base), bisect_left(names, base[:-1] + "0")) if base else (0, len(names))
        subfolders = self._subfolders(listed).get(base[:-1], [])
        direct: list[str] = []
        start = low
        for first, end in sorted(
            (bisect_left(names, base + name + "/", low, high), bisect_left(names, base + name + "0", low, high))
            for name in subfolders
        ):
            direct += names[start:first]
            start = end
        direct += names[start:high]
        done = 0
        for name in subfolders:  # sorted by name, merged with the files as a folder's sorted entries are
            upto = bisect_left(direct, base + name, done)
            self._listed_files(place, direct[done:upto], found)
            done = upto
            try:
                info = os.lstat(place.prefix + name)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                subfolder = self._enter(place, name, info)
                if subfolder is not None:
                    yield subfolder
        self._listed_files(place, direct[done:], found)

    def _listed_files(self, place: _Place, names: list[str], found: Files) -> None:
        """Add the files among git's `names` (directly in `place`) that the walk reads, with their stamps. This
        loop runs for every file of the repository on every commit: what it calls is bound to locals first."""
        start = len(place.git_prefix)
        same = place.prefix == place.git_prefix  # the walk shows git's names as they are (from the root)
        by_name = (
            _suffix_kinds(names, start) if not (place.app_only or self.exclude)
            else [self._kind(place, name, start) for name in names]
        )
        lstat, regular = os.lstat, stat.S_ISREG
        paths, kinds, sizes = found.paths.append, found.kinds.append, found.sizes.append
        mtimes, ctimes, inodes = found.mtimes.append, found.ctimes.append, found.inodes.append
        for name, kind in zip(names, by_name, strict=True):
            if kind is None:
                continue
            path = name if same else place.prefix + name[start:]
            try:
                info = lstat(path)
            except OSError:  # deleted since it was listed
                continue
            if not regular(info.st_mode):
                target = _followed(path, self.root) if stat.S_ISLNK(info.st_mode) else None
                if target is None:
                    continue
                info = target
            paths(path)
            kinds(kind)
            sizes(info.st_size)
            mtimes(info.st_mtime_ns)
            ctimes(info.st_ctime_ns)
            inodes(info.st_ino)

    def _subfolders(self, listed: gitfiles.Listing) -> dict[str, list[str]]:
        """The subfolders of each folder of git's view, by the folder (relative to the root, "" for the root),
        sorted by name."""
        tree = self.subfolders.get(listed.root)
        if tree is None:
            tree = {}
            for folder in sorted(listed.folders):
                if folder:
                    parent, _, name = folder.rpartition("/")
                    tree.setdefault(parent, []).append(name)
            self.subfolders[listed.root] = tree
        return tree


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def kind_of(path: str) -> str:
    return SUFFIXES.get(os.path.splitext(path)[1].lower(), XML)


def walk(
    paths: Iterable[str], exclude: PathFilter = NO_FILTER, respect_gitignore: bool = True, stamped: bool = False,
    named: Sequence[str] = (),
) -> Files:
    """The files of a run, in argument order then in the walk's order within folders; duplicates dropped.
    `stamped`: with their stamps (a file that cannot be stat-ed is left out). The files named as arguments are
    marked (Files.named), and so are the `named` paths where the walk reaches them."""
    arguments = list(paths)
    found = Files()
    at: dict[str, int] = {}  # several arguments: each file's index, by normalised path
    roots: list[tuple[str, str]] = []  # each folder argument (normalised) and its real path
    seen: set[tuple[int, int]] = set()
    for argument in arguments:
        try:  # one lstat per named file (pre-commit names thousands): a stat only for a symlink
            mode = os.lstat(argument).st_mode
        except OSError:
            raise Missing(argument) from None
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(argument).st_mode
            except OSError:  # a dangling symlink: named, the reader refuses it
                mode = 0
        if stat.S_ISDIR(mode):
            if exclude.matches(argument, folder=True):
                continue
            folder, real = os.path.normpath(argument), os.path.realpath(argument)
            roots.append((folder, real))
            walked = found if len(arguments) == 1 else Files()  # one argument: nothing to deduplicate
            _Walk(real, exclude, respect_gitignore, seen, stamped).files(folder, walked)
            if os.sep != "/":
                walked.paths[:] = map(_slashed, walked.paths)
            if walked is not found:
                _merge(found, walked, at)
        elif not exclude.matches(argument):
            info = None
            if stamped:
                try:
                    info = os.stat(argument)
                except OSError:
                    continue
            path = display(argument)
            index = at.setdefault(os.path.normpath(argument), len(found.paths))
            if index == len(found.paths):
                found.add(path, kind_of(argument), info)
            found.named[index] = path
    if named and roots:
        _mark(found, named, roots)
    return found


def _merge(found: Files, walked: Files, at: dict[str, int]) -> None:
    """Add to `found` the files of `walked` that it does not hold (`at`: the index of each file it holds)."""
    for index, path in enumerate(walked.paths):
        if at.setdefault(os.path.normpath(path), len(found.paths)) == len(found.paths):
            found.paths.append(path)
            found.kinds.append(walked.kinds[index])
            found.sizes.append(walked.sizes[index])
            found.mtimes.append(walked.mtimes[index])
            found.ctimes.append(walked.ctimes[index])
            found.inodes.append(walked.inodes[index])


def _mark(found: Files, named: Sequence[str], roots: Sequence[tuple[str, str]]) -> None:
    """Mark the `named` files in `found`, the walk of the folders `roots` (each as walked, and real): where a named
    file really is below a root, the walk shows it as that root's path and the folders between (it does not
    follow folder symlinks, so they are real ones), however the file was named (relative, absolute, through a
    symlinked folder). Each folder is resolved once (pre-commit names thousands of files, in few folders)."""
    prefixes = [(_slashed(_prefix(walked)), root) for walked, root in roots]
    shown: dict[str, str] = {}
    real_folders: dict[str, str] = {}
    for path in named:
        folder, name = os.path.split(path)
        real = real_folders.get(folder)
        if real is None:
            real = real_folders[folder] = os.path.realpath(folder or os.curdir)
        for prefix, root in prefixes:
            below = _below(real, root)
            if below is not None:
                shown.setdefault(prefix + (below + "/" if below else "") + name, path)
    paths = found.paths
    for index in compress(range(len(paths)), map(shown.__contains__, paths)):
        found.named[index] = shown[paths[index]]


def discover(paths: Iterable[str], exclude: PathFilter = NO_FILTER, respect_gitignore: bool = True) -> list[Input]:
    """The files of a run, in argument order then sorted within folders; duplicates dropped."""
    found = walk(paths, exclude, respect_gitignore)
    inputs = [Input(path, kind, False) for path, kind in zip(found.paths, found.kinds, strict=True)]
    for index in found.named:
        inputs[index] = Input(found.paths[index], found.kinds[index], True)
    return inputs
