"""`zwgk compile --jobs N`: the emitters side by side in forked children, and what that must never change.

With more than one job catalogue.xlsx and catalogue.sqlite are written by forked children while the compile
writes the rest; with one job everything runs in the one process, one step after another.  Either way the
outputs are the same bytes, a failed writer stops the compile and leaves the previous build, and a killed
compile leaves no writer behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from test_compile_support import AS_OF, item, mixed_district, output_bytes, write_district
from zwgk.compiler import compile as compile_module
from zwgk.compiler.compile import CompileError, compile_district
from zwgk.compiler.emit.graph_stream import write_graph_streamed
from zwgk.compiler.graph import write_compiled_graph


class _Recording(compile_module._Children):
    """The real children, remembering which outputs went to a child and how many threads the compile had
    when it forked (a fork beside a running thread can inherit its locks held)."""

    started: list[str] = []
    threads: list[int] = []

    def start(self, name: str, target: Any, *, timing: str) -> None:
        type(self).started.append(name)
        type(self).threads.append(threading.active_count())
        super().start(name, target, timing=timing)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    _Recording.started = []
    _Recording.threads = []
    monkeypatch.setattr(compile_module, "_Children", _Recording)
    return _Recording.started


def test_jobs_decide_who_writes_and_the_bytes_stay_the_same(tmp_path: Path, recording: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_district(tmp_path / "in", mixed_district())
    one = compile_district(tmp_path / "in", tmp_path / "j1", as_of=AS_OF, jobs=1)
    assert recording == []  # --jobs 1: no child at all
    assert "sqlite" in one.timings and "xlsx" in one.timings
    two = compile_district(tmp_path / "in", tmp_path / "j2", as_of=AS_OF, jobs=2)
    assert sorted(recording) == ["catalogue.sqlite", "catalogue.xlsx", "graph.json/graph.graphml"]
    assert _Recording.threads == [threading.active_count()] * 3  # the read pool and its threads are gone
    assert {"xlsx_child", "sqlite_child", "graph_child"} <= set(two.timings)
    # Above the fork limit (a city) the same compile writes everything in-process.
    recording.clear()
    monkeypatch.setattr(compile_module, "FORK_MAX_ITEMS", 3)
    compile_district(tmp_path / "in", tmp_path / "big", as_of=AS_OF, jobs=2)
    assert recording == []
    j1, j2, big = (output_bytes(tmp_path / name) for name in ("j1", "j2", "big"))
    assert set(j1) == set(compile_module.OUTPUTS) and j1 == j2 == big


@pytest.mark.parametrize(("writer", "how"), [("sqlite", "raises"), ("sqlite", "killed"), ("graph", "raises")])
def test_a_failed_writer_stops_the_compile_and_keeps_the_previous_build(writer: str, how: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write_district(tmp_path / "in", mixed_district())
    compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=2)
    before = output_bytes(tmp_path / "build")
    parent = os.getpid()

    def broken(*args: Any) -> None:
        assert os.getpid() != parent, "with --jobs 2 the writer runs in a child"
        if how == "killed":
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compile_module, "_emit_sqlite" if writer == "sqlite" else "write_graph_streamed", broken)
    with pytest.raises(CompileError) as err:
        compile_district(tmp_path / "in", tmp_path / "build", as_of="2021-01-01", jobs=2)
    name = "catalogue.sqlite" if writer == "sqlite" else "graph.json"
    assert name in err.value.zh and "原有构建未改动" in err.value.zh
    assert name in err.value.en and "untouched" in err.value.en
    if how == "killed":
        assert "SIGKILL" in err.value.zh and "内存不足" in err.value.zh
    else:
        assert "No space left on device" in err.value.zh
    assert output_bytes(tmp_path / "build") == before
    assert not list(tmp_path.glob(".build.staging-*"))


def test_a_failed_writer_ends_its_sibling_and_is_not_waited_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The xlsx child fails while the sqlite child is still writing: the compile stops at once, names the xlsx
    failure, ends the sqlite child and publishes nothing."""
    write_district(tmp_path / "in", mixed_district())
    pid_file = tmp_path / "sqlite-pid"

    def broken_xlsx(*args: Any) -> None:
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:  # fail once the sibling is writing
            time.sleep(0.01)
        raise ValueError("bad sheet")

    def slow_sqlite(c: Any, staging: Path) -> None:
        pid_file.write_text(str(os.getpid()))
        time.sleep(120)

    monkeypatch.setattr(compile_module, "_write_xlsx", broken_xlsx)
    monkeypatch.setattr(compile_module, "_emit_sqlite", slow_sqlite)
    started = time.monotonic()
    with pytest.raises(CompileError) as err:
        compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=2)
    assert time.monotonic() - started < 60
    assert "catalogue.xlsx" in err.value.zh and "bad sheet" in err.value.zh
    assert not _alive(int(pid_file.read_text()))
    assert not (tmp_path / "build" / "catalogue.json").exists()
    assert not list(tmp_path.glob(".build.staging-*"))


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, dead but not yet reaped, is not running)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            found += [int(c) for c in fh.read().split()]
    return found


_SLOW_SQLITE = """
import os, sys, time
from pathlib import Path
from zwgk.compiler import compile as m

def slow(c, staging):
    (staging.parent / "sqlite-pid").write_text(str(os.getpid()))
    time.sleep(120)  # a writer that would outlive the compile by far

m._emit_sqlite = slow
m.compile_district(Path(sys.argv[1]), Path(sys.argv[2]), as_of="2020-09-30", jobs=2)
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the children")
def test_a_killed_compile_leaves_no_writer_behind(tmp_path: Path) -> None:
    write_district(tmp_path / "in", mixed_district())
    pid_file = tmp_path / "sqlite-pid"
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SQLITE, str(tmp_path / "in"), str(tmp_path / "build")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pid_file.exists(), "the compile never started its sqlite writer"
        children = _children(proc.pid)
        sqlite_pid = int(pid_file.read_text())
        assert sqlite_pid in children
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [c for c in children if _alive(c)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_streamed_graph_is_the_fast_writers_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    district = mixed_district()
    sheet, items = district["区教育局"][0]
    items.append(item(80, "A & <B>", '"引号"', links=["https://www.shbsq.gov.cn/a?x=1&y=<2>"], domain=None))
    items.append(item(81, "集中购买", "政府集中购买项目的目录标准"))  # a fuzzy clause candidate (may_satisfy)
    write_district(tmp_path / "in", district)
    seen: list[compile_module.Compiled] = []
    real = compile_module._emit

    def keep(c: compile_module.Compiled, *args: Any) -> None:
        seen.append(c)
        real(c, *args)

    monkeypatch.setattr(compile_module, "_emit", keep)
    compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1)
    c = seen[0]
    out = tmp_path / "out"
    out.mkdir()
    write_compiled_graph(c, out / "a.json", out / "a.graphml")
    write_graph_streamed(c, out / "b.json", out / "b.graphml")
    assert (out / "a.json").read_bytes() == (out / "b.json").read_bytes() == (tmp_path / "build" / "graph.json").read_bytes()
    assert (out / "a.graphml").read_bytes() == (out / "b.graphml").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["a.graphml", "a.json", "b.graphml", "b.json"]  # no scratch left


def test_streamed_graph_removes_its_scratch_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_district(tmp_path / "in", mixed_district())
    seen: list[compile_module.Compiled] = []
    real = compile_module._emit

    def keep(c: compile_module.Compiled, *args: Any) -> None:
        seen.append(c)
        real(c, *args)

    monkeypatch.setattr(compile_module, "_emit", keep)
    compile_district(tmp_path / "in", tmp_path / "build", as_of=AS_OF, jobs=1)
    from zwgk.compiler.emit import graph_stream

    def failing(e: Any, signature: str) -> tuple[str, str, str, str]:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(graph_stream, "item_parts", failing)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError):
        write_graph_streamed(seen[0], out / "g.json", out / "g.graphml")
    assert list(out.iterdir()) == []


def test_read_ahead_keeps_a_few_chunks_in_flight_and_the_order(tmp_path: Path) -> None:
    """The workers never run more than two chunks a worker ahead of the compile (a slow consumer must not let a
    city's results pile up); tiny files travel together, big ones alone; results come back in file order."""
    import concurrent.futures as futures

    from zwgk.compiler.reader.limits import DEFAULT_LIMITS

    paths = []
    for n in range(40):
        p = tmp_path / f"{n:02d}.xlsx"
        p.write_bytes(b"x" * (100_000 if n % 10 == 0 else 10))
        paths.append(p)
    tasks = [compile_module._Task(str(p), p.name, None, None, DEFAULT_LIMITS, (), None) for p in paths]
    outstanding: list[futures.Future[list[str]]] = []
    peak = 0
    chunks: list[list[str]] = []

    class Pool:
        def submit(self, fn: Any, chunk: list[Any]) -> futures.Future[list[str]]:
            nonlocal peak
            chunks.append([t.shown for t in chunk])
            f: futures.Future[list[str]] = futures.Future()
            f.set_result([t.shown for t in chunk])
            outstanding.append(f)
            peak = max(peak, len(outstanding))
            return f

    got = []
    for name in compile_module._read_ahead(Pool(), 2, tasks):  # type: ignore[arg-type]
        # A chunk is consumed once its first result is taken: it is no longer ahead.
        while outstanding and name in outstanding[0].result():
            outstanding.pop(0)
        got.append(name)
    assert got == [p.name for p in paths]
    assert peak == 2 * 2 + 1  # two chunks a worker in flight, besides the one being handed out
    assert all(int(n[:2]) % 10 for c in chunks for n in c[:-1])  # a big file ends its chunk
    assert max(len(c) for c in chunks) > 1 and len(chunks) < len(paths)  # small files share chunks
