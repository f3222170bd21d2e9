"""`vault-tools watch`: the Watcher with real watchdog observers on a temporary vault.

Each test runs ``Watcher.run()`` in a background thread over a small vault built with
``make_vault`` (a ``Home.md`` holding a ``contacts`` block, and a few contacts), changes
files the way editors do, and waits for the result with a deadline: conditions are polled
every 20 ms, never assumed after a fixed sleep. Where the point is that nothing happens
(editor droppings, the watcher's own writes), the test watches counters through a quiet
period many times longer than the debounce, and then proves the watcher is still alive
with a real change.

Before changing anything, ``start`` waits until the observer demonstrably delivers events
(a canary attachment, rewritten until a round reports it), so no change is lost to the
moment between the first round and the observer's start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import contact
from vault_tools.blocks import find_blocks
from vault_tools.vault import Vault
from vault_tools.watch import Watcher, WatchOptions

TODAY = dt.date(2026, 12, 1)
DEADLINE = 10.0
QUIET = 0.6
"""Seconds of nothing happening that count as quiet: 12 debounces, above max_wait."""
CANARY = "canary.txt"

HOME = (
    "# Home\n\nMy contacts:\n\n"
    "<!-- vault-tools:begin contacts -->\n"
    "<!-- vault-tools:end contacts -->\n\n"
    "Written by hand.\n"
)

MakeVault = Callable[..., Path]


def wait_for(predicate: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    """Poll ``predicate`` every 20 ms until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def stays(predicate: Callable[[], object], what: str, seconds: float = QUIET) -> None:
    """Check ``predicate`` every 20 ms for ``seconds``: it must hold the whole time."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        assert predicate(), f"no longer true: {what}"
        time.sleep(0.02)


def settle(counter: Callable[[], object], quiet: float = 0.3) -> None:
    """Wait until ``counter()`` has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + DEADLINE
    value, since = counter(), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise AssertionError(f"still changing after {DEADLINE} s")
        time.sleep(0.02)
        if counter() != value:
            value, since = counter(), time.monotonic()


def rows(root: Path) -> list[str]:
    """The names linked in the first column of Home.md's contacts block."""
    try:
        text = (root / "Home.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    [block] = [block for block in find_blocks(text).blocks if block.view == "contacts"]
    return re.findall(r"^\| \[\[([^\]|\\]+)", block.content, flags=re.MULTILINE)


def row_of(root: Path, name: str) -> str | None:
    text = (root / "Home.md").read_text(encoding="utf-8")
    found = [line for line in text.splitlines() if line.startswith(f"| [[{name}]] |")]
    return found[0] if found else None


class Running:
    """A Watcher running in a background thread, with what it reported."""

    def __init__(self, root: Path, **options: object) -> None:
        self.root = root
        self.lines: list[str] = []
        self.messages: list[str] = []
        settings = {"debounce": 0.05, "max_wait": 0.5, "today": TODAY, **options}
        self.watcher = Watcher(
            Vault.load(root),
            WatchOptions(**settings),  # type: ignore[arg-type]
            report=self.lines.append,
            message=self.messages.append,
        )
        self.code: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.code = self.watcher.run()
        except BaseException as error:  # surfaced by the test, not lost in the thread
            self.error = error
            raise

    def start(self) -> Running:
        """Start run(); return once a change made now is certain to be seen."""
        self.thread.start()
        # The small vault's Home.md block starts empty, so the first round writes it;
        # the observer starts right after that round.
        wait_for(lambda: "updated Home.md" in self.lines or self.error, "the first round")
        deadline = time.monotonic() + DEADLINE
        tries = 0
        while True:
            tries += 1
            (self.root / CANARY).write_text(f"{tries}\n", encoding="utf-8")
            try:
                wait_for(lambda: f"changed {CANARY}" in self.lines, "the canary", timeout=0.3)
                break
            except AssertionError:
                assert self.thread.is_alive(), self.error
                if time.monotonic() > deadline:
                    raise
        if tries > 1:  # an earlier canary may still be on its way: let it pass
            settle(lambda: self.watcher.rounds)
        return self  # a round reports last: the canary's round is over

    def stop(self, timeout: float = 5.0) -> float:
        """Stop the watcher; returns how long run() took to return."""
        started = time.monotonic()
        self.watcher.stop.set()
        self.thread.join(timeout=timeout)
        assert not self.thread.is_alive(), "run() did not return after stop"
        return time.monotonic() - started

    def news(self, rule: str) -> list[str]:
        return [line for line in self.lines if line.startswith("new: ") and f"[{rule}]" in line]


@pytest.fixture
def small_vault(make_vault: MakeVault) -> Path:
    return make_vault(
        {
            "Home.md": HOME,
            "contacts/Ann Lee.md": contact(status="contacted", organization="Acme"),
            "contacts/Bo Kim.md": contact(
                status="thanked", source="referral", referred_by='"[[Ann Lee]]"'
            ),
            "contacts/Cy Dunn.md": contact(role="Designer") + "Met through [[Ann Lee]].\n",
            ".obsidian/workspace.json": "{}\n",
        }
    )


@pytest.fixture
def watch(small_vault: Path) -> Iterator[Callable[..., Running]]:
    """``watch(**options)`` starts a watcher over ``small_vault``; it is stopped after."""
    started: list[Running] = []

    def start(**options: object) -> Running:
        running = Running(small_vault, **options).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.watcher.stop.set()
    for running in started:
        running.thread.join(timeout=5)
        assert running.error is None, running.error


def set_status(root: Path, name: str, old: str, new: str) -> None:
    path = root / "contacts" / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    assert f"status: {old}\n" in text
    path.write_text(text.replace(f"status: {old}\n", f"status: {new}\n"), encoding="utf-8")


# -- rounds ----------------------------------------------------------------------------------


def test_first_round_fills_the_blocks(watch: Callable[..., Running], small_vault: Path) -> None:
    running = watch()
    assert rows(small_vault) == ["Ann Lee", "Bo Kim", "Cy Dunn"]
    assert running.watcher.writes == 1
    assert "updated Home.md" in running.lines
    text = (small_vault / "Home.md").read_text(encoding="utf-8")
    assert text.startswith("# Home\n\nMy contacts:\n\n<!-- vault-tools:begin contacts hash=")
    assert text.endswith("<!-- vault-tools:end contacts -->\n\nWritten by hand.\n")


def test_modified_contact_updates_home(watch: Callable[..., Running], small_vault: Path) -> None:
    running = watch()
    assert "| contacted |" in (row_of(small_vault, "Ann Lee") or "")
    set_status(small_vault, "Ann Lee", "contacted", "scheduled")
    wait_for(lambda: "| scheduled |" in (row_of(small_vault, "Ann Lee") or ""), "Ann's new row")
    wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "the round's report")
    reported = [line for line in running.lines if CANARY not in line]
    assert reported[:3] == ["updated Home.md", "changed contacts/Ann Lee.md", "updated Home.md"]


def test_created_contact_gets_a_row(watch: Callable[..., Running], small_vault: Path) -> None:
    watch()
    (small_vault / "contacts" / "Di Ng.md").write_text(contact(), encoding="utf-8")
    wait_for(lambda: rows(small_vault) == ["Ann Lee", "Bo Kim", "Cy Dunn", "Di Ng"], "Di's row")


def test_deleted_contact_loses_its_row_and_links_to_it_break(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    (small_vault / "contacts" / "Ann Lee.md").unlink()
    wait_for(lambda: rows(small_vault) == ["Bo Kim", "Cy Dunn"], "Ann's row to go")
    wait_for(lambda: running.news("broken-link"), "a new broken-link line")
    [line] = running.news("broken-link")  # none for Home.md: its block was regenerated first
    assert line.startswith("new: contacts/Cy Dunn.md:")
    assert "Ann Lee" in line
    [line] = running.news("pending-referral")  # a referral to nobody is a pending one
    assert line.startswith("new: contacts/Bo Kim.md:")
    assert "changed contacts/Ann Lee.md" in running.lines


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_a_note_behind_a_followed_symlinked_folder_is_read_again(make_vault: MakeVault) -> None:
    """The kernel reports the save at the note's real path; the vault lists the note at
    the path through the link too, and both are read again."""
    root = make_vault(
        {
            "Home.md": HOME,
            "kept/Ann Lee.md": contact(status="contacted"),
            ".vault-tools.toml": 'follow_symlinks = true\nignore = ["kept"]\n',
        }
    )
    (root / "contacts").symlink_to(root / "kept", target_is_directory=True)
    running = Running(root).start()
    try:
        assert rows(root) == ["Ann Lee"]
        assert "| contacted |" in (row_of(root, "Ann Lee") or "")
        real = root / "kept" / "Ann Lee.md"
        real.write_text(contact(status="scheduled"), encoding="utf-8")
        wait_for(lambda: "| scheduled |" in (row_of(root, "Ann Lee") or ""), "Ann's new row")
        # Reported once the round is done, which may be just after the note is written.
        wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "the change reported")
        real.unlink()
        wait_for(lambda: rows(root) == [], "Ann's row to go")
    finally:
        running.stop()


def test_renamed_contact(watch: Callable[..., Running], small_vault: Path) -> None:
    running = watch()
    os.rename(small_vault / "contacts" / "Cy Dunn.md", small_vault / "contacts" / "Cy Dunne.md")
    wait_for(lambda: rows(small_vault) == ["Ann Lee", "Bo Kim", "Cy Dunne"], "the renamed row")
    wait_for(
        lambda: (
            {"changed contacts/Cy Dunn.md", "changed contacts/Cy Dunne.md"} <= set(running.lines)
        ),
        "both paths reported",
    )
    assert "contacts/Cy Dunn" not in running.watcher.vault.notes


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")  # watchdog, folder back
def test_folder_renamed_moved_out_and_deleted(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    team = small_vault / "contacts" / "team"
    team.mkdir()
    (team / "Di Ng.md").write_text(contact(), encoding="utf-8")
    (team / "Ed Fox.md").write_text(contact(), encoding="utf-8")
    everyone = ["Ann Lee", "Bo Kim", "Cy Dunn", "Di Ng", "Ed Fox"]
    wait_for(lambda: rows(small_vault) == everyone, "the team's rows")

    crew = small_vault / "contacts" / "crew"
    os.rename(team, crew)  # one event for the folder, none for its files
    wait_for(lambda: "contacts/crew/Di Ng" in running.watcher.vault.notes, "the new paths")
    wait_for(lambda: "contacts/team/Di Ng" not in running.watcher.vault.notes, "the old paths")
    assert rows(small_vault) == everyone

    outside = small_vault.parent / "outside"
    os.rename(crew, outside)
    wait_for(lambda: rows(small_vault) == ["Ann Lee", "Bo Kim", "Cy Dunn"], "rows to go")

    os.rename(outside, team)
    wait_for(lambda: rows(small_vault) == everyone, "rows to come back")
    shutil.rmtree(team)
    wait_for(lambda: rows(small_vault) == ["Ann Lee", "Bo Kim", "Cy Dunn"], "rows to go again")
    assert not [note for note in running.watcher.vault.notes if "/team/" in note]


def test_atomic_save_through_a_temporary_file(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    note = small_vault / "contacts" / "Ann Lee.md"
    temporary = small_vault / "contacts" / "Ann Lee.md.new"  # not an ignored name
    temporary.write_text(note.read_text("utf-8").replace("contacted", "thanked"), "utf-8")
    os.replace(temporary, note)
    wait_for(lambda: "| thanked |" in (row_of(small_vault, "Ann Lee") or ""), "the saved status")
    wait_for(
        lambda: "contacts/Ann Lee.md.new" not in running.watcher.vault.attachments,
        "the temporary file to be forgotten",
    )
    assert running.watcher.vault.notes["contacts/Ann Lee"].frontmatter["status"] == "thanked"


def test_hand_edits_of_home_are_respected(watch: Callable[..., Running], small_vault: Path) -> None:
    running = watch()
    home = small_vault / "Home.md"
    writes = running.watcher.writes
    outside = home.read_text("utf-8").replace("Written by hand.", "Written by hand, twice.")
    home.write_text(outside, "utf-8")
    wait_for(lambda: "changed Home.md" in running.lines, "the edit outside the block")
    inside = outside.replace("| [[Bo Kim]] |", "| [[Bo Kim]] | my note |")
    home.write_text(inside, "utf-8")
    wait_for(lambda: running.news("edited-block"), "a new edited-block line")
    assert running.news("edited-block")[0].startswith("new: Home.md:5:1: warning VT703 ")
    set_status(small_vault, "Ann Lee", "contacted", "thanked")
    wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "Ann's round")
    assert running.watcher.writes == writes  # the hand-edited block is not overwritten
    assert home.read_text("utf-8") == inside


def test_editor_droppings_start_no_round(watch: Callable[..., Running], small_vault: Path) -> None:
    running = watch()
    rounds = running.watcher.rounds
    droppings = [
        "contacts/.Ann Lee.md.swp",
        "contacts/4913",
        "contacts/x~",
        "contacts/Ann Lee.md~",
        "contacts/.#Ann Lee.md",
        "contacts/Ann Lee.md.tmp",
        ".obsidian/workspace.json",
        ".trash/Old.md",
    ]
    for relative in droppings:
        path = small_vault / relative
        path.parent.mkdir(exist_ok=True)
        path.write_text("dropping\n", encoding="utf-8")
    (small_vault / "contacts" / "4913").unlink()  # vim's probe comes and goes
    stays(lambda: running.watcher.rounds == rounds, "no round for editor droppings")

    set_status(small_vault, "Cy Dunn", "identified", "contacted")  # still watching
    wait_for(lambda: "| contacted |" in (row_of(small_vault, "Cy Dunn") or ""), "Cy's new row")
    wait_for(lambda: "changed contacts/Cy Dunn.md" in running.lines, "the round's report")
    assert running.watcher.rounds > rounds
    reported = {line.split(" ", 1)[1] for line in running.lines if line.startswith("changed ")}
    assert not reported & set(droppings)
    assert not set(droppings) & running.watcher.vault.attachments


def test_burst_of_500_new_files_takes_few_rounds(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    rounds = running.watcher.rounds
    folder = small_vault / "contacts" / "burst"
    folder.mkdir()
    names = [f"Person {number:03d}" for number in range(500)]
    for name in names:
        (folder / f"{name}.md").write_text(contact(), encoding="utf-8")
    expected = sorted(["Ann Lee", "Bo Kim", "Cy Dunn", *names])
    wait_for(lambda: sorted(rows(small_vault)) == expected, "503 rows", timeout=20)
    settle(lambda: running.watcher.rounds)  # events of files already read may still come
    assert sorted(rows(small_vault)) == expected
    assert 1 <= running.watcher.rounds - rounds <= 20
    assert len(running.watcher.vault.notes_of_type("contact")) == 503


def test_own_writes_trigger_no_further_writes(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    """One external change: one round, one write of Home.md, then nothing at all."""
    running = watch()
    writes, rounds = running.watcher.writes, running.watcher.rounds
    note = small_vault / "contacts" / "Bo Kim.md"
    saved = small_vault / "contacts" / ".Bo Kim.md.tmp"  # saved whole, then renamed: one event
    saved.write_text(note.read_text("utf-8").replace("thanked", "following-up"), "utf-8")
    os.replace(saved, note)
    wait_for(lambda: running.watcher.writes == writes + 1, "the one write of Home.md")
    wait_for(lambda: running.lines.count("updated Home.md") == 2, "the round's report")
    assert running.watcher.rounds == rounds + 1
    stays(
        lambda: (running.watcher.writes, running.watcher.rounds) == (writes + 1, rounds + 1),
        "no more writes and no more rounds",
    )
    assert "| following-up |" in (row_of(small_vault, "Bo Kim") or "")
    assert running.lines.count("updated Home.md") == 2  # the first round's, and this one
    assert "changed Home.md" not in running.lines


def test_poll_observer_sees_a_modification(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch(poll=True)
    set_status(small_vault, "Ann Lee", "contacted", "declined")
    wait_for(lambda: "| declined |" in (row_of(small_vault, "Ann Lee") or ""), "Ann's new row")
    wait_for(lambda: "changed contacts/Ann Lee.md" in running.lines, "the round's report")


def test_unparseable_note_keeps_the_watcher_going(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    (small_vault / "contacts" / "Ann Lee.md").write_text("---\ntype: [contact\n---\n", "utf-8")
    wait_for(lambda: running.news("invalid-yaml"), "a new invalid-yaml line")
    set_status(small_vault, "Cy Dunn", "identified", "contacted")
    wait_for(lambda: "| contacted |" in (row_of(small_vault, "Cy Dunn") or ""), "Cy's new row")
    assert running.thread.is_alive()


# -- stopping ----------------------------------------------------------------------------------


def test_stop_makes_run_return_0_within_a_second(watch: Callable[..., Running]) -> None:
    running = watch()
    assert running.stop(timeout=1.0) < 1.0
    assert running.code == 0
    assert running.messages == []


def test_vault_folder_deleted_makes_run_return_1(
    watch: Callable[..., Running], small_vault: Path
) -> None:
    running = watch()
    shutil.rmtree(small_vault)
    running.thread.join(timeout=DEADLINE)
    assert not running.thread.is_alive(), "run() did not return when the vault went away"
    assert running.error is None
    assert running.code == 1
    assert any("the vault folder is gone" in message for message in running.messages)


def test_sigterm_stops_the_command_with_exit_0(small_vault: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "vault_tools", "watch", str(small_vault), "--debounce", "0.05"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    stderr = process.stderr
    messages: list[str] = []

    def read_messages() -> None:
        for line in stderr:
            messages.append(line)

    reader = threading.Thread(target=read_messages, daemon=True)
    reader.start()
    try:
        wait_for(lambda: any(line.startswith("Watching ") for line in messages), "'Watching'")
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = process.wait(timeout=2)
        assert time.monotonic() - started < 2
        assert code == 0, "".join(messages)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=2)
        stderr.close()


def test_a_save_made_as_ready_is_called_is_seen(small_vault: Path) -> None:
    """``ready`` (the CLI prints "Watching" there) comes once the observer runs: a save
    made at that moment, before the first round, is not lost."""
    note = small_vault / "contacts" / "Ann Lee.md"

    def save_now() -> None:
        note.write_text(contact(status="contacted", organization="Right Away"), "utf-8")

    lines: list[str] = []
    watcher = Watcher(
        Vault.load(small_vault),
        WatchOptions(debounce=0.05, max_wait=0.5, today=TODAY),
        report=lines.append,
        message=lines.append,
        ready=save_now,
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: "Right Away" in (row_of(small_vault, "Ann Lee") or ""), "the save")
    finally:
        watcher.stop.set()
        watcher.recorder.wake.set()
        thread.join(timeout=DEADLINE)


def test_a_save_made_while_the_vault_is_read_at_start_is_seen(small_vault: Path) -> None:
    """Between reading the vault and starting the observer (seconds, in a large vault)
    no event can tell of a save, an added note or a removed one: the first round reads
    again what changed since the reading began."""
    vault = Vault.load(small_vault)
    (small_vault / "contacts" / "Ann Lee.md").write_text(
        contact(status="contacted", organization="Meanwhile"), "utf-8"
    )
    (small_vault / "contacts" / "Cy Dunn.md").unlink()
    (small_vault / "contacts" / "Ed Fox.md").write_text(contact(), "utf-8")
    with watching(vault):
        wait_for(lambda: "Meanwhile" in (row_of(small_vault, "Ann Lee") or ""), "the save")
        assert rows(small_vault) == ["Ann Lee", "Bo Kim", "Ed Fox"]


@contextlib.contextmanager
def watching(vault: Vault) -> Iterator[Watcher]:
    """A watcher of ``vault`` (loaded already) running in a thread, stopped on the way out."""
    lines: list[str] = []
    watcher = Watcher(
        vault,
        WatchOptions(debounce=0.05, max_wait=0.5, today=TODAY),
        report=lines.append,
        message=lines.append,
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        yield watcher
    finally:
        watcher.stop.set()
        thread.join(timeout=DEADLINE)


def test_a_save_at_start_that_kept_an_old_modification_time_is_seen(small_vault: Path) -> None:
    """Copies and sync tools (cp -p, rsync -t, Syncthing) set a file's modification time
    back; the status change time, which cannot be set, still tells of the save."""
    note = small_vault / "contacts" / "Ann Lee.md"
    long_ago = note.stat().st_mtime_ns - 3600 * 10**9
    os.utime(note, ns=(long_ago, long_ago))
    vault = Vault.load(small_vault)
    note.write_text(contact(status="contacted", organization="Kept Old Time"), "utf-8")
    os.utime(note, ns=(long_ago, long_ago))
    with watching(vault):
        wait_for(lambda: "Kept Old Time" in (row_of(small_vault, "Ann Lee") or ""), "the save")
