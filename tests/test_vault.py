"""Reading a vault: which files are notes, note types, incremental updates, discovery."""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import contact
from vault_tools import forked
from vault_tools.config import Config, TypeMatch
from vault_tools.parse import parse_note
from vault_tools.vault import Vault, VaultError, find_vault_root, read_at_most


def test_hidden_folders_and_ignore_globs_are_skipped(make_vault):
    root = make_vault(
        {
            "a.md": "x",
            ".obsidian/workspace.md": "x",
            ".trash/old.md": "x",
            ".git/x.md": "x",
            "sub/.hidden/y.md": "x",
            "Archive/2020/old.md": "x",
            "drawing.excalidraw.md": "x",
            "deep/nested/drawing2.excalidraw.md": "x",
            "image.png": b"\x89PNG",
            ".vault-tools.toml": 'ignore = ["Archive", "*.excalidraw.md"]\n',
        }
    )
    vault = Vault.load(root)
    assert list(vault.notes) == ["a"]
    assert vault.attachments == {"image.png"}


def test_anchored_and_double_star_globs(make_vault):
    root = make_vault(
        {"keep/a.md": "x", "drafts/b.md": "x", "x/drafts/c.md": "x", "notes/2024/d.md": "x"}
    )
    vault = Vault.load(root, Config(ignore=("drafts/**", "notes/**/d.md")))
    assert sorted(vault.notes) == ["keep/a", "x/drafts/c"]


def test_note_types_from_the_type_field_and_from_config(make_vault):
    root = make_vault(
        {
            "contacts/Ann.md": contact(),
            "People/Bo.md": "---\nstatus: identified\nsource: friend\n---\n",
            "Misc/Cy.md": "---\ntags: [person]\n---\n",
            "Misc/Di.md": '---\ncategories: ["[[People]]"]\n---\n',
            "Misc/plain.md": "just text",
        }
    )
    config = Config(
        type_folders={"People": "contact"},
        type_tags={"person": "contact"},
        type_matches=(TypeMatch("categories", "[[people]]", "interview"),),
    )
    vault = Vault.load(root, config)
    assert vault.notes["contacts/Ann"].note_type == "contact"
    assert vault.notes["contacts/Ann"].type_from_config is False
    assert vault.notes["People/Bo"].note_type == "contact"
    assert vault.notes["People/Bo"].type_from_config is True
    assert vault.notes["Misc/Cy"].note_type == "contact"
    assert vault.notes["Misc/Di"].note_type == "interview"
    assert vault.notes["Misc/plain"].note_type is None
    # Typed while parsing, as Vault.typed types a note parsed on its own (new, set).
    for note in vault.notes.values():
        data = (root / note.path).read_bytes()
        assert vault.typed(parse_note(note.path, data).note) == note


def test_missing_or_file_vault_raises(tmp_path):
    with pytest.raises(VaultError, match="no such folder"):
        Vault.load(tmp_path / "nope")
    (tmp_path / "file.md").write_text("x")
    with pytest.raises(VaultError, match="not a folder"):
        Vault.load(tmp_path / "file.md")


def test_update_rereads_changed_created_and_deleted_files(make_vault):
    root = make_vault({"contacts/Ann.md": contact(), "Home.md": "[[Bo]]"})
    vault = Vault.load(root)
    assert vault.resolver.resolve("Bo", "Home.md").broken
    (root / "contacts" / "Bo.md").write_text(contact(status="contacted"))
    (root / "contacts" / "Ann.md").write_text(contact(status="declined"))
    affected = vault.update([root / "contacts" / "Bo.md", "contacts/Ann.md"])
    assert affected == {"contacts/Bo.md", "contacts/Ann.md"}
    assert vault.notes["contacts/Ann"].frontmatter["status"] == "declined"
    assert vault.resolver.resolve("Bo", "Home.md").path == "contacts/Bo.md"
    (root / "contacts" / "Bo.md").unlink()
    vault.update(["contacts/Bo.md"])
    assert "contacts/Bo" not in vault.notes
    assert vault.resolver.resolve("Bo", "Home.md").broken


def test_update_ignores_paths_outside_the_vault_and_hidden_ones(make_vault, tmp_path):
    root = make_vault({"a.md": "x"})
    vault = Vault.load(root)
    outside = tmp_path / "elsewhere.md"
    outside.write_text("x")
    assert vault.update([outside, root / ".obsidian" / "x.md"]) == set()


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlinks_are_skipped_by_default_and_never_followed_outside(make_vault, tmp_path):
    root = make_vault({"a.md": "x", "b/c.md": "x"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("x")
    (root / "link-dir").symlink_to(outside, target_is_directory=True)
    (root / "link.md").symlink_to(outside / "secret.md")
    (root / "inside.md").symlink_to(root / "a.md")
    (root / "inside-dir").symlink_to(root / "b", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.md").symlink_to(root / "gone.md")
    assert sorted(Vault.load(root).notes) == ["a", "b/c"]
    followed = Vault.load(root, follow_symlinks=True)
    assert sorted(followed.notes) == ["a", "b/c", "inside", "inside-dir/c"]
    assert followed.diagnostics_from_reading() == []


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_the_config_can_ask_to_follow_symlinks(make_vault):
    root = make_vault({"a.md": "x", ".vault-tools.toml": "follow_symlinks = true\n"})
    (root / "alias.md").symlink_to(root / "a.md")
    assert sorted(Vault.load(root).notes) == ["a", "alias"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlink_loops_through_several_folders_end(make_vault):
    root = make_vault({"a/x.md": "x", "b/y.md": "y"})
    (root / "a" / "to-b").symlink_to(root / "b", target_is_directory=True)
    (root / "b" / "to-a").symlink_to(root / "a", target_is_directory=True)
    (root / "b" / "self").symlink_to(root / "b", target_is_directory=True)
    notes = sorted(Vault.load(root, follow_symlinks=True).notes)
    # Each folder is entered through a link at most once, and never inside itself.
    assert notes == ["a/to-b/y", "a/x", "b/to-a/x", "b/y"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_update_reads_again_every_path_that_leads_to_a_changed_file(make_vault):
    root = make_vault({"a/x.md": "one", "b/y.md": "y", "z.md": "z"})
    (root / "a" / "to-b").symlink_to(root / "b", target_is_directory=True)
    (root / "b" / "to-a").symlink_to(root / "a", target_is_directory=True)
    (root / "alias.md").symlink_to(root / "a" / "x.md")
    vault = Vault.load(root, follow_symlinks=True)
    assert sorted(vault.notes) == ["a/to-b/y", "a/x", "alias", "b/to-a/x", "b/y", "z"]

    (root / "a" / "x.md").write_text("two")  # watchers report the real path
    assert vault.update([root / "a" / "x.md"]) == {"a/x.md", "b/to-a/x.md", "alias.md"}
    assert {vault.notes[id].body for id in ("a/x", "b/to-a/x", "alias")} == {"two"}
    assert vault.update(["b/to-a/x.md"]) == {"a/x.md", "b/to-a/x.md", "alias.md"}

    (root / "b" / "new.md").write_text("new")
    assert vault.update(["b/new.md"]) == {"b/new.md", "a/to-b/new.md"}
    (root / "b" / "y.md").unlink()
    assert vault.update(["b/y.md"]) == {"b/y.md", "a/to-b/y.md"}
    assert sorted(vault.notes) == ["a/to-b/new", "a/x", "alias", "b/new", "b/to-a/x", "z"]
    assert vault.notes == Vault.load(root, follow_symlinks=True).notes
    assert vault.update(["z.md"]) == {"z.md"}  # no link leads to it

    (root / "b" / "sub").mkdir()  # a folder made since the listing is listed through links
    (root / "b" / "sub" / "deep.md").write_text("deep")
    assert vault.update(["b/sub/deep.md"]) == {"b/sub/deep.md", "a/to-b/sub/deep.md"}
    assert vault.notes == Vault.load(root, follow_symlinks=True).notes

    reads = []
    read_file = vault._read_file
    vault._read_file = lambda relative: reads.append(relative) or read_file(relative)
    vault.update(["a/x.md", "b/to-a/x.md", "alias.md"])  # three paths, one file
    assert sorted(reads) == ["a/x.md", "alias.md", "b/to-a/x.md"]

    (root / "alias.md").unlink()
    assert vault.update(["alias.md"]) == {"alias.md"}
    assert vault.update(["a/x.md"]) == {"a/x.md", "b/to-a/x.md"}  # the removed link is no path
    assert vault.notes == Vault.load(root, follow_symlinks=True).notes


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_update_lists_the_vault_again_when_a_followed_symlink_changed(make_vault):
    """Which paths lead to which files depends on the links: when one the listing met
    is gone, leads elsewhere or finds something new, update lists the vault again."""
    root = make_vault({"c/w.md": "w", "top.md": "top"})
    (root / "L1").symlink_to(root / "c", target_is_directory=True)
    (root / "L2").symlink_to(root / "c", target_is_directory=True)
    (root / "mid.md").symlink_to(root / "top.md")
    (root / "outer.md").symlink_to(root / "mid.md")
    (root / "later").symlink_to(root / "not-yet", target_is_directory=True)
    vault = Vault.load(root, follow_symlinks=True)

    def fresh() -> list[str]:
        return list(Vault.load(root, follow_symlinks=True).notes)

    through = "L1" if "L1/w" in vault.notes else "L2"  # a folder is entered through one link
    (root / through).unlink()
    vault.update([root / through])
    assert list(vault.notes) == fresh()
    assert any(note.startswith(("L1/", "L2/")) for note in vault.notes)  # now the other

    (root / "mid.md").unlink()  # the middle of a chain: outer.md now leads nowhere
    vault.update([root / "mid.md"])
    assert list(vault.notes) == fresh()
    assert "outer" not in vault.notes

    (root / "not-yet").mkdir()  # where a link led nowhere, a folder came
    (root / "not-yet" / "n.md").write_text("n")
    vault.update([root / "not-yet" / "n.md"])
    assert list(vault.notes) == fresh()
    assert {"later/n", "not-yet/n"} <= set(vault.notes)


def test_find_vault_root_walks_up_like_git(tmp_path):
    (tmp_path / "v" / ".obsidian").mkdir(parents=True)
    deep = tmp_path / "v" / "contacts" / "x"
    deep.mkdir(parents=True)
    assert find_vault_root(deep) == (tmp_path / "v").resolve()
    (tmp_path / "v" / "contacts" / ".vault-tools.toml").write_text("")
    assert find_vault_root(deep) == (tmp_path / "v" / "contacts").resolve()
    lone = tmp_path / "lone"
    lone.mkdir()
    assert find_vault_root(lone) == lone.resolve()


def test_templates_folder_notes_are_marked(make_vault):
    root = make_vault(
        {"templates/Contact.md": "---\ndate: {{date}}\n---\n[[{{title}}]] [[Ann]]\n", "Ann.md": "x"}
    )
    vault = Vault.load(root)
    template = vault.notes["templates/Contact"]
    assert template.is_template
    assert vault.read_diagnostics["templates/Contact.md"] == []
    assert [link.target for link in template.links] == ["Ann"]


@pytest.mark.skipif(sys.platform != "linux", reason="names that are not UTF-8")
def test_a_name_that_is_not_utf8_is_reported_and_not_read(make_vault):
    root = make_vault({"a.md": "x"})
    bad = root / os.fsdecode(b"caf\xe9.md")
    bad.write_text("x")
    vault = Vault.load(root)
    assert sorted(vault.notes) == ["a"]
    found = vault.diagnostics_from_reading()
    assert [(item.path, item.rule) for item in found] == [("caf\ufffd.md", "invalid-encoding")]
    for _ in range(2):  # an edit reports it once, however often it comes
        assert vault.update([bad]) == set()
        assert sorted(vault.notes) == ["a"]
        assert [item.path for item in vault.diagnostics_from_reading()] == ["caf\ufffd.md"]
    bad.unlink()
    vault.update([bad])
    assert vault.diagnostics_from_reading() == []


def loaded_state(vault: Vault) -> tuple[object, ...]:
    return (list(vault.notes.items()), vault.read_diagnostics, vault.attachments)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")
def test_workers_read_exactly_what_one_process_reads(make_vault, monkeypatch):
    from tests.hostile_corpus import CASES

    every = {case.path: case.data(Path("/nonexistent")) for case in CASES}
    files = {path: data for path, data in every.items() if len(data) < 100_000}
    files |= {f"contacts/Person {n}.md": contact() for n in range(30)}
    root = make_vault(files)
    monkeypatch.setattr(forked, "PARALLEL_MIN_NOTES", 1)
    one = loaded_state(Vault.load(root))
    for workers in (2, 3, 7):
        assert loaded_state(Vault.load(root, workers=workers)) == one


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes are forked")
def test_a_failed_worker_is_made_up_for_in_the_main_process(make_vault, monkeypatch):
    root = make_vault({f"n{n}.md": contact() for n in range(20)})
    monkeypatch.setattr(forked, "PARALLEL_MIN_NOTES", 1)
    one = loaded_state(Vault.load(root))

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the worker dies")

    monkeypatch.setattr(pickle, "dump", broken)  # only the children pickle
    assert loaded_state(Vault.load(root, workers=2)) == one


def test_no_worker_is_forked_while_other_threads_run(make_vault, monkeypatch):
    import threading

    root = make_vault({f"n{n}.md": contact() for n in range(20)})
    monkeypatch.setattr(forked, "PARALLEL_MIN_NOTES", 1)

    def no_fork() -> int:
        raise AssertionError("forked while another thread runs")

    monkeypatch.setattr(forked.os, "fork", no_fork, raising=False)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert len(Vault.load(root, workers=2).notes) == 20
    finally:
        release.set()
        other.join()


def test_update_keeps_the_order_load_gives(make_vault) -> None:
    """In path order, "Di Ng A.md" comes before "Di Ng.md" (a space sorts before a dot),
    though "Di Ng" is a prefix of "Di Ng A": index and watch must list them alike."""
    root = make_vault(
        {"Di Ng.md": "x\n", "Di Ng A.md": "x\n", "a/b.md": "x\n", "a-b.md": "x\n", "ab.md": "x\n"}
    )
    loaded = Vault.load(root)
    expected = ["Di Ng A", "Di Ng", "a-b", "a/b", "ab"]
    assert list(loaded.notes) == expected
    (root / "Di Ng.md").write_text("y\n")
    loaded.update(["Di Ng.md"])
    assert list(loaded.notes) == expected
    (root / "New.md").write_text("z\n")
    loaded.update(["New.md"])
    assert list(loaded.notes) == list(Vault.load(root).notes)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 5000), most=st.integers(1, 6000))
def test_read_at_most_reads_a_file_whole_or_up_to_the_bound(tmp_path_factory, size, most):
    path = tmp_path_factory.mktemp("read") / "note.md"
    data = bytes(index % 251 for index in range(size))
    path.write_bytes(data)
    assert read_at_most(str(path), most) == data[:most]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_read_at_most_reads_on_when_a_file_has_more_than_its_size_said(tmp_path):
    # A pipe's size is 0 whatever it carries: the same as a note that grew after it was
    # measured.
    pipe = tmp_path / "growing.md"
    os.mkfifo(pipe)
    data = b"x" * 100_000

    def feed() -> None:
        with contextlib.suppress(BrokenPipeError), open(pipe, "wb") as out:
            out.write(data)  # the reader stops early: the rest finds the pipe closed

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        assert read_at_most(str(pipe), 70_001) == data[:70_001]
    finally:
        writer.join(timeout=10)
    assert not writer.is_alive()
