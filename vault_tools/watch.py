"""Keep generated blocks current while the vault is edited.

The watchdog callback only records which paths changed and wakes the main loop.
The loop waits for a quiet moment (or at most ``max_wait`` under a constant stream
of events), re-reads the changed files whatever the event claimed (editors save by
rewriting, by renaming a temporary file, or by deleting and creating), regenerates
the blocks whose content changes and reports what changed. Files it wrote itself are
recognized by their bytes, so its own writes never start another round.

The loop also keeps an eye on what it depends on. If the vault folder is removed,
renamed or replaced by another folder, it says so and returns 1. If the observer (or
one of its emitter threads) dies, it says so, starts a new one and re-reads the whole
vault, since events may have been lost in between; if no observer can be started, or
they keep dying, it says so and returns 1. It never goes on deaf and silent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import gc
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vault_tools.collector import freeze_after_pauses
from vault_tools.model import Diagnostic
from vault_tools.vault import Vault

if TYPE_CHECKING:
    from vault_tools.index import RenderCache

# Editor droppings and tools' temporary files: never notes, never worth a round.
IGNORED_NAMES = ("*.swp", "*.swx", "*.swo", "*~", ".#*", "4913", "*.tmp", ".~lock.*", "*.vtmp")
IGNORED_FOLDERS = (".obsidian", ".git", ".trash")

CHECK_EVERY = 0.25
"""Seconds between checks of the vault folder and the observer while nothing happens."""
MAX_RESTARTS = 3
RESTART_WINDOW = 60.0
"""More than MAX_RESTARTS observer failures within RESTART_WINDOW seconds: give up."""


@dataclass
class WatchOptions:
    poll: bool = False
    debounce: float = 0.2
    """Seconds without events before a round starts."""
    max_wait: float = 2.0
    """Seconds after the first event at which a round starts even if events keep coming."""
    lint: bool = True
    today: dt.date | None = None


@dataclass
class Round:
    """What one round did, for reporting and for tests."""

    changed: set[str] = field(default_factory=set)
    written: list[str] = field(default_factory=list)
    new: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    linted: bool = False
    """False when lint did not run, or gave way to newer changes (a later round lints)."""


class Observer(Protocol):
    """What the Watcher needs of a watchdog observer (a seam for tests and other backends)."""

    def schedule(
        self,
        event_handler: Any,
        path: str,
        *,
        recursive: bool = False,
        event_filter: list[type[Any]] | None = None,
    ) -> object: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


def make_observer(poll: bool = False) -> Observer:
    """A watchdog observer: the platform's native one, or one that polls."""
    if poll:
        from watchdog.observers.polling import PollingObserver

        return PollingObserver(timeout=0.5)
    from watchdog.observers import Observer as NativeObserver

    return NativeObserver()


def is_running(observer: Observer) -> bool:
    """The observer's thread and every emitter thread it started are alive.

    An emitter that raised has died while its observer lives on: nothing would ever
    be reported again, so that counts as a failure too.
    """
    if not observer.is_alive():
        return False
    try:
        emitters = list(getattr(observer, "emitters", ()))
    except RuntimeError:  # the set changed while copied: the observer is being stopped
        return False
    return all(emitter.is_alive() for emitter in emitters)


class ChangeRecorder:
    """The watchdog handler: remembers changed paths and wakes the loop. Nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = os.path.join(str(root), "")
        """Watchdog reports paths below the path it watches: their relative part is a slice."""
        self.wake = threading.Event()
        self._paths: set[str] = set()
        self._lost = False
        self._lock = threading.Lock()

    def dispatch(self, event: Any) -> None:
        paths = [event.src_path, getattr(event, "dest_path", "")]
        relevant = [os.fsdecode(path) for path in paths if path]
        relevant = [path for path in relevant if not self._is_ignored(path)]
        if not relevant:
            return
        with self._lock:
            self._paths.update(relevant)
        self.wake.set()

    def events_lost(self) -> None:
        """The system dropped events (its queue overflowed): the next round must re-read all."""
        with self._lock:
            self._lost = True
        self.wake.set()

    def drain(self) -> set[str]:
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths

    def drain_lost(self) -> bool:
        """Whether events were lost since the last call."""
        with self._lock:
            lost, self._lost = self._lost, False
        return lost

    def _is_ignored(self, path: str) -> bool:
        # No resolving of symlinks here: this runs for each of thousands of events.
        if path.startswith(self._prefix):
            return _ignored_parts(tuple(path[len(self._prefix) :].split(os.sep)))
        return is_ignored(self.root, path)


class _OverflowListener(logging.Handler):
    """Hears watchdog say that the kernel's event queue overflowed.

    watchdog's inotify backend recovers its own watches after an overflow but tells
    handlers nothing; its warning in the log is the only sign that events were lost.
    """

    def __init__(self, recorder: ChangeRecorder) -> None:
        super().__init__(logging.WARNING)
        self.recorder = recorder

    def emit(self, record: logging.LogRecord) -> None:
        if "queue overflow" in str(record.msg).lower():
            self.recorder.events_lost()


def is_ignored(root: Path, path: str) -> bool:
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path)
    return _ignored_parts(relative.parts)


def _ignored_parts(parts: tuple[str, ...]) -> bool:
    if any(part in IGNORED_FOLDERS for part in parts[:-1]) or (
        parts and parts[0] in IGNORED_FOLDERS
    ):
        return True
    name = parts[-1] if parts else ""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in IGNORED_NAMES)


class Watcher:
    """Runs the watch loop over one vault. ``report`` receives one line per change."""

    def __init__(
        self,
        vault: Vault,
        options: WatchOptions,
        report: Callable[[str], None],
        message: Callable[[str], None],
        observer_factory: Callable[[], Observer] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> None:
        """``observer_factory`` makes each observer (the first one, and any restarted one);
        by default ``make_observer(options.poll)``. ``ready`` is called once the first
        observer runs: from then on no save is missed."""
        self.vault = vault
        self.root = vault.root
        self.options = options
        self.report = report
        self.message = message
        self.stop = threading.Event()
        self.recorder = ChangeRecorder(self.root)
        self.observer_factory = observer_factory or (lambda: make_observer(options.poll))
        self.ready = ready
        self.rounds = 0
        self.writes = 0
        self.restarts = 0
        self._failures: list[float] = []
        self._own_writes: dict[str, bytes] = {}
        """The bytes the watcher last wrote to each note (compared, not hashed: the note of a
        large vault's views holds megabytes)."""
        self._unread: set[str] = set()
        """Notes the watcher wrote and the vault has not read again (see ``_regenerate``)."""
        self._diagnostics: set[Diagnostic] = set()
        self._lint_pending = False
        """A lint gave way to newer changes and is still owed."""
        self._render_cache: RenderCache | None = None
        # Rounds run for hours: after the first, what each lint round leaves alive must
        # stay in the collector's sight (see _first_round for the one freeze).
        freeze_after_pauses(False)

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> int:
        """Watch until ``stop`` is set (0), or until the vault folder is gone or no
        observer can be kept running (1, after a message saying why)."""
        identity = _identity(self.root)
        if identity is None:
            self.message(f"{self.root}: the vault folder is gone (removed, renamed or moved)")
            return 1
        overflow = _OverflowListener(self.recorder)
        watchdog_log = logging.getLogger("watchdog.observers")
        watchdog_log.addHandler(overflow)
        observer: Observer | None = None
        try:
            # Watch first: a save made while the first round runs is then not missed.
            observer = self._start_observer()
            if observer is None:
                return 1
            if self.ready is not None:
                self.ready()
            self._read_what_changed_while_loading()
            self._first_round()
            while not self.stop.is_set():
                problem = self._folder_problem(identity)
                if problem:
                    self.message(f"{self.root}: {problem}; stopping")
                    return 1
                if not is_running(observer):
                    observer = self._restart(observer, identity)
                    if observer is None:
                        return 1
                    continue
                if not self.recorder.wake.wait(timeout=CHECK_EVERY):
                    self._lint_round(Round())  # a quiet moment: pay a lint that is owed
                    continue
                self._settle()
                if self.stop.is_set():
                    break
                paths = self.recorder.drain()
                if self.recorder.drain_lost():
                    self.message(
                        f"{self.root}: the system dropped file events (too many at once); "
                        "re-reading the vault"
                    )
                    self.rescan()
                else:
                    self.process(paths)
        finally:
            if observer is not None:
                _stop_observer(observer)
            watchdog_log.removeHandler(overflow)
        return 0

    def _start_observer(self) -> Observer | None:
        """A started observer reporting to the recorder; None (and a message) if none starts."""
        observer = None
        try:
            observer = self.observer_factory()
            observer.schedule(
                _Handler(self.recorder), str(self.root), recursive=True, event_filter=_event_types()
            )
            observer.start()
        except (OSError, RuntimeError) as error:  # inotify limits, a broken backend
            if observer is not None:
                _stop_observer(observer)  # the threads it did start
            hint = "" if self.options.poll else " (try polling: `vault-tools watch --poll`)"
            self.message(f"{self.root}: cannot watch the vault folder: {error}{hint}")
            return None
        return observer

    def _restart(self, failed: Observer, identity: tuple[int, int]) -> Observer | None:
        """Stop an observer that died and start a new one, then re-read everything the
        old one may have missed. None (after a message) when the watch cannot go on."""
        _stop_observer(failed)
        problem = self._folder_problem(identity)
        if problem:  # the observer died because the folder went away
            self.message(f"{self.root}: {problem}; stopping")
            return None
        now = time.monotonic()
        self._failures = [when for when in self._failures if now - when < RESTART_WINDOW]
        self._failures.append(now)
        if len(self._failures) > MAX_RESTARTS:
            self.message(
                f"{self.root}: the file observer stopped {len(self._failures)} times in "
                f"{RESTART_WINDOW:.0f} s; giving up, changes are no longer seen"
            )
            return None
        self.message(
            f"{self.root}: the file observer stopped unexpectedly; "
            "starting a new one and re-reading the vault"
        )
        observer = self._start_observer()
        if observer is None:
            return None
        self.restarts += 1
        self.rescan()
        return observer

    def _folder_problem(self, identity: tuple[int, int]) -> str | None:
        """Why the vault folder cannot be watched any more, if it cannot."""
        current = _identity(self.root)
        if current is None:
            return "the vault folder is gone (removed, renamed or moved)"
        if current != identity:
            return "the vault folder was replaced by another folder (renamed or moved)"
        return None

    def _settle(self) -> None:
        """Wait until events pause for ``debounce`` seconds, or ``max_wait`` has passed."""
        started = time.monotonic()
        while not self.stop.is_set():
            self.recorder.wake.clear()
            remaining = self.options.max_wait - (time.monotonic() - started)
            if remaining <= 0:
                return
            if not self.recorder.wake.wait(timeout=min(self.options.debounce, remaining)):
                return

    def _read_what_changed_while_loading(self) -> None:
        """Read again the files saved while the vault was being read, before the observer
        ran (seconds, in a large vault): no event will ever tell of those saves."""
        started = self.vault.read_started
        if started is None:
            return
        since = (started - 1.0) * 1e9  # a second's margin for coarse file times
        listing = Vault(self.root, self.vault.config, follow_symlinks=self.vault.follow_symlinks)
        on_disk: set[str] = set()
        changed: set[str] = set()
        for relative, stamp in listing.walk_files():
            on_disk.add(relative)
            # The status change time too: a copy or a sync may set the modification time back.
            if stamp is not None and max(stamp[1], stamp[2]) < since:
                continue  # else changed, or gone since the listing: read again
            changed.add(relative)
        known = {note.path for note in self.vault.notes.values()} | self.vault.attachments
        changed |= on_disk ^ known  # files that appeared or went meanwhile
        if changed:
            try:
                self.vault.update(changed)
            except OSError as error:
                self.message(f"could not re-read the vault: {error}")

    def _first_round(self) -> None:
        if self.options.lint:
            self._diagnostics = set(self._lint())
        first = Round()
        self._regenerate(first)
        self._report(first)
        # The vault just read will mostly stay: keep the cycle collector from walking all
        # of it again on every round (a full collection took 0.4 s at 20,000 notes).
        gc.freeze()

    # -- one round ------------------------------------------------------------------------

    def process(self, paths: set[str]) -> Round:
        """Re-read ``paths``, regenerate blocks, report; returns what the round did."""
        result = Round()
        fresh = {path for path in paths if not self._is_own_write(path)}
        if not fresh:
            self._lint_round(result)  # a lint owed by a round that gave way
            return result
        self.rounds += 1
        try:
            result.changed = self.vault.update(self._expand(fresh))
        except OSError as error:
            self.message(f"could not re-read the vault: {error}")
            return result
        self._unread -= result.changed
        if result.changed:
            self._finish(result)
        else:
            self._lint_round(result)
        return result

    def rescan(self) -> Round:
        """Re-read every file of the vault (events may have been lost), then run a round
        that reports the notes that really changed."""
        result = Round()
        self.rounds += 1
        self._catch_up()  # else the notes the watcher wrote would look changed
        notes = dict(self.vault.notes)
        attachments = set(self.vault.attachments)
        problems = {path: list(found) for path, found in self.vault.read_diagnostics.items()}
        try:
            on_disk = {relative for relative, _ in self.vault.walk_files()}
            known = {note.path for note in notes.values()} | attachments | set(problems)
            touched = self.vault.update(on_disk | known)
        except OSError as error:
            self.message(f"could not re-read the vault: {error}")
            return result
        for path in touched:
            if path.lower().endswith(".md"):
                same = notes.get(path[:-3]) == self.vault.notes.get(path[:-3])
            else:
                same = (path in attachments) == (path in self.vault.attachments)
            if not same or problems.get(path, []) != self.vault.read_diagnostics.get(path, []):
                result.changed.add(path)
        self._finish(result)
        return result

    def _finish(self, result: Round) -> None:
        """Regenerate the blocks and report them, then lint, after the vault was updated."""
        self._regenerate(result)
        self._report(result)
        self._lint_pending = self.options.lint
        self._lint_round(result)

    def _lint_round(self, result: Round) -> None:
        """Lint and report what is new and fixed, unless newer changes are waiting: in a
        large vault a lint takes seconds, and the blocks of the next save come first."""
        if not self._lint_pending:
            return
        from vault_tools.lint import LintCancelled

        if self._unread and self.recorder.wake.is_set():
            return  # newer changes are waiting: the round they start reads these and lints
        self._catch_up()
        try:
            current = set(self._lint(cancelled=self.recorder.wake.is_set))
        except LintCancelled:
            return  # still pending: the round those changes start lints
        self._lint_pending = False
        result.linted = True
        result.new = sorted(current - self._diagnostics, key=Diagnostic.sort_key)
        result.fixed = sorted(self._diagnostics - current, key=Diagnostic.sort_key)
        self._diagnostics = current
        self._report_lint(result)

    def _regenerate(self, result: Round) -> None:
        from vault_tools.index import RenderCache, plan_index, views_read, write_plan

        if self._render_cache is None:
            # Kept from round to round: only what a change touches is rendered again.
            self._render_cache = RenderCache()
        plan = plan_index(self.vault, today=self.options.today, cache=self._render_cache)
        written = write_plan(plan, cache=self._render_cache)
        for update in written.written:
            self._own_writes[str((self.root / update.path).resolve())] = update.new_data
            result.written.append(update.path)
            self.writes += 1
        result.skipped.extend(written.skipped)
        # Reading a note of thousands of rows takes a while. If no view reads it (it is
        # not a contact, say), the next plans are the same without it: read it when the
        # vault must be as on disk (to lint it, or to compare it in a rescan).
        now = []
        for update in written.written:
            note = self.vault.note_at(update.path)
            if note is None or views_read(self.vault, note):
                now.append(update.path)
            else:
                self._unread.add(update.path)
        if now:
            self.vault.update(now)

    def _catch_up(self) -> None:
        """Read the notes the watcher wrote and left unread (see ``_regenerate``)."""
        if not self._unread:
            return
        paths, self._unread = self._unread, set()
        try:
            self.vault.update(paths)
        except OSError as error:
            self.message(f"could not re-read the vault: {error}")

    def _lint(self, cancelled: Callable[[], bool] | None = None) -> list[Diagnostic]:
        from vault_tools.lint import lint

        try:
            return lint(self.vault, today=self.options.today, cancelled=cancelled)
        except ValueError as error:  # a selection in the config names no rule
            self.message(f"lint skipped: {error}")
            return []

    def _report(self, result: Round) -> None:
        for path in sorted(result.changed):
            self.report(f"changed {path}")
        for path in result.written:
            self.report(f"updated {path}")
        for path, why in result.skipped:
            self.message(f"not updated: {path}: {why}")

    def _report_lint(self, result: Round) -> None:
        from vault_tools.render.diagnostics import as_text

        for item in result.new:
            self.report("new: " + as_text([item]).splitlines()[0])
        for item in result.fixed:
            self.report("fixed: " + as_text([item]).splitlines()[0])

    def _is_own_write(self, path: str) -> bool:
        if not any(os.path.basename(key) == os.path.basename(path) for key in self._own_writes):
            return False  # the common case, decided without resolving the path
        key = str(Path(path).resolve())
        expected = self._own_writes.get(key)
        if expected is None:
            return False
        try:
            current = Path(key).read_bytes()
        except OSError:
            current = None
        if current == expected:
            return True
        del self._own_writes[key]  # someone else wrote it since: a real change
        return False

    def _expand(self, paths: set[str]) -> set[str]:
        """Paths to re-read: a folder that changed stands for everything in and under it,
        what the vault knew there and what is there now."""
        expanded: set[str] = set()
        root = self.root.resolve()
        maybe_folders: set[str] = set()
        for path in paths:
            absolute = Path(path).resolve()
            expanded.add(str(absolute))
            try:
                relative = absolute.relative_to(root).as_posix()
            except ValueError:
                continue
            if not self._known(relative):  # a new file, or a folder (there now, or gone)
                maybe_folders.add(relative)
            if absolute.is_dir():
                for folder, _, files in os.walk(absolute):
                    expanded.update(os.path.join(folder, name) for name in files)
        if maybe_folders:  # one pass over the vault, not one per path: bursts stay linear
            known = {note.path for note in self.vault.notes.values()} | self.vault.attachments
            for item in known:
                parts = item.split("/")
                if any("/".join(parts[:end]) in maybe_folders for end in range(1, len(parts))):
                    expanded.add(str(root / item))
        return expanded

    def _known(self, relative: str) -> bool:
        """Whether the vault holds a note or an attachment at ``relative``."""
        note = self.vault.note_at(relative)
        return (note is not None and note.path == relative) or relative in self.vault.attachments


class _Handler:
    """Adapts watchdog's handler protocol to ChangeRecorder (watchdog is imported lazily)."""

    def __init__(self, recorder: ChangeRecorder) -> None:
        self.recorder = recorder

    def dispatch(self, event: Any) -> None:
        kind = getattr(event, "event_type", "")
        if kind in ("opened", "closed_no_write"):
            return
        if getattr(event, "is_directory", False) and kind == "modified":
            return  # a folder is "modified" when its entries change: those come as events too
        self.recorder.dispatch(event)


def _identity(folder: Path) -> tuple[int, int] | None:
    """The folder's (device, inode), or None when there is no folder at that path."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(status.st_mode):
        return None
    return status.st_dev, status.st_ino


def _stop_observer(observer: Observer) -> None:
    with contextlib.suppress(OSError, RuntimeError):  # a broken one: its threads are daemons
        observer.stop()
        observer.join(timeout=2)


def _event_types() -> list[type[Any]]:
    """The events worth a round. Leaving out "opened" and "closed without writing" keeps
    the watcher's own reading of thousands of notes from flooding the kernel's queue."""
    from watchdog import events

    return [
        events.FileCreatedEvent,
        events.DirCreatedEvent,
        events.FileDeletedEvent,
        events.DirDeletedEvent,
        events.FileMovedEvent,
        events.DirMovedEvent,
        events.FileModifiedEvent,
        events.FileClosedEvent,
        events.FileAttribEvent,
        events.DirAttribEvent,
    ]
