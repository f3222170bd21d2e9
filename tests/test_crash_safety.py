"""A writer killed with SIGKILL at any moment leaves every note old or new, never torn,
and the next write clears what it left behind."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vault_tools.blocks import NoteSnapshot, remove_stale_temporaries, write_atomically

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from vault_tools.blocks import NoteChanged, NoteSnapshot, write_atomically

    path = Path(sys.argv[1])
    versions = [Path(p).read_bytes() for p in sys.argv[2:]]
    print("ready", flush=True)
    index = 0
    while True:
        index += 1
        try:
            write_atomically(NoteSnapshot.read(path), versions[index % len(versions)])
        except NoteChanged:
            pass
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_writes_never_tears_a_note(tmp_path: Path) -> None:
    note = tmp_path / "Home.md"
    versions = [
        ("---\ntype: contact\n---\n" + f"version {n}\n" * (20_000 + n)).encode() for n in range(3)
    ]
    note.write_bytes(versions[0])
    sources = []
    for number, data in enumerate(versions):
        source = tmp_path / f"v{number}.bin"
        source.write_bytes(data)
        sources.append(str(source))
    rng = random.Random(4)
    for _ in range(25):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(note), *sources], stdout=subprocess.PIPE
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert note.read_bytes() in versions  # whole old or whole new, never torn
    leftovers = list(tmp_path.glob(".Home.md.*.vtmp"))
    assert leftovers, "no kill landed mid-write: the test proved nothing"
    past = time.time() - 3600
    for leftover in leftovers:
        os.utime(leftover, (past, past))
    write_atomically(NoteSnapshot.read(note), b"after the crashes\n")
    assert not list(tmp_path.glob(".Home.md.*.vtmp"))
    assert note.read_bytes() == b"after the crashes\n"


def test_a_young_temporary_file_is_left_for_its_writer(tmp_path: Path) -> None:
    note = tmp_path / "Home.md"
    note.write_text("x")
    young = tmp_path / ".Home.md.abc123.vtmp"
    young.write_text("someone is writing")
    assert remove_stale_temporaries(note) == []
    assert young.exists()
