"""Keep generated blocks current while the vault is edited.

The watchdog callback only records which paths changed and wakes the main loop.
The loop waits for a quiet moment (or at most ``max_wait`` under a constant stream
of events), re-reads the changed files whatever the event claimed (editors save by
rewriting, by renaming a temporary file, or by deleting and creating), regenerates
the blocks whose content changes and reports what changed. Files it wrote itself are
recognized by their bytes, so its own writes never start another round.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault_tools.model import Diagnostic
from vault_tools.vault import Vault

# Editor droppings and tools' temporary files: never notes, never worth a round.
IGNORED_NAMES = ("*.swp", "*.swx", "*.swo", "*~", ".#*", "4913", "*.tmp", ".~lock.*", "*.vtmp")
IGNORED_FOLDERS = (".obsidian", ".git", ".trash")


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


class ChangeRecorder:
    """The watchdog handler: remembers changed paths and wakes the loop. Nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.wake = threading.Event()
        self._paths: set[str] = set()
        self._lock = threading.Lock()

    def dispatch(self, event: Any) -> None:
        paths = [event.src_path, getattr(event, "dest_path", "")]
        relevant = [os.fsdecode(path) for path in paths if path]
        relevant = [path for path in relevant if not is_ignored(self.root, path)]
        if not relevant:
            return
        with self._lock:
            self._paths.update(relevant)
        self.wake.set()

    def drain(self) -> set[str]:
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths


def is_ignored(root: Path, path: str) -> bool:
    try:
        relative = Path(path).resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path)
    parts = relative.parts
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
    ) -> None:
        self.vault = vault
        self.root = vault.root
        self.options = options
        self.report = report
        self.message = message
        self.stop = threading.Event()
        self.recorder = ChangeRecorder(self.root)
        self.rounds = 0
        self.writes = 0
        self._own_writes: dict[str, str] = {}
        self._diagnostics: set[Diagnostic] = set()

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> int:
        """Watch until ``stop`` is set (0) or the vault folder disappears (1)."""
        observer = self._observer()
        observer.schedule(_Handler(self.recorder), str(self.root), recursive=True)
        # Watch first: a save made while the first round runs is then not missed.
        observer.start()
        self._first_round()
        try:
            while not self.stop.is_set():
                if not self.recorder.wake.wait(timeout=0.25):
                    if not self.root.is_dir():
                        self.message(f"{self.root}: the vault folder is gone; stopping")
                        return 1
                    continue
                self._settle()
                if self.stop.is_set():
                    break
                self.process(self.recorder.drain())
        finally:
            observer.stop()
            observer.join(timeout=2)
        return 0

    def _observer(self) -> Any:
        if self.options.poll:
            from watchdog.observers.polling import PollingObserver

            return PollingObserver(timeout=0.5)
        from watchdog.observers import Observer

        return Observer()

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

    def _first_round(self) -> None:
        if self.options.lint:
            self._diagnostics = set(self._lint())
        first = Round()
        self._regenerate(first)
        self._report(first)

    # -- one round ------------------------------------------------------------------------

    def process(self, paths: set[str]) -> Round:
        """Re-read ``paths``, regenerate blocks, report; returns what the round did."""
        result = Round()
        fresh = {path for path in paths if not self._is_own_write(path)}
        if not fresh:
            return result
        self.rounds += 1
        try:
            result.changed = self.vault.update(self._expand(fresh))
        except OSError as error:
            self.message(f"could not re-read the vault: {error}")
            return result
        if not result.changed:
            return result
        self._regenerate(result)
        if self.options.lint:
            current = set(self._lint())
            result.new = sorted(current - self._diagnostics, key=Diagnostic.sort_key)
            result.fixed = sorted(self._diagnostics - current, key=Diagnostic.sort_key)
            self._diagnostics = current
        self._report(result)
        return result

    def _regenerate(self, result: Round) -> None:
        from vault_tools.index import plan_index, write_plan

        plan = plan_index(self.vault, today=self.options.today)
        written = write_plan(plan)
        for update in written.written:
            self._own_writes[str((self.root / update.path).resolve())] = _digest(update.new_data)
            result.written.append(update.path)
            self.writes += 1
        result.skipped.extend(written.skipped)
        if written.written:
            self.vault.update([update.path for update in written.written])

    def _lint(self) -> list[Diagnostic]:
        from vault_tools.lint import lint

        try:
            return lint(self.vault, today=self.options.today)
        except ValueError as error:  # a selection in the config names no rule
            self.message(f"lint skipped: {error}")
            return []

    def _report(self, result: Round) -> None:
        from vault_tools.render.diagnostics import as_text

        for path in sorted(result.changed):
            self.report(f"changed {path}")
        for path in result.written:
            self.report(f"updated {path}")
        for path, why in result.skipped:
            self.message(f"not updated: {path}: {why}")
        for item in result.new:
            self.report("new: " + as_text([item]).splitlines()[0])
        for item in result.fixed:
            self.report("fixed: " + as_text([item]).splitlines()[0])

    def _is_own_write(self, path: str) -> bool:
        key = str(Path(path).resolve())
        expected = self._own_writes.get(key)
        if expected is None:
            return False
        try:
            current = _digest(Path(key).read_bytes())
        except OSError:
            current = None
        if current == expected:
            return True
        del self._own_writes[key]  # someone else wrote it since: a real change
        return False

    def _expand(self, paths: set[str]) -> set[str]:
        """Paths to re-read: a folder that changed stands for everything in and under it."""
        expanded: set[str] = set()
        root = self.root.resolve()
        known = [*(note.path for note in self.vault.notes.values()), *self.vault.attachments]
        for path in paths:
            absolute = Path(path).resolve()
            expanded.add(str(absolute))
            try:
                relative = absolute.relative_to(root).as_posix()
            except ValueError:
                continue
            prefix = relative + "/"
            expanded.update(str(root / item) for item in known if item.startswith(prefix))
            if absolute.is_dir():
                for folder, _, files in os.walk(absolute):
                    expanded.update(os.path.join(folder, name) for name in files)
        return expanded


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


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
