"""The note cache: parses are reused only for unchanged files, results never differ."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import age, contact, example_with_problems, run_at_once
from vault_tools import note_cache, user_cache
from vault_tools.cli import cli
from vault_tools.model import Link, Note
from vault_tools.note_cache import NoteCache
from vault_tools.vault import FileRead, Vault


def load(root: Path, **options: object) -> Vault:
    return Vault.load(root, note_cache=True, **options)  # type: ignore[arg-type]


def recalled_by(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records, for each cached load from now on, how many notes it took from the cache."""
    counts: list[int] = []
    save = NoteCache.save

    def counting_save(self: NoteCache) -> None:
        counts.append(self.recalled)
        save(self)

    monkeypatch.setattr(NoteCache, "save", counting_save)
    return counts


def the_same(first: Vault, second: Vault) -> None:
    assert list(first.notes) == list(second.notes)
    assert first.notes == second.notes
    assert first.read_diagnostics == second.read_diagnostics
    assert first.attachments == second.attachments


def notes_folder() -> Path:
    (folder,) = user_cache.cache_folder().glob("notes-*.d")
    return folder


def shard_files() -> list[Path]:
    return sorted(notes_folder().glob("*.pickle"))


def shard_of(relative: str) -> Path:
    return notes_folder() / f"{note_cache._shard_of(relative):02d}.pickle"


def read_shard(file: Path) -> tuple[object, dict[str, tuple[object, object]]]:
    """The header and entries of a shard file: one stream of pickles sharing a memo (a
    False starts another), ending in None."""
    with open(file, "rb") as stream:
        unpickler = pickle.Unpickler(stream)
        header = unpickler.load()
        entries = {}
        while (record := unpickler.load()) is not None:
            if record is False:
                unpickler = pickle.Unpickler(stream)
                continue
            entries[record[0]] = record[1:]
    return header, entries


def write_shard(file: Path, header: object, entries: dict[str, tuple[object, object]]) -> None:
    with open(file, "wb") as stream:
        pickler = pickle.Pickler(stream)
        pickler.dump(header)
        for relative, entry in entries.items():
            pickler.dump((relative, *entry))
        pickler.dump(None)


def remembered() -> dict[str, tuple[object, object]]:
    entries = {}
    for file in shard_files():
        entries.update(read_shard(file)[1])
    return entries


def replace_entry(relative: str, payload: bytes) -> None:
    file = shard_of(relative)
    header, entries = read_shard(file)
    stamp, _ = entries[relative]
    entries[relative] = (stamp, payload)
    write_shard(file, header, entries)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return example_with_problems(tmp_path / "vault")


@pytest.mark.parametrize("which", ["vault", "generated"])
def test_a_second_load_reuses_every_parse_with_the_same_result(which, request, monkeypatch):
    root = request.getfixturevalue(which)
    counts = recalled_by(monkeypatch)
    uncached = Vault.load(root)
    first, second = load(root), load(root)
    note_count = len(uncached.notes)
    assert counts == [0, note_count]
    the_same(uncached, first)
    the_same(uncached, second)


def test_only_the_edited_note_is_parsed_again(vault, monkeypatch):
    load(vault)
    counts = recalled_by(monkeypatch)
    note = vault / "contacts" / "Bad.md"
    note.write_text(contact(status="contacted", organization="Elsewhere"))
    os.utime(note, (time.time() - 30, time.time() - 30))
    loaded = load(vault)
    assert counts == [len(loaded.notes) - 1]
    assert loaded.notes["contacts/Bad"].frontmatter["organization"] == "Elsewhere"
    the_same(Vault.load(vault), loaded)


def test_a_touch_without_change_parses_again_to_the_same_note(vault, monkeypatch):
    before = load(vault)
    counts = recalled_by(monkeypatch)
    os.utime(vault / "Home.md", (time.time() - 30, time.time() - 30))
    after = load(vault)
    assert counts == [len(after.notes) - 1]
    the_same(before, after)


def test_a_note_whose_permissions_changed_is_read_again(vault, monkeypatch):
    """chmod leaves size and modification time alone; the file may now be unreadable, and
    only reading it says so (the status change time tells the cache)."""
    before = load(vault)
    counts = recalled_by(monkeypatch)
    os.chmod(vault / "Home.md", 0o600)
    after = load(vault)
    assert counts == [len(after.notes) - 1]
    the_same(before, after)


def test_a_removed_note_is_gone_and_forgotten(vault, monkeypatch):
    load(vault)
    (vault / "contacts" / "Bad.md").unlink()
    loaded = load(vault)
    assert "contacts/Bad" not in loaded.notes
    assert "contacts/Bad.md" not in remembered()
    assert len(remembered()) == len(loaded.notes)


@pytest.mark.parametrize(
    ("config", "reused"),
    [
        ("max_note_mb = 5\n", False),  # the size limit decides what is parsed at all
        ('templates = "Elsewhere"\n', False),  # template notes are parsed differently
        # notes are remembered with their types, which the config decides
        ('[types]\nkey = "kind"\n[types.folders]\n"contacts" = "organization"\n', False),
        ("[lint]\nignore = []\n", True),  # the rest of the config is not about parsing
    ],
)
def test_settings_a_parse_depends_on_are_part_of_the_key(vault, monkeypatch, config, reused):
    load(vault)
    counts = recalled_by(monkeypatch)
    (vault / ".vault-tools.toml").write_text(config)
    loaded = load(vault)
    assert (counts[0] > 0) is reused
    the_same(Vault.load(vault), loaded)
    if "types" in config:
        assert loaded.notes["contacts/Bad"].note_type == "organization"
        assert load(vault).notes["contacts/Bad"].note_type == "organization"


def test_other_code_is_never_trusted(vault, monkeypatch):
    load(vault)
    counts = recalled_by(monkeypatch)
    monkeypatch.setattr(note_cache, "code_stamp", lambda: "another release")
    load(vault)
    assert counts == [0]


def test_the_code_stamp_follows_the_tool_s_version(monkeypatch):
    before = user_cache.code_stamp()
    assert user_cache.code_stamp() == before
    monkeypatch.setattr(user_cache, "__version__", "999")
    assert user_cache.code_stamp() != before


def test_a_shard_cut_short_is_ignored(vault, monkeypatch):
    load(vault)
    file = shard_of("Home.md")
    file.write_bytes(file.read_bytes()[:-1])  # no closing None
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    the_same(Vault.load(vault), loaded)
    load(vault)
    assert counts[1] == len(loaded.notes)
    assert 0 < counts[0] < len(loaded.notes)  # the other shards were used


def test_only_the_shards_that_changed_are_written(vault):
    load(vault)
    before = {file: file.stat().st_mtime_ns for file in shard_files()}
    assert len(before) > 1
    note = vault / "contacts" / "Bad.md"
    note.write_text(contact(status="contacted"))
    os.utime(note, (time.time() - 30, time.time() - 30))
    load(vault)
    after = {file: file.stat().st_mtime_ns for file in shard_files()}
    assert [file for file in after if after[file] != before.get(file)] == [
        shard_of("contacts/Bad.md")
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x80\x05",  # a pickle cut short
        b"not a pickle at all",
        pickle.dumps({"header": "foreign", "entries": {}}),
        pickle.dumps([1, 2, 3]),
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(vault, monkeypatch, content):
    load(vault)
    for file in shard_files():
        file.write_bytes(content)
    counts = recalled_by(monkeypatch)
    the_same(Vault.load(vault), load(vault))
    load(vault)
    assert counts[0] == 0 and counts[1] > 0


def test_a_damaged_entry_is_parsed_again(vault, monkeypatch):
    load(vault)
    replace_entry("Home.md", b"\x80\x05garbage")
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    assert counts == [len(loaded.notes) - 1]
    the_same(Vault.load(vault), loaded)


class Payload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch " + str(Path(os.environ["VAULT_TOOLS_CACHE"]) / "owned"),))


def test_a_tampered_cache_cannot_run_code(vault):
    load(vault)
    replace_entry("Home.md", pickle.dumps(Payload()))  # a note pickled on its own
    the_same(Vault.load(vault), load(vault))
    replace_entry("Home.md", Payload())  # in the shard's stream
    the_same(Vault.load(vault), load(vault))
    for file in shard_files():  # whole files, too
        file.write_bytes(pickle.dumps(Payload()))
    the_same(Vault.load(vault), load(vault))
    assert not (user_cache.cache_folder() / "owned").exists()


def test_a_shard_of_other_records_is_ignored(vault, monkeypatch):
    load(vault)
    shard_notes = [path for path in remembered() if shard_of(path) == shard_of("contacts/Bad.md")]
    assert len(shard_notes) > 1
    replace_entry("contacts/Bad.md", ("not", "a", "FileRead"))
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    the_same(Vault.load(vault), loaded)
    assert counts == [len(loaded.notes) - len(shard_notes)]


def test_a_file_read_of_the_wrong_shape_is_parsed_again(vault, monkeypatch):
    """The allow-list says which classes a shard may make, not what they hold."""
    load(vault)
    other = Vault.load(vault).notes["Home"]
    for relative, payload in [
        ("contacts/Bad.md", FileRead("not a note")),  # type: ignore[arg-type]
        ("contacts/Bad.md", pickle.dumps(FileRead("not a note"))),  # type: ignore[arg-type]
        ("contacts/Bad.md", FileRead(other)),  # the note of another path
        ("contacts/Bad.md", FileRead(None, "not a list")),  # type: ignore[arg-type]
    ]:
        replace_entry(relative, payload)
        counts = recalled_by(monkeypatch)
        loaded = load(vault)
        assert counts == [len(loaded.notes) - 1]
        the_same(Vault.load(vault), loaded)


def test_notes_pickled_on_their_own_are_held_one_at_a_time(tmp_path, monkeypatch):
    """A large note's pickle is written in the shard's stream, whose memo would keep it
    alive until the whole shard is written."""
    monkeypatch.setattr(note_cache, "SHARDS", 1)
    cache = NoteCache.open(tmp_path / "cache" / "notes", {"format": "test"})
    for number in range(20):
        links = tuple(Link(f"target {number} {k}", k, 1) for k in range(note_cache.MEMO_UP_TO + 1))
        path = f"n{number}.md"
        cache.remember(path, (1, 1, 1), FileRead(Note(path[:-3], path, {}, "", links=links)))
    tracemalloc.start()
    try:
        cache.save()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    written = (tmp_path / "cache" / "notes" / "00.pickle").stat().st_size
    assert peak < written / 4
    read_back = NoteCache.open(tmp_path / "cache" / "notes", {"format": "test"})
    assert all(read_back.recall(f"n{number}.md", (1, 1, 1)) for number in range(20))


class Unpicklable:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        raise pickle.PicklingError("not this one")


def test_a_note_that_cannot_be_pickled_is_parsed_again_and_its_shard_kept(vault, monkeypatch):
    read_file = Vault._read_file

    def read_with_a_stranger(self: Vault, relative: str):  # type: ignore[no-untyped-def]
        read = read_file(self, relative)
        if relative == "contacts/Bad.md":
            read.note.frontmatter["stranger"] = Unpicklable()
        return read

    monkeypatch.setattr(Vault, "_read_file", read_with_a_stranger)
    load(vault)
    monkeypatch.setattr(Vault, "_read_file", read_file)
    shard_notes = [path for path in remembered() if shard_of(path) == shard_of("contacts/Bad.md")]
    assert "contacts/Bad.md" not in shard_notes and shard_notes
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    assert counts == [len(loaded.notes) - 1]  # the other notes of its shard were written
    the_same(Vault.load(vault), loaded)


def test_a_shard_s_stream_can_start_new_memos(vault, monkeypatch):
    monkeypatch.setattr(note_cache, "MEMO_SPAN", 1)  # a new memo at every note
    uncached = Vault.load(vault)
    load(vault)
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    assert counts == [len(loaded.notes)]
    the_same(uncached, loaded)


def test_notes_read_back_share_what_the_parser_shared(vault):
    """Equal keys and positions are one object in the notes read back, as when parsed."""
    load(vault)
    notes = [note for note in load(vault).notes.values() if "type" in note.frontmatter]
    by_shard: dict[Path, list[Note]] = {}
    for note in notes:
        by_shard.setdefault(shard_of(note.path), []).append(note)
    first, second = next(found for found in by_shard.values() if len(found) > 1)[:2]
    keys = [next(key for key in note.frontmatter if key == "type") for note in (first, second)]
    assert keys[0] is keys[1]


def test_recent_changes_are_not_remembered(vault, monkeypatch):
    (vault / "contacts" / "Fresh.md").write_text(contact())  # written just now
    load(vault)
    counts = recalled_by(monkeypatch)
    loaded = load(vault)
    assert counts == [len(loaded.notes) - 1]


def test_an_unwritable_cache_folder_is_not_fatal(vault, monkeypatch, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    monkeypatch.setenv("VAULT_TOOLS_CACHE", str(blocker / "cache"))
    the_same(Vault.load(vault), load(vault))


def test_concurrent_runs_on_the_same_vault(generated):
    arguments = ("graph", str(generated), "--format", "json")
    runs = run_at_once(*arguments)
    assert {code for code, _ in runs} == {0}
    assert len({out for _, out in runs}) == 1
    assert len(list(user_cache.cache_folder().glob("notes-*"))) == 1
    assert not list(notes_folder().glob(".*"))  # no temporary file left
    assert run_at_once(*arguments, copies=1) == [runs[0]]


@pytest.mark.parametrize("which", ["vault", "generated"])
def test_cli_results_with_and_without_the_cache_are_identical(which, request, tmp_path):
    root = request.getfixturevalue(which)
    runner = CliRunner()
    commands = [
        ["lint", str(root), "--today", "2026-12-01", "--format", "json"],
        ["graph", str(root), "--format", "json"],
        ["agenda", str(root), "--today", "2026-12-01", "--format", "json"],
    ]
    for command in commands:
        outputs = [
            runner.invoke(cli, ["--no-cache", *command]).stdout,
            runner.invoke(cli, command).stdout,  # fills the cache
            runner.invoke(cli, command).stdout,  # reads it
        ]
        assert outputs[0] == outputs[1] == outputs[2], command
        json.loads(outputs[0])
    copies = [tmp_path / "uncached", tmp_path / "cached"]
    for copy, options in zip(copies, [["--no-cache"], []], strict=True):
        shutil.copytree(root, copy)
        runner.invoke(cli, [*options, "graph", str(copy)])  # fills the cache, if used
        result = runner.invoke(cli, [*options, "index", str(copy), "--today", "2026-12-01"])
        assert result.exit_code == 0, result.output
    for path in copies[0].rglob("*.md"):
        assert path.read_bytes() == (copies[1] / path.relative_to(copies[0])).read_bytes()


def test_no_cache_leaves_no_cache_behind(vault):
    runner = CliRunner()
    runner.invoke(cli, ["--no-cache", "graph", str(vault)])
    runner.invoke(cli, ["lint", "--no-cache", str(vault)])
    assert not list(user_cache.cache_folder().glob("*"))
    runner.invoke(cli, ["graph", str(vault)])
    assert shard_files()


@pytest.mark.parametrize("memo", [True, False], ids=["with memo", "large note, no memo"])
def test_values_shared_through_yaml_aliases_come_back_equal(vault, monkeypatch, memo):
    if not memo:
        monkeypatch.setattr(note_cache, "MEMO_UP_TO", 0)
    (vault / "Aliased.md").write_text(
        "---\nbase: &base {org: Acme, tags: [a, b]}\ncopy: *base\nlist: [*base, *base]\n---\n"
    )
    age(vault)
    first = load(vault)
    counts = recalled_by(monkeypatch)
    second = load(vault)
    assert counts == [len(second.notes)]
    assert second.notes["Aliased"].frontmatter == first.notes["Aliased"].frontmatter
    assert second.notes["Aliased"].frontmatter["copy"] == {"org": "Acme", "tags": ["a", "b"]}


def test_caches_of_vaults_unused_for_months_are_removed(vault):
    load(vault)
    folder = user_cache.cache_folder()
    months_ago = time.time() - (user_cache.UNUSED_DAYS + 1) * 86400
    stale = [
        folder / "notes-0123456789abcdef01234567.d",
        folder / "lint-0123456789abcdef01234567.json",
    ]
    stale[0].mkdir()
    (stale[0] / "00.pickle").write_bytes(b"old")
    stale[1].write_text("{}")
    others = [folder / "notes-of-mine", folder / "lint-notes.json", folder / "else.txt"]
    others[0].mkdir()
    for path in others[1:]:
        path.write_text("not the tool's")
    for path in [*stale, *others]:
        os.utime(path, (months_ago, months_ago))
    note = vault / "contacts" / "Bad.md"  # a change, so that the cache is written
    note.write_text(contact(status="contacted"))
    os.utime(note, (time.time() - 30, time.time() - 30))
    load(vault)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in others) and shard_files()
