"""Reader processes (engine.read_all): the default decided by measurement (bench/README.md), --jobs capped at
the number of cores, and the same results with and without a pool."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from conftest import FIXTURES

from linter import engine
from linter.read.base import ReadOptions
from linter.settings import Settings


class PoolSpy:
    """Records how many processes each pool would have, and reads serially instead of forking."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def __call__(self, processes: int) -> Any:
        self.sizes.append(processes)

        class SerialPool:
            def __enter__(self) -> SerialPool:
                return self

            def __exit__(self, *exc: object) -> None:
                return None

            def map(self, function: Any, chunks: list[Any]) -> list[Any]:
                return [function(chunk) for chunk in chunks]

        return SerialPool()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> PoolSpy:
    """Pools are recorded, not started, and reading a file just returns its name (only the split matters)."""
    found = PoolSpy()
    for method in ("fork", "spawn"):
        monkeypatch.setattr(multiprocessing.get_context(method), "Pool", found)
    monkeypatch.setattr(engine, "read_file", lambda item, options, debug: item)
    return found


OPTIONS = ReadOptions(tables=frozenset())


@pytest.mark.parametrize(
    ("cores", "files", "pool"),
    [
        (1, engine.PARALLEL_MIN_FILES * 10, None),  # one core: never a pool
        (2, engine.PARALLEL_MIN_FILES // 2, None),  # 2 cores: --jobs 2 was no faster at 2,640 files
        (2, engine.PARALLEL_MIN_FILES * 4, 2),  # ... and 27% faster at 20,000
        (engine.PARALLEL_MIN_CORES, engine.PARALLEL_MIN_FILES - 1, None),
        (engine.PARALLEL_MIN_CORES, engine.PARALLEL_MIN_FILES, engine.PARALLEL_MIN_CORES),
        (16, engine.PARALLEL_MIN_FILES, 4),
    ],
)
def test_default_pool_needs_cores_and_files(
    cores: int, files: int, pool: int | None, spy: PoolSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.os, "cpu_count", lambda: cores)
    items: list[Any] = [f"file{index}.xml" for index in range(files)]
    assert engine.read_all(items, OPTIONS) == items  # every file read once, in order
    assert spy.sizes == ([] if pool is None else [pool])


@pytest.mark.parametrize(("jobs", "cores", "pool"), [(1000, 2, 2), (3, 8, 3), (1, 8, None)])
def test_jobs_is_capped_at_the_cores(
    jobs: int, cores: int, pool: int | None, spy: PoolSpy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 7: `jobs: 1000` used to fork 1000 processes."""
    monkeypatch.setattr(engine.os, "cpu_count", lambda: cores)
    items: list[Any] = [f"file{index}.xml" for index in range(10)]
    assert engine.read_all(items, OPTIONS, jobs=jobs) == items
    assert spy.sizes == ([] if pool is None else [pool])


def test_a_real_pool_finds_what_one_process_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)  # a pool of two even on a one-core runner
    folder = FIXTURES  # every fixture: findings from many files
    serial = engine.run([str(folder)], Settings(jobs=1), use_context=False)
    pooled = engine.run([str(folder)], Settings(jobs=2), use_context=False)
    assert serial.findings and serial.files > 1
    assert [(f.rule, f.position, f.message) for f in pooled.findings] == [
        (f.rule, f.position, f.message) for f in serial.findings
    ]
