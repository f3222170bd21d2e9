"""`vault-tools watch` under fault: bursts, a long soak, a dying observer, a vanishing vault.

These tests use the helpers of ``tests/test_watch.py`` (``Running``, ``wait_for``,
``stays``, ``settle``): a Watcher runs ``run()`` in a background thread with a real
watchdog observer (inotify on Linux) and every expectation is polled with a deadline.
Where an observer has to fail, the test reaches it through the Watcher's
``observer_factory`` seam: the factory hands out real observers that the test stops, or
whose emitter it breaks, or ones that drop events on the way, or none at all.

The soak test runs for ``VAULT_TOOLS_SOAK_SECONDS`` seconds (15 by default, so that CI
stays fast); set it higher to soak for longer locally, for instance::

    VAULT_TOOLS_SOAK_SECONDS=600 python -m pytest tests/test_watch_faults.py -k soak
"""

from __future__ import annotations

import errno
import gc
import logging
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import contact, write_vault
from tests.test_watch import (
    DEADLINE,
    HOME,
    TODAY,
    Running,
    row_of,
    rows,
    set_status,
    settle,
    stays,
    wait_for,
)
from vault_tools.vault import Vault
from vault_tools.watch import MAX_RESTARTS, Observer, Watcher, WatchOptions, make_observer

SOAK_SECONDS = float(os.environ.get("VAULT_TOOLS_SOAK_SECONDS", "15"))

Start = Callable[..., Running]


@pytest.fixture
def watching() -> Iterator[Start]:
    """``watching(root, observer_factory=..., **options)`` starts a watcher over ``root``
    (whose Home.md has an empty contacts block); it is stopped after the test."""
    started: list[Running] = []

    def start(
        root: Path, observer_factory: Callable[[], Observer] | None = None, **options: object
    ) -> Running:
        running = Running(root, **options)
        if observer_factory is not None:
            running.watcher.observer_factory = observer_factory
        started.append(running)
        return running.start()

    yield start
    for running in started:
        running.watcher.stop.set()
    for running in started:
        running.thread.join(timeout=5)
        assert not running.thread.is_alive(), "run() did not return after stop"
        assert running.error is None, running.error


@pytest.fixture
def vault(make_vault: Callable[..., Path]) -> Path:
    return make_vault(
        {
            "Home.md": HOME,
            "contacts/Ann Lee.md": contact(status="contacted"),
            "contacts/Bo Kim.md": contact(status="thanked"),
            "contacts/Cy Dunn.md": contact(),
        }
    )


def returns(running: Running, code: int) -> None:
    """run() returns ``code`` within the deadline, without raising."""
    running.thread.join(timeout=DEADLINE)
    assert not running.thread.is_alive(), "run() did not return"
    assert running.error is None, running.error
    assert running.code == code, running.messages


def said(running: Running, text: str) -> bool:
    return any(text in message for message in running.messages)


# -- bursts ----------------------------------------------------------------------------------

BURST = r"""
import os, sys

root, old, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
note = "---\ntype: contact\nstatus: {}\nsource: friend\n---\n# Notes\n"
os.mkdir(os.path.join(root, "contacts", "new"))
for number in range(new):  # like a checkout: files written in place
    with open(os.path.join(root, "contacts", "new", f"New {number:04d}.md"), "w") as file:
        file.write(note.format("identified"))
for number in range(old):  # like a sync tool: a temporary file renamed over the note
    path = os.path.join(root, "contacts", f"Old {number:04d}.md")
    temporary = os.path.join(root, "contacts", f".syncthing.Old {number:04d}.md.tmp")
    with open(temporary, "w") as file:
        file.write(note.format("contacted"))
    os.replace(temporary, path)
"""


def test_burst_of_5000_changes_takes_a_handful_of_rounds(
    watching: Start, make_vault: Callable[..., Path]
) -> None:
    """3,000 notes created and 2,000 replaced by another process, as fast as it can."""
    old = [f"Old {number:04d}" for number in range(2000)]
    new = [f"New {number:04d}" for number in range(3000)]
    root = make_vault({"Home.md": HOME, **{f"contacts/{name}.md": contact() for name in old}})
    running = watching(root, debounce=0.2, max_wait=2.0)  # the command's defaults
    rounds = running.watcher.rounds
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", BURST, str(root), "2000", "3000"], check=True, timeout=60)
    written = time.monotonic() - started

    def done() -> bool:  # cheap enough to poll every 20 ms next to the watcher
        home = (root / "Home.md").read_bytes()
        return home.count(b"\n| [[") == 5000 and home.count(b"| contacted |") == 2000

    wait_for(done, "the 5,000 rows", timeout=60)
    took = time.monotonic() - started
    expected = {f"changed contacts/new/{name}.md" for name in new} | {
        f"changed contacts/{name}.md" for name in old
    }
    # A round writes the blocks, then lints, then reports.
    wait_for(lambda: expected <= set(running.lines), "the report of every note", timeout=30)
    settle(lambda: running.watcher.rounds)  # late events of files already read

    assert rows(root) == sorted([*new, *old])
    text = (root / "Home.md").read_text(encoding="utf-8")
    assert text.count("| contacted |") == 2000  # every replaced note's new content
    assert text.count("| identified |") == 3000
    changed = {line for line in running.lines if line.startswith("changed contacts/")}
    assert changed == expected  # every note, and none of the temporary files
    # Should the kernel's event queue overflow on a slow machine, the watcher says so
    # and re-reads the vault (test_events_dropped_by_the_system_are_made_up_for).
    assert all("dropped file events" in message for message in running.messages)
    # While events keep coming, a round starts at most every max_wait (2 s); only a pause
    # of debounce (0.2 s) in the stream starts one sooner. The writer takes 1 to 7 s here
    # (2 or 3 rounds): 10 allows a stream of 16 s. One round per file would be 5,000.
    burst_rounds = running.watcher.rounds - rounds
    assert 1 <= burst_rounds <= 10, (
        f"{burst_rounds} rounds; written in {written:.1f} s, indexed in {took:.1f} s"
    )


# -- a long run ------------------------------------------------------------------------------

STATUSES = ("identified", "contacted", "scheduled", "interviewed", "thanked")
KEEPERS = [f"Keeper {number:02d}" for number in range(20)]


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def resident_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@dataclass(frozen=True)
class Sample:
    blocks: int
    """Memory blocks allocated since tracemalloc started and still alive."""
    traced: int
    """Their bytes: a one-off step (a table doubling) can be a few MiB."""
    resident: int
    files: int
    threads: int


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc (Linux)")
def test_soak_edit_rename_delete_cycles_stay_flat(
    watching: Start, make_vault: Callable[..., Path]
) -> None:
    """Cycles of create, edit, rename and delete of a new note, a move of a note between
    folders and an edit of one of 20 kept contacts, for SOAK_SECONDS (at least 9 batches
    of 100 cycles). After each batch the test waits until the index shows the batch's
    marker. Memory (blocks traced since the start), open files, threads and resident
    size are sampled with the watcher idle after a third of the time and at the end."""
    root = make_vault(
        {
            "Home.md": HOME,
            **{f"contacts/{name}.md": contact() for name in KEEPERS},
            "contacts/Marker.md": contact(organization="Batch0"),
            "contacts/a/Rover.md": contact(),
        }
    )
    soak = root / "contacts" / "soak"
    soak.mkdir()
    rover = [root / "contacts" / "a" / "Rover.md", root / "contacts" / "b" / "Rover.md"]
    rover[1].parent.mkdir()
    running = watching(root)
    recent: deque[str] = deque(maxlen=100)  # the report, without growing with the test
    reported = [0]

    def report(line: str) -> None:
        recent.append(line)
        reported[0] += 1

    running.watcher.report = report
    statuses = dict.fromkeys(KEEPERS, "identified")
    cycles = batches = 0

    def batch(size: int = 100) -> None:
        nonlocal cycles, batches
        for _ in range(size):
            temporary = soak / f"Temp {cycles}.md"  # new paths: nothing kept per path
            temporary.write_text(contact(), encoding="utf-8")
            temporary.write_text(contact(status="contacted"), encoding="utf-8")
            moved = soak / f"Temp {cycles} moved.md"
            os.rename(temporary, moved)
            moved.unlink()
            os.rename(rover[cycles % 2], rover[(cycles + 1) % 2])
            keeper = KEEPERS[cycles % len(KEEPERS)]
            statuses[keeper] = STATUSES[(cycles // len(KEEPERS)) % len(STATUSES)]
            (root / "contacts" / f"{keeper}.md").write_text(
                contact(status=statuses[keeper]), encoding="utf-8"
            )
            cycles += 1
        batches += 1
        marker = f"Batch{batches}"
        (root / "contacts" / "Marker.md").write_text(contact(organization=marker), "utf-8")
        wait_for(lambda: f"| {marker} |" in (row_of(root, "Marker") or ""), marker)

    def sample() -> Sample:
        """The smallest of three readings with the watcher idle (a round reports last):
        a late event may start a round just as the reading is taken."""
        readings = []
        for _ in range(3):
            settle(lambda: (running.watcher.rounds, reported[0]))
            gc.collect()
            blocks = traced = 0
            if tracemalloc.is_tracing():
                statistics = tracemalloc.take_snapshot().statistics("filename")
                blocks = sum(statistic.count for statistic in statistics)
                traced = tracemalloc.get_traced_memory()[0]
            readings.append(
                Sample(blocks, traced, resident_kib(), open_files(), threading.active_count())
            )
        return min(readings, key=lambda reading: reading.blocks)

    started = time.monotonic()
    tracing = tracemalloc.is_tracing()  # PYTHONTRACEMALLOC=1: counted from an earlier start
    tracemalloc.start()  # what is allocated from now on and stays allocated
    try:
        while time.monotonic() - started < SOAK_SECONDS / 3 or batches < 5:  # warm up
            batch()
        warm, warm_cycles = sample(), cycles
        while time.monotonic() - started < SOAK_SECONDS * 2 / 3 or batches < 7:
            batch()
        middle, middle_cycles = sample(), cycles
        while time.monotonic() - started < SOAK_SECONDS or batches < 9:
            batch()
        after = sample()
    finally:
        if not tracing:
            tracemalloc.stop()
    report_line = (
        f"{cycles} cycles in {batches} batches, {running.watcher.rounds} rounds; "
        f"at {warm_cycles}, {middle_cycles} and {cycles} cycles: "
        f"{warm.blocks}, {middle.blocks}, {after.blocks} blocks, "
        f"{warm.traced // 1024}, {middle.traced // 1024}, {after.traced // 1024} KiB traced, "
        f"{warm.resident} -> {after.resident} KiB resident, "
        f"{warm.files} -> {after.files} open files, {warm.threads} -> {after.threads} threads"
    )
    print(report_line)

    def grew(before: Sample, later: Sample, cycles: int) -> bool:
        # Anything kept per cycle (an event, a path, a Round, a diagnostic) is at least one
        # block per cycle. What a run keeps alive is replaced, not added to; a few hundred
        # blocks come and go (the test's own, what the notes hold at that moment).
        return later.blocks - before.blocks >= max(400, cycles // 2)

    # A leak grows in both halves; a cache reaching its size, or a table that grows by
    # doubling, steps up once.
    halves = [(warm, middle, middle_cycles - warm_cycles), (middle, after, cycles - middle_cycles)]
    assert not all(grew(*half) for half in halves), report_line
    assert after.traced - warm.traced < 8 * 1024 * 1024, report_line
    assert after.resident - warm.resident < 32 * 1024, report_line  # allocator slack
    assert after.files <= warm.files + 2, report_line
    assert after.threads == warm.threads, report_line
    assert running.messages == [], report_line
    assert rows(root) == sorted([*KEEPERS, "Marker", "Rover"]), report_line
    for keeper, status in statuses.items():
        assert f"| {status} |" in (row_of(root, keeper) or ""), keeper
    assert not [note for note in running.watcher.vault.notes if "/soak/" in note]
    assert [note for note in running.watcher.vault.notes if note.endswith("/Rover")] == [
        rover[cycles % 2].relative_to(root).with_suffix("").as_posix()
    ]


# -- the observer failing ----------------------------------------------------------------------


class Observers:
    """An ``observer_factory`` handing out real observers and keeping them for the test.

    After the first, each call waits for ``allow`` and fails with ``error`` when set."""

    def __init__(self) -> None:
        self.made: list[Any] = []  # watchdog observers: their emitters are not in Observer
        self.allow = threading.Event()
        self.allow.set()
        self.error: OSError | None = None

    def __call__(self) -> Observer:
        if self.made:
            assert self.allow.wait(DEADLINE), "the test never allowed the restart"
            if self.error is not None:
                raise self.error
        observer = make_observer()
        self.made.append(observer)
        return observer


def kill(observer: Observer) -> None:
    observer.stop()
    observer.join(timeout=DEADLINE)
    assert not observer.is_alive()


def test_dead_observer_is_replaced_and_what_it_missed_is_read(watching: Start, vault: Path) -> None:
    observers = Observers()
    running = watching(vault, observer_factory=observers)
    observers.allow.clear()  # the restart waits until the changes below are made
    kill(observers.made[0])
    wait_for(lambda: said(running, "the file observer stopped unexpectedly"), "the message")
    assert running.thread.is_alive()
    # No observer is running: nothing reports these changes.
    set_status(vault, "Ann Lee", "contacted", "declined")
    (vault / "contacts" / "Bo Kim.md").unlink()
    (vault / "contacts" / "Di Ng.md").write_text(contact(), encoding="utf-8")
    before = len(running.lines)
    observers.allow.set()

    wait_for(lambda: rows(vault) == ["Ann Lee", "Cy Dunn", "Di Ng"], "the rows re-read")
    wait_for(lambda: "| declined |" in (row_of(vault, "Ann Lee") or ""), "Ann's new status")
    wait_for(lambda: "updated Home.md" in running.lines[before:], "the round's report")
    changed = {line for line in running.lines[before:] if line.startswith("changed ")}
    assert changed == {  # what really changed, not every file re-read
        "changed contacts/Ann Lee.md",
        "changed contacts/Bo Kim.md",
        "changed contacts/Di Ng.md",
    }
    assert running.watcher.restarts == 1
    assert len(observers.made) == 2
    assert observers.made[1].is_alive()
    set_status(vault, "Cy Dunn", "identified", "scheduled")  # the new observer works
    wait_for(lambda: "| scheduled |" in (row_of(vault, "Cy Dunn") or ""), "Cy's new status")
    assert running.messages == [
        f"{vault}: the file observer stopped unexpectedly; "
        "starting a new one and re-reading the vault"
    ]


def test_emitter_that_raises_is_noticed_and_replaced(
    watching: Start, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    observers = Observers()
    running = watching(vault, observer_factory=observers)
    raised: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    [emitter] = observers.made[0].emitters

    def broken(timeout: float) -> None:
        raise RuntimeError("the emitter broke")

    emitter.queue_events = broken  # next time round its loop, once this event is read
    set_status(vault, "Ann Lee", "contacted", "declined")
    wait_for(lambda: raised, "the emitter's exception")
    assert str(raised[0]) == "the emitter broke"
    wait_for(lambda: running.watcher.restarts == 1, "the restart")
    assert said(running, "the file observer stopped unexpectedly")
    wait_for(lambda: "| declined |" in (row_of(vault, "Ann Lee") or ""), "Ann's new status")
    set_status(vault, "Cy Dunn", "identified", "scheduled")  # the new observer works
    wait_for(lambda: "| scheduled |" in (row_of(vault, "Cy Dunn") or ""), "Cy's new status")


def test_observer_that_cannot_be_restarted_ends_run_with_1(watching: Start, vault: Path) -> None:
    observers = Observers()
    observers.error = OSError(errno.ENOSPC, "inotify watch limit reached")
    running = watching(vault, observer_factory=observers)
    kill(observers.made[0])
    returns(running, 1)
    assert running.messages == [
        f"{vault}: the file observer stopped unexpectedly; "
        "starting a new one and re-reading the vault",
        f"{vault}: cannot watch the vault folder: [Errno 28] inotify watch limit reached "
        "(try polling: `vault-tools watch --poll`)",
    ]


class Stillborn:
    """An observer whose thread has ended as soon as it started."""

    def schedule(self, event_handler: Any, path: str, **options: Any) -> object:
        return None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> None:
        pass

    def is_alive(self) -> bool:
        return False


def test_observers_that_keep_dying_end_run_with_1(watching: Start, vault: Path) -> None:
    first = make_observer()
    made: list[Observer] = []

    def factory() -> Observer:
        made.append(first if not made else Stillborn())
        return made[-1]

    running = watching(vault, observer_factory=factory)
    kill(first)
    returns(running, 1)
    assert running.watcher.restarts == MAX_RESTARTS
    assert len(made) == 1 + MAX_RESTARTS
    assert running.messages[:-1] == MAX_RESTARTS * [
        f"{vault}: the file observer stopped unexpectedly; "
        "starting a new one and re-reading the vault"
    ]
    assert running.messages[-1] == (
        f"{vault}: the file observer stopped {MAX_RESTARTS + 1} times in 60 s; "
        "giving up, changes are no longer seen"
    )


class Leaky:
    """A real observer whose events are dropped on the way while ``dropping`` is set,
    as the kernel drops them when its queue overflows."""

    def __init__(self) -> None:
        self.inner = make_observer()
        self.dropping = threading.Event()
        self.dropped: list[str] = []

    def schedule(self, event_handler: Any, path: str, **options: Any) -> object:
        leaky = self

        class Gate:
            def dispatch(self, event: Any) -> None:
                if leaky.dropping.is_set():
                    leaky.dropped.append(os.fsdecode(event.src_path))
                else:
                    event_handler.dispatch(event)

        return self.inner.schedule(Gate(), path, **options)

    def start(self) -> None:
        self.inner.start()

    def stop(self) -> None:
        self.inner.stop()

    def join(self, timeout: float | None = None) -> None:
        self.inner.join(timeout)

    def is_alive(self) -> bool:
        return self.inner.is_alive()


def test_events_dropped_by_the_system_are_made_up_for(watching: Start, vault: Path) -> None:
    leaky = Leaky()
    running = watching(vault, observer_factory=lambda: leaky)
    leaky.dropping.set()
    set_status(vault, "Ann Lee", "contacted", "declined")
    ann = str(vault / "contacts" / "Ann Lee.md")
    wait_for(lambda: ann in leaky.dropped, "the event to be dropped")
    stays(lambda: "| contacted |" in (row_of(vault, "Ann Lee") or ""), "the row, unaware")
    leaky.dropping.clear()
    # What watchdog's inotify backend logs when the kernel's queue overflows.
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost"
    )
    wait_for(lambda: "| declined |" in (row_of(vault, "Ann Lee") or ""), "Ann's new status")
    wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "the round's report")
    assert running.messages == [
        f"{vault}: the system dropped file events (too many at once); re-reading the vault"
    ]


# -- the vault folder and the index note ---------------------------------------------------------


def test_vault_folder_renamed_makes_run_return_1(watching: Start, vault: Path) -> None:
    running = watching(vault)
    os.rename(vault, vault.parent / "renamed")
    returns(running, 1)
    assert running.messages == [
        f"{vault}: the vault folder is gone (removed, renamed or moved); stopping"
    ]


def test_vault_folder_replaced_by_another_makes_run_return_1(watching: Start, vault: Path) -> None:
    running = watching(vault)
    other = write_vault(vault.parent / "other", {"Home.md": HOME})
    os.rename(vault, vault.parent / "old")
    os.rename(other, vault)  # as a sync tool swaps a folder: the path is back at once
    returns(running, 1)
    # The watcher may look between the two renames (a few microseconds): then it says
    # the folder is gone, which is also true; either way it stops.
    [message] = running.messages
    assert message in (
        f"{vault}: the vault folder was replaced by another folder (renamed or moved); stopping",
        f"{vault}: the vault folder is gone (removed, renamed or moved); stopping",
    )


def test_index_note_deleted_then_restored(watching: Start, vault: Path) -> None:
    running = watching(vault)
    home = vault / "Home.md"
    saved = home.read_bytes()  # the watcher's own last write
    home.unlink()
    wait_for(lambda: "changed Home.md" in running.lines, "the deletion's round")
    assert "Home" not in running.watcher.vault.notes
    set_status(vault, "Ann Lee", "contacted", "declined")  # no index note to update
    wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "Ann's round")
    stays(lambda: not home.exists(), "no Home.md made up")
    assert running.thread.is_alive()

    home.write_bytes(saved)  # restored as it was: the old row for Ann
    wait_for(lambda: "| declined |" in (row_of(vault, "Ann Lee") or ""), "the block regenerated")
    assert rows(vault) == ["Ann Lee", "Bo Kim", "Cy Dunn"]
    assert running.messages == []


def test_lint_gives_way_to_newer_changes_and_is_owed(make_vault) -> None:
    """In a large vault a lint takes seconds: when changes are waiting, a round reports
    its blocks, leaves the lint to the round those changes start, and that round lints."""
    root = make_vault({"Home.md": HOME, "contacts/Ann Lee.md": contact()})
    lines: list[str] = []
    watcher = Watcher(
        Vault.load(root),
        WatchOptions(today=TODAY),
        report=lines.append,
        message=lines.append,
    )
    note = root / "contacts" / "Ann Lee.md"
    note.write_text(contact(status="nonsense"), encoding="utf-8")
    watcher.recorder.wake.set()  # as the observer does when another save arrives
    first = watcher.process({str(note)})
    assert first.changed == {"contacts/Ann Lee.md"} and first.written == ["Home.md"]
    assert not first.linted and first.new == []
    assert not any(line.startswith("new:") for line in lines)

    watcher.recorder.wake.clear()
    owed = watcher.process(set())  # e.g. only the watcher's own write came in
    assert owed.linted
    assert [item.rule for item in owed.new] == ["invalid-field-value"]
    assert any(line.startswith("new: contacts/Ann Lee.md") for line in lines)


def test_an_owed_lint_is_paid_by_a_round_that_changes_nothing(make_vault) -> None:
    """A round whose paths change nothing (a `.DS_Store`, a file that came and went) still
    pays a lint that an earlier round left owed."""
    root = make_vault({"Home.md": HOME, "contacts/Ann Lee.md": contact()})
    watcher = Watcher(Vault.load(root), WatchOptions(today=TODAY), lambda _: None, print)
    note = root / "contacts" / "Ann Lee.md"
    note.write_text(contact(status="nonsense"), encoding="utf-8")
    watcher.recorder.wake.set()
    assert not watcher.process({str(note)}).linted
    watcher.recorder.wake.clear()
    (root / ".DS_Store").write_bytes(b"\0")
    owed = watcher.process({str(root / ".DS_Store")})
    assert owed.linted and [item.rule for item in owed.new] == ["invalid-field-value"]
