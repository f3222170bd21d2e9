"""A warm lint (or an index with nothing to do) replays the last output of the same
command line, before the CLI loads: only when nothing the output depends on changed,
with the same bytes and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import age, contact, example_with_problems, run_at_once
from vault_tools import __main__ as entry
from vault_tools import cli, user_cache


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    replayed: bool


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return example_with_problems(tmp_path / "vault")


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``vault-tools ARGS`` in this process, through the real entry point; whether it
    replayed is whether the CLI was left unloaded (not called)."""

    def run(*args: str) -> Ran:
        calls = []
        full_run = cli.main

        def counted(argv: list[str] | None = None) -> None:
            calls.append(argv)
            full_run(argv)

        monkeypatch.setattr(sys, "argv", ["vault-tools", *args])
        monkeypatch.setattr(cli, "main", counted)
        with pytest.raises(SystemExit) as exited:
            entry.main()
        monkeypatch.setattr(cli, "main", full_run)
        captured = capsys.readouterr()
        code = exited.value.code
        assert isinstance(code, int)
        return Ran(code, captured.out, captured.err, replayed=not calls)

    return run


def records() -> list[Path]:
    return sorted(user_cache.cache_folder().glob("run-*.json"))


def test_the_same_command_line_replays_the_same_output(vault, run_cli):
    first = run_cli("lint", str(vault), "--today", "2026-12-01")
    assert (first.code, first.replayed) == (1, False)
    assert "[invalid-field-value]" in first.stdout
    again = run_cli("lint", str(vault), "--today", "2026-12-01")
    assert again == Ran(first.code, first.stdout, first.stderr, replayed=True)
    assert len(records()) == 1


def test_every_output_format_and_option_is_a_command_line_of_its_own(vault, run_cli):
    text = run_cli("lint", str(vault))
    as_json = run_cli("lint", str(vault), "--format", "json")
    assert not as_json.replayed
    assert json.loads(as_json.stdout)
    passing = run_cli("lint", str(vault), "--exit-zero")
    assert (passing.code, passing.replayed) == (0, False)
    assert run_cli("lint", str(vault)) == Ran(text.code, text.stdout, text.stderr, True)
    assert run_cli("lint", str(vault), "--exit-zero").replayed
    assert len(records()) == 3


def test_an_edited_note_runs_in_full(vault, run_cli):
    run_cli("lint", str(vault))
    bad = vault / "contacts" / "Bad.md"
    bad.write_text(contact(status="identified"))
    age(vault)
    fixed = run_cli("lint", str(vault))
    assert not fixed.replayed
    assert "[invalid-field-value]" not in fixed.stdout
    assert run_cli("lint", str(vault)).replayed


def test_a_touched_new_or_removed_file_runs_in_full(vault, run_cli):
    run_cli("lint", str(vault))
    note = vault / "contacts" / "Bad.md"
    os.utime(note, (time.time() - 30, time.time() - 30))
    assert not run_cli("lint", str(vault)).replayed
    (vault / "contacts" / "New.md").write_text(contact(status="interviwed"))
    age(vault)
    added = run_cli("lint", str(vault))
    assert not added.replayed
    assert "contacts/New.md" in added.stdout
    (vault / "contacts" / "New.md").unlink()
    removed = run_cli("lint", str(vault))
    assert not removed.replayed
    assert "contacts/New.md" not in removed.stdout


def test_a_changed_config_or_schema_file_runs_in_full(vault, run_cli):
    (vault / "contacts" / "Bad.md").write_text(contact(status="interviwed", priority="high"))
    age(vault)
    assert "[invalid-field-value]" in run_cli("lint", str(vault)).stdout
    (vault / ".vault-tools.toml").write_text('[lint]\nignore = ["invalid-field-value"]\n')
    age(vault)
    quieter = run_cli("lint", str(vault))
    assert not quieter.replayed
    assert "[invalid-field-value]" not in quieter.stdout
    (vault / ".obsidian").mkdir(exist_ok=True)
    (vault / ".obsidian" / "types.json").write_text('{"types": {"priority": "number"}}')
    age(vault)
    typed = run_cli("lint", str(vault))
    assert not typed.replayed
    assert "[property-type-mismatch]" in typed.stdout
    assert "[property-type-mismatch]" not in quieter.stdout


def test_another_folder_environment_day_or_release_runs_in_full(
    vault, run_cli, monkeypatch, tmp_path
):
    relative = os.path.relpath(vault, tmp_path)
    monkeypatch.chdir(tmp_path)
    run_cli("lint", relative)
    assert run_cli("lint", relative).replayed
    elsewhere = tmp_path / "elsewhere"
    example_with_problems(elsewhere / relative)
    monkeypatch.chdir(elsewhere)
    assert not run_cli("lint", relative).replayed
    monkeypatch.setenv("NO_COLOR", "1")
    assert not run_cli("lint", relative).replayed
    assert run_cli("lint", relative).replayed
    monkeypatch.setenv("OLDPWD", "/somewhere/else")  # (what a shell changes as it goes)
    assert run_cli("lint", relative).replayed
    monkeypatch.setattr(user_cache, "__version__", "999")
    assert not run_cli("lint", relative).replayed


def test_a_run_that_took_its_day_from_the_clock_replays_on_that_day_only(vault, run_cli):
    """Without --today, lint counts from the day it began: its record holds that day (a
    run begun before midnight must not be replayed after it)."""
    first = run_cli("lint", str(vault))
    (record,) = records()
    data = json.loads(record.read_text())
    assert data["clock_day"] == time.strftime("%Y-%m-%d")
    record.write_text(json.dumps({**data, "clock_day": "2000-01-01"}))
    assert run_cli("lint", str(vault)) == Ran(first.code, first.stdout, first.stderr, False)
    assert run_cli("lint", str(vault)).replayed


def test_a_given_today_replays_on_any_day(vault, run_cli, monkeypatch):
    first = run_cli("lint", str(vault), "--today", "2026-12-01")
    monkeypatch.setattr(time, "strftime", lambda form, *at: "2031-01-01")
    again = run_cli("lint", str(vault), "--today", "2026-12-01")
    assert again == Ran(first.code, first.stdout, first.stderr, replayed=True)


def test_a_terminal_is_another_kind_of_output(vault, run_cli, monkeypatch):
    run_cli("lint", str(vault))
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert not run_cli("lint", str(vault)).replayed


def test_a_vault_found_from_here_is_found_again(vault, run_cli, monkeypatch):
    """Without VAULT, the vault is the nearest one upwards: one made nearer since is
    another vault, and its own lint runs."""
    inner = vault / "contacts"
    monkeypatch.chdir(inner)
    outer = run_cli("lint")
    assert "contacts/Bad.md" in outer.stdout
    assert run_cli("lint").replayed
    (inner / ".vault-tools.toml").write_text("")  # (hidden: the outer vault is unchanged)
    nearer = run_cli("lint")
    assert not nearer.replayed
    assert "Bad.md:" in nearer.stdout and "contacts/Bad.md" not in nearer.stdout
    assert len(records()) == 1  # one record a command line and folder


def test_no_cache_and_a_just_saved_vault_record_nothing(vault, run_cli):
    run_cli("lint", str(vault), "--no-cache")
    run_cli("--no-cache", "lint", str(vault))
    assert not run_cli("lint", str(vault), "--no-cache").replayed
    assert records() == []
    (vault / "contacts" / "Just saved.md").write_text(contact())
    run_cli("lint", str(vault))
    assert records() == []
    assert not run_cli("lint", str(vault)).replayed


@pytest.mark.parametrize(
    "damage",
    [
        lambda record: "{",
        lambda record: "\x00\xff",
        lambda record: json.dumps([record]),
        lambda record: json.dumps({**record, "format": 99}),
        lambda record: json.dumps({**record, "exit": "1"}),
        lambda record: json.dumps({**record, "stdout": None}),
        lambda record: json.dumps({**record, "stdout": "\udcff"}),  # (cannot be encoded)
        lambda record: "[" * 100_000,  # (too deep for the JSON reader)
        lambda record: json.dumps({**record, "recipe": {**record["recipe"], "ignore": "("}}),
        lambda record: json.dumps({**record, "recipe": {"root": 5}}),
        lambda record: json.dumps({**record, "argv": ["lint", "elsewhere"]}),
    ],
)
def test_a_damaged_or_foreign_record_is_ignored_and_replaced(vault, run_cli, damage):
    first = run_cli("lint", str(vault))
    (record,) = records()
    record.write_text(damage(json.loads(record.read_text())), encoding="latin-1")
    again = run_cli("lint", str(vault))
    assert again == Ran(first.code, first.stdout, first.stderr, replayed=False)
    assert run_cli("lint", str(vault)).replayed


@pytest.mark.parametrize("mode", [[], ["--check"], ["--diff"]])
def test_an_index_with_nothing_to_do_replays(vault, run_cli, mode):
    run_cli("index", str(vault), "--today", "2026-12-01")
    age(vault)
    first = run_cli("index", str(vault), "--today", "2026-12-01", *mode)
    assert (first.code, first.replayed) == (0, False)
    assert "up to date" in first.stderr
    again = run_cli("index", str(vault), "--today", "2026-12-01", *mode)
    assert again == Ran(first.code, first.stdout, first.stderr, replayed=True)


def test_an_index_with_something_to_do_is_never_replayed(vault, run_cli):
    stale = run_cli("index", str(vault), "--today", "2026-12-01", "--check")
    assert (stale.code, stale.replayed) == (1, False)
    assert "Out of date: Home.md" in stale.stderr
    assert run_cli("index", str(vault), "--today", "2026-12-01", "--check") == stale
    assert records() == []
    written = run_cli("index", str(vault), "--today", "2026-12-01")
    assert "Updated Home.md" in written.stderr
    assert records() == []  # (it wrote: the next run finds the vault changed anyway)
    age(vault)
    run_cli("index", str(vault), "--today", "2026-12-01", "--check")
    home = vault / "Home.md"
    home.write_text(home.read_text().replace("| Status |", "| State |", 1))
    age(vault)
    edited = run_cli("index", str(vault), "--today", "2026-12-01", "--check")
    assert not edited.replayed
    assert "edited by hand" in edited.stderr


def test_a_config_that_cannot_be_read_fails_as_in_a_full_run(tmp_path, run_cli):
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Bad.md").write_text(contact(status="nope"))
    age(vault)
    assert run_cli("lint", str(vault)).code == 1
    (vault / ".vault-tools.toml").mkdir()  # there, but not readable as a file
    broken = run_cli("lint", str(vault))
    assert (broken.code, broken.replayed) == (2, False)
    assert ".vault-tools.toml" in broken.stderr


def test_a_config_saved_just_now_is_not_trusted(vault, run_cli):
    """The config is read before the fingerprint: one saved in between must not have the
    result of the old config remembered under the new one's bytes."""
    (vault / ".vault-tools.toml").write_text("max_note_mb = 20\n")
    run_cli("lint", str(vault))
    assert records() == []
    assert not run_cli("lint", str(vault)).replayed


def test_terminal_styles_in_a_name_are_never_replayed(tmp_path, run_cli):
    """click strips them when the output is no terminal; a replay would not."""
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Esc\x1b[31mName.md").write_text(contact() + "[[Missing]]\n")
    age(vault)
    first = run_cli("lint", str(vault), "--format", "github")
    assert "\x1b" not in first.stdout and "EscName" in first.stdout
    assert records() == []
    assert run_cli("lint", str(vault), "--format", "github") == first


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_a_symlink_led_elsewhere_runs_in_full(tmp_path, run_cli):
    """Two notes of the same size and time: only where the link leads tells them apart."""
    vault = tmp_path / "vault"
    (vault / "real").mkdir(parents=True)
    (vault / "real" / "a.md").write_text(contact(status="nope"))
    (vault / "real" / "b.md").write_text(contact(status="okay"))
    age(vault)
    stamp = (vault / "real" / "a.md").stat().st_mtime_ns
    os.utime(vault / "real" / "b.md", ns=(stamp, stamp))
    (vault / "link.md").symlink_to(vault / "real" / "a.md")
    args = ("--follow-symlinks", "lint", str(vault), "--ignore", "duplicate-contact")
    first = run_cli(*args)
    assert "link.md:3:1" in first.stdout and "'nope'" in first.stdout
    assert run_cli(*args).replayed
    (vault / "link.md").unlink()
    (vault / "link.md").symlink_to(vault / "real" / "b.md")
    moved = run_cli(*args)
    assert not moved.replayed
    assert "link.md:3:1" in moved.stdout and "'okay'" in moved.stdout


def test_an_upgraded_library_is_other_code(monkeypatch):
    """Each library that shapes a result is stamped by its first module's size and time."""
    stamps = user_cache._library_stamps()
    assert [stamp.split(":")[0] for stamp in stamps] == list(user_cache._LIBRARIES)
    assert all(stamp.count(":") == 2 for stamp in stamps)  # (all of them installed here)
    before = user_cache.code_stamp()
    monkeypatch.setattr(user_cache, "_CODE_STAMPS", {})
    assert user_cache.code_stamp() == before
    monkeypatch.setattr(user_cache, "_CODE_STAMPS", {})
    monkeypatch.setattr(user_cache, "_library_stamps", lambda: [*stamps[:-1], "click:1:2"])
    assert user_cache.code_stamp() != before


def test_an_ascii_output_replays_only_what_it_can_write_as_a_full_run_does(tmp_path):
    """click writes UTF-8 to a stream set to ASCII; a replay of text that ASCII cannot hold
    would not, so it runs in full."""
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "Café.md").write_text(contact(status="nope"))
    age(vault)
    command = [sys.executable, "-m", "vault_tools", "lint", str(vault)]
    environment = {**os.environ, "PYTHONIOENCODING": "ascii:replace"}
    runs = [subprocess.run(command, capture_output=True, env=environment) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert "Café.md".encode() in runs[1].stdout


def test_a_note_whose_permissions_changed_runs_in_full(vault, run_cli):
    """chmod changes neither size nor modification time: the status change time tells."""
    first = run_cli("lint", str(vault))
    assert run_cli("lint", str(vault)).replayed
    os.chmod(vault / "contacts" / "Bad.md", 0o600)
    again = run_cli("lint", str(vault))
    assert again == Ran(first.code, first.stdout, first.stderr, replayed=False)


def test_another_local_time_zone_runs_in_full(vault, run_cli, monkeypatch, tmp_path):
    """Times written with an offset are shown in local time: the system's zone file is
    part of what a result depends on (as TZ is, through the environment)."""
    from vault_tools import fingerprint

    zone = tmp_path / "localtime"
    zone.write_bytes(b"TZif one zone")
    monkeypatch.setattr(fingerprint, "ZONE_FILE", str(zone))
    run_cli("lint", str(vault))
    assert run_cli("lint", str(vault)).replayed
    zone.write_bytes(b"TZif another zone, another size")
    assert not run_cli("lint", str(vault)).replayed
    assert run_cli("lint", str(vault)).replayed


def test_cache_clear_removes_the_records_of_the_vault(vault, run_cli, tmp_path):
    run_cli("lint", str(vault))
    other = example_with_problems(tmp_path / "other")
    run_cli("lint", str(other))
    assert len(records()) == 2
    run_cli("cache", "clear", str(vault))
    (left,) = records()
    assert json.loads(left.read_text())["recipe"]["root"] == str(other)
    assert not run_cli("lint", str(vault)).replayed


def test_the_installed_command_replays_without_importing_click(vault, tmp_path):
    """The real thing: two processes; the second loads neither click nor the commands."""
    command = [sys.executable, "-X", "importtime", "-m", "vault_tools", "lint", str(vault)]
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (first.returncode, second.returncode) == (1, 1)
    assert first.stdout == second.stdout and "[invalid-field-value]" in second.stdout

    def imported(stderr: str) -> set[str]:
        return {line.split("|")[-1].strip() for line in stderr.splitlines() if "|" in line}

    assert "click" in imported(first.stderr)
    assert {"click", "vault_tools.cli", "yaml"}.isdisjoint(imported(second.stderr))
    summary = [line for line in second.stderr.splitlines() if line.startswith("Found")]
    assert summary == [line for line in first.stderr.splitlines() if line.startswith("Found")]


def test_a_reader_that_goes_away_ends_a_replay_quietly(vault):
    command = [sys.executable, "-m", "vault_tools", "lint", str(vault)]
    subprocess.run(command, capture_output=True, check=False)
    reader, writer = os.pipe()
    os.close(reader)
    done = subprocess.run(command, stdout=writer, stderr=subprocess.PIPE, check=False)
    os.close(writer)
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr


def test_concurrent_runs_leave_one_record_that_replays(vault):
    runs = run_at_once("lint", str(vault), "--format", "json")
    assert {code for code, _ in runs} == {1} and len({out for _, out in runs}) == 1
    assert len(records()) == 1
    assert not list(user_cache.cache_folder().glob(".run-*"))  # no temporary file left
    command = [sys.executable, "-X", "importtime", "-m", "vault_tools", "lint", str(vault)]
    again = subprocess.run([*command, "--format", "json"], capture_output=True, check=False)
    assert (again.returncode, again.stdout) == runs[0]
    assert b"click" not in again.stderr
