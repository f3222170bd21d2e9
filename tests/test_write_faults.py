"""Writes that fail (a full disk, a read-only mount) lose nothing and say which file.

Each scenario runs twice:

* on a real file system: a tiny tmpfs mounted for the test, filled to the last byte or
  remounted read-only. Mounting needs root with CAP_SYS_ADMIN (CI has it); elsewhere
  those tests are skipped;
* simulated, for everyone: the writer's temporary file is opened on ``/dev/full`` (the
  kernel answers every write with ENOSPC), or creating it fails with EROFS.

Every write path is covered: index blocks, ``new contact``, ``set`` and ``export -o``.
After a failed write the note holds its old bytes, no temporary file is left, the
message names the note, and the exit code is 1.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import contact, write_vault
from vault_tools.cli import cli

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="tmpfs and /dev/full")

HOME = "# Home\n\n<!-- vault-tools:begin contacts -->\n<!-- vault-tools:end contacts -->\n\nMine.\n"
FILES = {
    "Home.md": HOME,
    **{f"contacts/Person {number:03}.md": contact() for number in range(40)},
}
TODAY = "2026-12-01"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the vault by relative path, temporary files included."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def temporaries(root: Path) -> list[Path]:
    return sorted(root.rglob("*.vtmp"))


# -- real file systems ----------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the simulated tests cover this case)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


def fill(disk: Path) -> None:
    """Write to ``disk`` until nothing more fits."""
    with open(disk / "filler.bin", "wb", buffering=0) as filler:
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                filler.write(chunk)
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0")


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A vault on a 1 MB tmpfs with no byte left."""
    with tmpfs(tmp_path / "disk", "1m") as disk:
        root = write_vault(disk / "vault", FILES)
        run("export", "csv", "contacts", str(root), "-o", str(disk / "contacts.csv"))
        (disk / "contacts.csv").write_text("old export\n")
        fill(disk)
        yield root


@pytest.fixture
def read_only_vault(tmp_path: Path) -> Iterator[Path]:
    """A vault on a tmpfs remounted read-only."""
    with tmpfs(tmp_path / "disk", "4m") as disk:
        root = write_vault(disk / "vault", FILES)
        (disk / "contacts.csv").write_text("old export\n")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            yield root
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=False)


# -- simulated faults ---------------------------------------------------------------------


def mkstemp_on_dev_full(
    real_mkstemp: Callable[..., tuple[int, str]],
) -> Callable[..., tuple[int, str]]:
    """``tempfile.mkstemp`` whose file writes go to /dev/full: ENOSPC on flush."""

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        handle, name = real_mkstemp(*args, **kwargs)
        os.close(handle)
        return os.open("/dev/full", os.O_WRONLY), name

    return mkstemp


@pytest.fixture
def simulated_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_vault(tmp_path / "vault", FILES)
    (tmp_path / "contacts.csv").write_text("old export\n")
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_on_dev_full(tempfile.mkstemp))
    return root


@pytest.fixture
def simulated_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_vault(tmp_path / "vault", FILES)
    (tmp_path / "contacts.csv").write_text("old export\n")

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    return root


SCENARIOS = {
    "full disk": ("full_disk", "No space left on device"),
    "full disk (simulated)": ("simulated_full_disk", "No space left on device"),
    "read-only mount": ("read_only_vault", "Read-only file system"),
    "read-only (simulated)": ("simulated_read_only", "Read-only file system"),
}


@pytest.fixture(params=sorted(SCENARIOS))
def faulty(request: pytest.FixtureRequest) -> tuple[Path, str]:
    fixture, reason = SCENARIOS[request.param]
    return request.getfixturevalue(fixture), reason


# -- the tests ------------------------------------------------------------------------------


def test_index_leaves_the_note_intact_and_names_it(faulty: tuple[Path, str]) -> None:
    root, reason = faulty
    before = snapshot(root)
    code, _, err = run("index", str(root), "--today", TODAY)
    assert code == 1
    assert f"Not updated: Home.md: cannot be written: {reason}" in err
    assert snapshot(root) == before
    assert temporaries(root) == []


def test_new_contact_creates_nothing_and_names_the_note(faulty: tuple[Path, str]) -> None:
    root, reason = faulty
    before = snapshot(root)
    code, _, err = run("new", "contact", "Zoe Park", "--vault", str(root), "--source", "friend")
    assert code == 1
    assert f"contacts/Zoe Park.md: cannot be written: {reason}" in err
    assert "Traceback" not in err
    assert snapshot(root) == before
    assert temporaries(root) == []


def test_set_leaves_the_note_intact_and_names_it(faulty: tuple[Path, str]) -> None:
    root, reason = faulty
    before = snapshot(root)
    code, _, err = run("set", "Person 007", "status=contacted", "--vault", str(root))
    assert code == 1
    assert f"contacts/Person 007.md: cannot be written: {reason}; it was left as is" in err
    assert snapshot(root) == before
    assert temporaries(root) == []


def test_export_keeps_the_previous_output_file(faulty: tuple[Path, str]) -> None:
    root, reason = faulty
    output = root.parent / "contacts.csv"
    code, _, err = run("export", "csv", "contacts", str(root), "-o", str(output))
    assert code == 1
    assert f"{output}: cannot be written: {reason}" in err
    assert output.read_text() == "old export\n"
    assert temporaries(root.parent) == []


def test_lint_works_on_a_read_only_mount(read_only_vault: Path) -> None:
    code, out, err = run("lint", str(read_only_vault), "--today", TODAY)
    assert code == 0, out + err
    assert "No problems found in 41 notes." in err


def test_output_goes_through_a_symlink_and_into_a_device(tmp_path: Path) -> None:
    root = write_vault(tmp_path / "vault", FILES)
    (tmp_path / "exports").mkdir()
    real = tmp_path / "exports" / "contacts.csv"
    real.write_text("old export\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    code, _, err = run("export", "csv", "contacts", str(root), "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and real.read_text().startswith("name,")
    code, _, err = run("export", "csv", "contacts", str(root), "-o", os.devnull)
    assert code == 0, err
    assert Path(os.devnull).is_char_device()


def test_an_import_that_cannot_write_goes_on_and_names_every_note(
    simulated_full_disk: Path,
) -> None:
    root = simulated_full_disk
    cards = root.parent / "people.vcf"
    cards.write_text(
        "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {n}\r\nEND:VCARD\r\n" for n in range(3))
    )
    before = snapshot(root)
    code, _, err = run("import", "vcard", str(cards), str(root))
    assert code == 1
    assert "Traceback" not in err
    for n in range(3):
        assert f"Card {n}.md" in err
    assert snapshot(root) == before
