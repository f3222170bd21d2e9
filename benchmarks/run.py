"""Benchmark vault-tools on synthetic vaults, as whole processes, with ratios in one run.

    python benchmarks/run.py                       # sizes 1000, 5000, 20000
    python benchmarks/run.py --sizes 1000,50000 --runs 5 --json results.json
    python benchmarks/run.py --compare             # also obsidiantools, if installed

Each timing is the median of --runs runs of a fresh process. Timings on a shared
machine are noisy, so compare the ratios (to the time to read every note's bytes,
measured in the same run), not the seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from vault_tools.model import CONTACT_SOURCES

SOURCES = tuple(s for s in CONTACT_SOURCES if s not in ("referral", "other"))
FIELDS = ("UX research", "data science", "environmental policy", "nursing", "architecture")
WORDS = (
    "the team",
    "research",
    "a typical week",
    "stakeholders",
    "career change",
    "portfolio",
    "mentor",
    "interview",
    "data",
    "policy",
    "design",
    "clients",
    "budget",
    "travel",
)
HOME = "".join(
    f"## {view}\n\n<!-- vault-tools:begin {view} -->\n<!-- vault-tools:end {view} -->\n\n"
    for view in ("contacts", "interviews", "follow-ups", "organizations", "fields")
)
"""The worst case for `watch`: five views over the whole vault, 15 MB at 50,000 notes,
rewritten whole at every save."""
BOUNDED_HOME = "".join(
    f"## {view}\n\n<!-- vault-tools:begin {view} limit=20 -->\n<!-- vault-tools:end {view} -->\n\n"
    for view in ("contacts", "interviews", "follow-ups", "organizations")
)
"""A dashboard as people keep one: the first twenty of each view, a few kilobytes
whatever the vault's size. The contact that the latency runs save is among them."""


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(root: Path, notes: int, seed: int = 7) -> None:
    """About 55% contacts (~1 KB) and 45% interviews (~3 KB), referral chains several
    levels deep, a few broken links and invalid fields."""
    rng = random.Random(seed)
    contacts = max(2, int(notes * 0.55))
    interviews = notes - contacts
    names = [f"Person {index:06d}" for index in range(contacts)]
    (root / "contacts").mkdir(parents=True)
    (root / "interviews").mkdir()
    for index, name in enumerate(names):
        referred = index > 20 and rng.random() < 0.5
        lines = [
            "---",
            "type: contact",
            f"status: {rng.choice(['identified', 'contacted', 'thanked'])}",
            f"source: {'referral' if referred else rng.choice(SOURCES)}",
        ]
        if referred:
            lines.append(f'referred_by: "[[{names[rng.randrange(max(1, index - 50), index)]}]]"')
        lines += [
            f"organization: Org {rng.randrange(200)}",
            f"field: {rng.choice(FIELDS)}",
            f"email: p{index}@example.com",
            f"contacted_on: 2026-{rng.randint(1, 9):02d}-{rng.randint(10, 28)}",
            "---",
            "## How I found them",
            "",
            sentence(rng, 12),
            "",
            "## Notes",
            "",
        ]
        lines += [f"- {sentence(rng, 14)} See [[{rng.choice(names)}]]." for _ in range(5)]
        if rng.random() < 0.01:
            lines.append("A broken link to [[Nobody At All]].")
        (root / "contacts" / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for index in range(interviews):
        name = names[index % contacts]
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(10, 28)}"
        status = "bogus" if rng.random() < 0.005 else None
        lines = [
            "---",
            "type: interview",
            f'contact: "[[{name}]]"',
            f"date: {day}",
            f"format: {rng.choice(['video', 'phone', 'in-person'])}",
            "duration_minutes: 30",
            f"thank_you_sent: {day}",
            "referrals:",
            f'  - "[[{rng.choice(names)}]]"',
        ]
        if status:
            lines.append(f"format_extra: {status}")
        lines += ["---"]
        for heading in ("Preparation", "Questions", "Notes", "Reflection", "Next steps"):
            lines += [f"## {heading}", ""]
            lines += [f"- {sentence(rng, 16)}" for _ in range(6)]
            lines.append("")
        lines.append(f"Mentioned [[{rng.choice(names)}]] and [[{rng.choice(names)}]].")
        path = root / "interviews" / f"{day} {name} {index}.md"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "Home.md").write_text(HOME, encoding="utf-8")
    # Home.md holds five views over the whole vault: 12 MB at 50,000 notes, over the
    # default max_note_mb, above which a note is not read (so neither indexed).
    (root / ".vault-tools.toml").write_text("max_note_mb = 100\n", encoding="utf-8")
    # Files saved long ago, as in a real vault (the caches ignore just-saved files, the
    # config among them).
    past = time.time() - 3600
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


def timed(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
        )
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _after_one_edit(
    command: list[str], note: Path, runs: int, env: dict[str, str]
) -> tuple[float, float]:
    """Lint after one note changed since the previous run: the other notes' parses come
    from the note cache, the whole result does not replay. The median seconds, and the
    peak memory of one more such run."""

    def edit(change: str) -> None:
        subprocess.run(command, capture_output=True, env=env, check=False)
        text = note.read_text(encoding="utf-8")
        note.write_text(text.replace("organization: ", f"organization: {change} ", 1))
        past = time.time() - 60  # settled, as an edit a minute ago is
        os.utime(note, (past, past))

    samples = []
    for run in range(runs):
        edit(f"Edit{run}")
        samples.append(timed(command, 1, env=env))
    edit("Measured")
    return statistics.median(samples), peak_memory_mb(command, env)


def _index_unchanged(vault: Path, tool: list[str], runs: int, env: dict[str, str]) -> float:
    """``index`` when every block is up to date: the edits of the one-edit column changed
    the contacts table, so the blocks are brought up to date (and the Home note settled,
    as a note saved a minute ago is) before the runs are timed."""
    command = [*tool, "index", str(vault), "--today", "2026-12-01"]
    subprocess.run(command, capture_output=True, env=env, check=False)
    past = time.time() - 60
    os.utime(vault / "Home.md", (past, past))
    return timed(command, runs, env)


def peak_memory_mb(command: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of one run of ``command``, in MB (Linux ru_maxrss is in KB)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *command], capture_output=True, text=True, check=True, env=env
    )
    return int(result.stdout.strip()) / 1024


PEAKS = (
    "peak_memory_mb",
    "peak_memory_mb_one_edit",
    "peak_memory_mb_watch",
    "peak_memory_mb_watch_bounded",
)
"""The peak memory of a first lint (an empty cache folder), a lint after one edit, and
watch with each Home note."""

WATCH_DEBOUNCE = 0.05
"""Seconds of quiet watch waits for before a round, in the latency measured."""


def watch_latency(
    vault: Path, tool: list[str], env: dict[str, str], samples: int, timeout: float = 300.0
) -> tuple[float | None, float | None]:
    """Seconds from saving one contact to its row being rewritten in Home.md under
    `watch`, once watch is past its first round (steady state, as while someone types):
    the median of ``samples`` saves, or None when watch did not answer. Then the peak
    memory of the watch process in MB (None where the system does not tell)."""
    process = subprocess.Popen(
        [*tool, "watch", str(vault), "--no-lint", "--debounce", str(WATCH_DEBOUNCE)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready = threading.Event()

    def wait_ready() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("Watching"):
                ready.set()
                return

    threading.Thread(target=wait_ready, daemon=True).start()
    home = vault / "Home.md"
    note = vault / "contacts" / "Person 000000.md"  # first by name: in every view above

    def save_and_wait(change: str) -> float | None:
        """Save ``note`` with a new organization (which always changes its row); the
        seconds until Home.md is rewritten."""
        before = home.stat().st_mtime_ns
        text = note.read_text(encoding="utf-8")
        start = time.perf_counter()
        note.write_text(text.replace("organization: ", f"organization: {change} ", 1))
        deadline = start + timeout
        while time.perf_counter() < deadline:
            if home.stat().st_mtime_ns != before:
                return time.perf_counter() - start
            time.sleep(0.002)
        return None

    def latency() -> float | None:
        # The first save waits for the first round (it renders every view) to finish;
        # each pause lets watch settle, as it does between keystrokes.
        if save_and_wait("Warm") is None:
            return None
        found = []
        for sample in range(samples):
            time.sleep(1)
            seconds = save_and_wait(f"Moved{sample}")
            if seconds is None:
                return None
            found.append(seconds)
        return statistics.median(found)

    try:
        found = latency() if ready.wait(timeout) else None
        return found, _peak_memory_mb_of(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _peak_memory_mb_of(pid: int) -> float | None:
    """The peak resident memory of the running process ``pid`` so far (Linux)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(size: int, runs: int, compare: bool) -> dict[str, float | int | None]:
    tool = [sys.executable, "-m", "vault_tools"]
    with (
        tempfile.TemporaryDirectory(prefix=f"vault-{size}-") as folder,
        tempfile.TemporaryDirectory(prefix="vault-tools-cache-") as cache,
    ):
        vault = Path(folder)
        generate(vault, size)
        env = {**os.environ, "VAULT_TOOLS_CACHE": cache}
        files = [str(path) for path in vault.rglob("*.md")]
        list_file = vault.parent / f"{vault.name}.files"
        list_file.write_text("\n".join(files), encoding="utf-8")
        read_code = (
            "import sys; [open(p, 'rb').read() for p in "
            "open(sys.argv[1], encoding='utf-8').read().split('\\n')]"
        )
        frontmatter_code = (
            "import sys, frontmatter; [frontmatter.load(p) for p in "
            "open(sys.argv[1], encoding='utf-8').read().split('\\n')]"
        )
        subprocess.run(
            [*tool, "--no-cache", "index", str(vault), "--today", "2026-12-01"],
            capture_output=True,
            check=False,
        )
        past = time.time() - 3600  # as generate() does: the caches ignore just-saved files
        os.utime(vault / "Home.md", (past, past))
        lint = [*tool, "lint", str(vault), "--today", "2026-12-01"]
        row: dict[str, float | int | None] = {
            "size": size,
            "notes": len(files),
            "read_bytes": timed([sys.executable, "-c", read_code, str(list_file)], runs),
            "frontmatter_loop": timed(
                [sys.executable, "-c", frontmatter_code, str(list_file)], runs
            ),
            "lint": timed([*lint, "--no-cache"], runs),
            # A first run with an empty cache folder: it parses every note and remembers
            # the parses.
            "peak_memory_mb": peak_memory_mb(lint, env),
            "lint_warm": timed(lint, runs, env),
        }
        row["lint_one_edit"], row["peak_memory_mb_one_edit"] = _after_one_edit(
            lint, next((vault / "contacts").iterdir()), runs, env
        )
        row["graph_json"] = timed([*tool, "graph", str(vault), "--format", "json"], runs, env)
        row["index_unchanged"] = _index_unchanged(vault, tool, runs, env)
        row["help"] = timed([*tool, "--help"], runs)
        for home, suffix in ((None, ""), (BOUNDED_HOME, "_bounded")):
            if home is not None:
                (vault / "Home.md").write_text(home, encoding="utf-8")
            row[f"watch_latency{suffix}"], peak = watch_latency(vault, tool, env, samples=runs)
            if peak is not None:  # not measured (no /proc) is left out, not failed
                row[f"peak_memory_mb_watch{suffix}"] = peak
        if compare and size <= 5000:
            code = "import sys, obsidiantools.api as o; o.Vault(sys.argv[1]).connect().gather()"
            probe = subprocess.run(
                [sys.executable, "-c", "import obsidiantools"], capture_output=True, check=False
            )
            row["obsidiantools"] = (
                timed([sys.executable, "-c", code, str(vault)], 1)
                if probe.returncode == 0
                else None
            )
        list_file.unlink()
    return row


STARTUP_NOTES = 100


def measure_startup(runs: int) -> dict[str, float | int]:
    """A cold lint of a vault of STARTUP_NOTES notes from the same generator: what every
    run pays whatever the size (starting Python, the imports, the first files)."""
    with tempfile.TemporaryDirectory(prefix="vault-startup-") as folder:
        vault = Path(folder)
        generate(vault, STARTUP_NOTES)
        notes = sum(1 for _ in vault.rglob("*.md"))
        command = [sys.executable, "-m", "vault_tools", "lint", str(vault), "--today", "2026-12-01"]
        return {"notes": notes, "lint": timed([*command, "--no-cache"], runs)}


def add_per_note_times(row: dict[str, float | int | None], startup: dict[str, float | int]) -> None:
    """Milliseconds of cold lint a note: all told, and beyond the start-up (the slope from
    the start-up vault to this one, which shows whether the cost grows linearly)."""
    notes, lint = int(row["notes"] or 0), float(row["lint"] or 0)
    row["lint_ms_a_note"] = lint / notes * 1000
    more = notes - int(startup["notes"])
    row["lint_ms_a_note_beyond_startup"] = (
        (lint - float(startup["lint"])) / more * 1000 if more > 0 else None
    )


def table(rows: list[dict[str, float | int | None]]) -> str:
    def seconds(value: float | int | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    def against_read(row: dict[str, float | int | None], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "n/a"
        return f"{value:.2f} ({value / float(row['read_bytes'] or 1):.1f}x)"

    def peaks(row: dict[str, float | int | None]) -> str:
        return " / ".join(
            "n/a" if row.get(key) is None else f"{float(row[key] or 0):.0f}" for key in PEAKS
        )

    header = (
        "| notes | read bytes | frontmatter loop | lint cold (x read) | lint warm (x read) | "
        "lint, one note edited (x read) | cold ms a note (beyond start-up) | graph json | "
        "index, no change | --help | peak MB: lint / one edit / watch / watch, bounded | "
        "watch latency | watch latency, bounded views |"
    )
    lines = [header, "|" + "---|" * 13]
    for row in rows:
        lines.append(
            f"| {row['notes']:,} | {seconds(row['read_bytes'])} | "
            f"{seconds(row['frontmatter_loop'])} | {against_read(row, 'lint')} | "
            f"{against_read(row, 'lint_warm')} | {against_read(row, 'lint_one_edit')} | "
            f"{float(row['lint_ms_a_note'] or 0):.2f} "
            f"({float(row['lint_ms_a_note_beyond_startup'] or 0):.2f}) | "
            f"{seconds(row['graph_json'])} | {seconds(row['index_unchanged'])} | "
            f"{seconds(row['help'])} | {peaks(row)} | "
            f"{seconds(row['watch_latency'])} | {seconds(row.get('watch_latency_bounded'))} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """One of the issue's targets, as measured in this run."""

    name: str
    measured: float | None
    """None when this run did not measure it (a size left out)."""
    limit: float

    @property
    def holds(self) -> bool | None:
        return None if self.measured is None else self.measured <= self.limit

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "holds": self.holds}


def targets(rows: list[dict[str, float | int | None]]) -> list[Target]:
    """The issue's targets (at 20,000 notes on two cores, unless said), from ``rows``."""
    by_size = {
        # (A run's JSON from before rows held their size: the notes, Home.md aside.)
        int(row["size"] if row.get("size") is not None else (row["notes"] or 1) - 1): row
        for row in rows
    }

    def ratio(size: int, key: str) -> float | None:
        row = by_size.get(size)
        if row is None or row.get(key) is None or not row.get("read_bytes"):
            return None
        return float(row[key] or 0) / float(row["read_bytes"] or 1)

    def largest(key: str, less: float = 0.0) -> float | None:
        """The largest measure of ``key`` over the sizes, ``less`` taken off each."""
        values = [_measure(row, key) - less for row in rows if key in row]
        return max(values) if values else None

    per_note = [
        float(row["lint_ms_a_note_beyond_startup"] or 0)
        for row in rows
        if row.get("lint_ms_a_note_beyond_startup") is not None
    ]
    flatness = max(per_note) / min(per_note) if len(per_note) > 1 and min(per_note) > 0 else None

    def peak(*keys: str) -> float | None:
        """The largest of the peaks ``keys`` at 50,000 notes."""
        row = by_size.get(50_000, {})
        values = [_measure(row, key) for key in keys if key in row]
        return max(values) if values else None

    return [
        Target("cold lint at 20,000 notes, x read bytes", ratio(20_000, "lint"), 3.0),
        Target("warm lint at 20,000 notes, x read bytes", ratio(20_000, "lint_warm"), 0.5),
        Target(
            "watch, Home of whole-vault views: seconds from a save to its block, "
            "after the debounce (largest)",
            largest("watch_latency", less=WATCH_DEBOUNCE),
            0.05,
        ),
        Target(
            "watch, dashboard of bounded views: seconds from a save to its block, "
            "after the debounce (largest)",
            largest("watch_latency_bounded", less=WATCH_DEBOUNCE),
            0.05,
        ),
        Target("--help: seconds (largest)", largest("help"), 0.15),
        Target("cold ms a note beyond start-up: largest / smallest", flatness, 1.3),
        Target(
            "peak MB at 50,000 notes: lint, first run and after one edit",
            peak("peak_memory_mb", "peak_memory_mb_one_edit"),
            500.0,
        ),
        Target(
            "peak MB at 50,000 notes: watch, Home of whole-vault views",
            peak("peak_memory_mb_watch"),
            500.0,
        ),
        Target(
            "peak MB at 50,000 notes: watch, dashboard of bounded views",
            peak("peak_memory_mb_watch_bounded"),
            500.0,
        ),
    ]


def _measure(row: dict[str, float | int | None], key: str) -> float:
    """``row[key]``, where None is a measure that failed (watch never answered): infinite.
    A row without ``key`` (a run from before that measure) is left out by the callers."""
    value = row[key]
    return math.inf if value is None else float(value)


def targets_table(found: list[Target]) -> str:
    lines = ["| target | measured | at most | holds |", "|---|---|---|---|"]
    for target in found:
        measured = "not measured" if target.measured is None else f"{target.measured:.2f}"
        holds = {None: "n/a", True: "yes", False: "no"}[target.holds]
        lines.append(f"| {target.name} | {measured} | {target.limit:g} | {holds} |")
    return "\n".join(lines)


def compile_bytecode() -> None:
    """Compile the package's modules, as installing it from a wheel does, so that no
    run pays for compiling them (an editable checkout under PYTHONDONTWRITEBYTECODE
    would, on every run)."""
    import compileall

    import vault_tools

    compileall.compile_dir(Path(vault_tools.__file__).parent, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="1000,5000,20000",
        help="comma-separated note counts (default: 1000,5000,20000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="also time obsidiantools on sizes up to 5,000, if installed",
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",") if size.strip()]
    compile_bytecode()
    print(f"measuring the start-up ({STARTUP_NOTES} notes)...", file=sys.stderr)
    startup = measure_startup(options.runs)
    rows = []
    for size in sizes:
        print(f"measuring {size:,} notes...", file=sys.stderr)
        row = measure(size, options.runs, options.compare)
        add_per_note_times(row, startup)
        rows.append(row)
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    found = targets(rows)
    print(table(rows))
    print(
        f"\nMachine: {machine}; seconds are medians of {options.runs} runs. Start-up: a cold "
        f"lint of {startup['notes']} notes takes {startup['lint']:.2f} s."
    )
    print("\n" + targets_table(found))
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "machine": machine,
                    "runs": options.runs,
                    "startup": startup,
                    "results": rows,
                    "targets": [target.as_json() for target in found],
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
