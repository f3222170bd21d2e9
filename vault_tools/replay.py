"""Replay the last output of the same command line when nothing it depends on changed.

A ``lint`` that finds the vault as it was last time replays its result from the cache
(cache.py), but loading click and the tool's commands takes longer than listing a vault
of thousands of notes. So ``lint`` also records what it printed, and the next run of the
same command line looks for that record first, with no more than the standard library:

- the record is of the same arguments, run from the same folder, with the same
  environment variables (but those a shell changes as it goes), the same kinds of output
  streams (a terminal or not, and their encodings), by the same code, libraries and
  Python;
- a run that took its date from the clock (no ``--today``) is replayed on that day only;
- the vault it found (again found from the current folder, when no VAULT was given) has
  the same fingerprint (fingerprint.py): no file, configuration or schema changed;
- the output can be written to the streams as it is (click writes some text otherwise).

Then the recorded output is written and the recorded exit code returned; otherwise the
command runs in full. ``lint`` records itself when its result could be remembered (see
cache.py), ``index`` when it also found nothing to regenerate; output with terminal
styles is never recorded (click strips them when the output is not a terminal). A
damaged or foreign record is ignored.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:  # (typing itself takes milliseconds to import)
    from vault_tools.fingerprint import Fingerprint

FORMAT = 1


_DAMAGED = (OSError, ValueError, TypeError, LookupError, AttributeError, RecursionError)
"""What a damaged or foreign record, or an odd stream, raises while it is looked at
(UnicodeError is a ValueError; LookupError covers KeyError and an unknown encoding)."""


def replay(argv: list[str]) -> int | None:
    """Write the recorded output of ``argv`` and return its exit code, if a record of it
    still holds; None (having written nothing) otherwise."""
    try:
        record = _record_that_holds(argv)
    except _DAMAGED:
        return None
    if record is None:
        return None
    try:
        sys.stdout.write(record.stdout)
        sys.stdout.flush()
        sys.stderr.write(record.stderr)
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader went (``| head``): exit 1 without a word, as click does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # (Python flushes stdout once more on exit)
        return 1
    return record.exit_code


def remember(
    argv: list[str],
    fingerprint: Fingerprint,
    *,
    discovered: bool,
    clock_day: str | None,
    stdout: str,
    stderr: str,
    exit_code: int,
) -> None:
    """Record that ``argv`` printed ``stdout`` and ``stderr`` and exited with ``exit_code``,
    for the vault ``fingerprint`` describes (``discovered``: found from the current folder,
    no VAULT given), on ``clock_day`` (the day, YYYY-MM-DD, the command took from the
    clock, if it took one: a run begun before midnight is not replayed after it). One
    record is kept for each command line and folder."""
    import json

    from vault_tools.user_cache import cache_location, vault_name, write_cache_file

    try:
        cwd = os.getcwd()
        context = _context()
    except (OSError, ValueError, AttributeError):
        return
    name = _invocation_name(argv, cwd)
    record = {
        "format": FORMAT,
        "argv": argv,
        "cwd": cwd,
        "context": context,
        "recipe": fingerprint.recipe.as_json(),
        "discovered": discovered,
        "clock_day": clock_day,
        "key": fingerprint.key,
        "stdout": stdout,
        "stderr": stderr,
        "exit": exit_code,
    }
    folder = cache_location()
    target = os.path.join(folder, f"run-{vault_name(fingerprint.recipe.root)}-{name}.json")
    for other in _records_of(folder, name):
        if other != target:  # the same command line found another vault before
            with contextlib.suppress(OSError):
                os.unlink(other)
    write_cache_file(target, json.dumps(record))


class Recorded:
    def __init__(self, stdout: str, stderr: str, exit_code: int) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code


def _record_that_holds(argv: list[str]) -> Recorded | None:
    from vault_tools.user_cache import cache_location

    cwd = os.getcwd()
    candidates = _records_of(cache_location(), _invocation_name(argv, cwd))
    if not candidates:
        return None  # (the usual case for any command but lint: nothing more is loaded)
    import json
    import time

    from vault_tools.fingerprint import Recipe, fingerprint_now
    from vault_tools.listing import find_root

    context = _context()
    for path in candidates:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
        if not isinstance(record, dict) or (
            record.get("format"),
            record.get("argv"),
            record.get("cwd"),
            record.get("context"),
        ) != (FORMAT, argv, cwd, context):
            continue
        stdout, stderr, exit_code = record["stdout"], record["stderr"], record["exit"]
        if not (isinstance(stdout, str) and isinstance(stderr, str) and type(exit_code) is int):
            continue
        if record["clock_day"] not in (None, time.strftime("%Y-%m-%d")):
            continue
        recipe = Recipe.from_json(record["recipe"])
        if record["discovered"]:
            recipe.root = find_root(cwd)  # a vault made nearer since is another vault
        if fingerprint_now(recipe).key != record["key"]:
            continue
        # Text a stream cannot encode as it is goes the full way, to be written as click
        # writes it (which replaces an ASCII stream by UTF-8), or to fail as it fails.
        stdout.encode(sys.stdout.encoding)
        stderr.encode(sys.stderr.encoding)
        return Recorded(stdout, stderr, exit_code)
    return None


def _records_of(folder: str, name: str) -> list[str]:
    ending = f"-{name}.json"
    try:
        with os.scandir(folder) as entries:
            return [
                entry.path
                for entry in entries
                if entry.name.startswith("run-") and entry.name.endswith(ending)
            ]
    except OSError:
        return []


def _invocation_name(argv: list[str], cwd: str) -> str:
    """A short name for a command line and folder (the record holds both in full)."""
    text = "\0".join([cwd, *argv])
    return f"{zlib.crc32(text.encode('utf-8', 'surrogatepass')):08x}"


_SHELL_ONLY = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
"""Environment variables a shell changes as it goes (the last command, the folder before),
which no command reads (the current folder is taken from the system)."""


def _context() -> str:
    """What besides the vault, the command line and the day an output depends on, as a
    digest."""
    import hashlib
    import json

    from vault_tools.user_cache import code_stamp

    streams = [
        [stream.isatty(), stream.encoding, stream.errors] for stream in (sys.stdout, sys.stderr)
    ]
    described = [
        code_stamp(),
        sys.executable,
        sys.version,
        streams,
        sorted(item for item in os.environ.items() if item[0] not in _SHELL_ONLY),
    ]
    text = json.dumps(described)  # (escapes what the environment holds as lone surrogates)
    return hashlib.sha256(text.encode()).hexdigest()
