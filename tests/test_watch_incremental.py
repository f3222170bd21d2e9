"""`watch` answers a save by rendering again only what the save touched: the views keep
their rows from round to round (``ViewCache``, ``render.views._Kept``) and the render
cache knows the blocks it wrote without parsing the note again (``index._Rewrite``).
What it writes must be, byte for byte, what a full ``index`` of the same files writes.

A generated vault (contacts at a few organizations and in a few fields, many of them
tied on what the tables sort by, interviews before and after the date, an organization
note, a template, and a Home note holding every view, with and without arguments) is
edited at random, with a seed, as a person would: fields, links and dates change, notes
come, go, are renamed or change type, titles clash, aliases appear, the date moves on,
the Home note's blocks change or are edited by hand. Each round is the Watcher's own
``process`` of the paths that changed, as its observer would hand them over, writing
through the atomic writer. After each round a fresh vault, read from the files and
planned without any cache, must find nothing to write; and what the render cache knows
of the Home note's blocks must be what parsing the file finds.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import contact
from tests.test_incremental_index import BODIES
from vault_tools.blocks import BOM
from vault_tools.index import _Layout, plan_index, unified_diff
from vault_tools.render.views import ViewContext, _order_key, _ordered, _Row
from vault_tools.vault import Vault
from vault_tools.watch import Watcher, WatchOptions

TODAY = dt.date(2026, 12, 1)

ORGANIZATIONS = ["Acme", "acme", "Beta Co", "Gamma", '"Acme "', None]
FIELDS = ["data science", "Data Science", "UX research", "nursing", None]
STATUSES = ["identified", "contacted", "thanked", "scheduled", None]
DATES = [
    "2026-09-01",
    "2026-11-20",
    "2026-11-26",
    "2026-11-30",
    "2026-12-01",
    "2026-12-03",
    "2026-12-10",
    "2026-11-30T15:00",
    "not a date",
    None,
]
ROLES = ["Engineer", "PM | lead", "Nurse", None]
FORMATS = ["video", "phone", None]
HOME_BLOCKS = [
    "contacts",
    "contacts sort=-last_contact limit=7",
    "contacts status=contacted sort=organization",
    "interviews",
    "interviews sort=contact limit=5",
    "follow-ups",
    "follow-ups limit=3",
    "organizations",
    'organizations field="data science"',
    "fields",
    "fields status=thanked",
    "referrals",
]


def note_text(fields: dict[str, str], body: str) -> str:
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in fields.items()) + "---\n" + body


def home_text(blocks: list[str], hand_edit: str | None = None) -> str:
    parts = ["# Home\n\nWritten by hand.\n\n"]
    for block in blocks:
        view = block.split()[0]
        if block == hand_edit:
            parts.append(f"<!-- vault-tools:begin {block} hash=00000000 -->\nmy own words\n")
        else:
            parts.append(f"<!-- vault-tools:begin {block} -->\n")
        parts.append(f"<!-- vault-tools:end {view} -->\n\nMore text by hand.\n\n")
    return "".join(parts)


class Editor:
    """The vault's notes as the test last wrote them, and edits of them on disk."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.notes: dict[str, tuple[dict[str, str], str]] = {}
        self.names = [f"Person {number:03d}" for number in range(60)]

    def write(self, relative: str) -> str:
        fields, body = self.notes[relative]
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note_text(fields, body), encoding="utf-8")
        return relative

    def write_home(self, blocks: list[str], hand_edit: str | None = None) -> str:
        (self.root / "Home.md").write_text(home_text(blocks, hand_edit), encoding="utf-8")
        return "Home.md"

    def link(self) -> str:
        rng = self.rng
        name = rng.choice([*self.names, "Nobody Yet", "Annie"])  # no note; an alias, maybe
        return f'"[[{name}]]"' if rng.random() < 0.9 else f'"[[contacts/{name}]]"'

    def contact(self) -> dict[str, str]:
        rng = self.rng
        fields = {"type": "contact", "source": "friend"}
        for key, values in (
            ("status", STATUSES),
            ("organization", ORGANIZATIONS),
            ("field", FIELDS),
            ("role", ROLES),
            ("contacted_on", DATES),
            ("last_contact", DATES),
        ):
            value = rng.choice(values)
            if value is not None:
                fields[key] = value
        if rng.random() < 0.3:
            fields["referred_by"] = self.link()
        return fields

    def interview(self) -> dict[str, str]:
        rng = self.rng
        fields = {"type": "interview", "contact": self.link()}
        for key, values in (("date", DATES), ("thank_you_sent", DATES), ("format", FORMATS)):
            value = rng.choice(values)
            if value is not None:
                fields[key] = value
        if rng.random() < 0.4:
            fields["referrals"] = f"[{self.link()}, {self.link()}]"
        return fields

    def start(self) -> list[str]:
        for name in self.names[:45]:
            self.notes[f"contacts/{name}.md"] = (self.contact(), "# Notes\n")
        for number in range(40):
            fields = self.interview()
            self.notes[f"interviews/Interview {number:03d}.md"] = (
                fields,
                self.rng.choice(BODIES),
            )
        self.notes["organizations/Acme.md"] = ({"type": "organization"}, "# Acme\n")
        self.notes["Templates/Contact.md"] = (self.contact(), "")
        written = [self.write(relative) for relative in self.notes]
        return [*written, self.write_home(HOME_BLOCKS)]

    def of_kind(self, kind: str) -> list[str]:
        return sorted(
            relative
            for relative, (fields, _) in self.notes.items()
            if fields.get("type") == kind and not relative.startswith("Templates/")
        )

    def edit(self) -> tuple[list[str], dt.date | None]:
        """One random edit: the paths it touched, and the new date if it moved the date."""
        rng = self.rng
        action = rng.choice(
            ["set"] * 8 + ["add", "remove", "rename", "retype", "alias", "body", "home", "today"]
        )
        kind = rng.choice(["contact", "interview"])
        notes = self.of_kind(kind)
        if action == "today":
            return [], TODAY + dt.timedelta(days=rng.randint(-10, 10))
        if action == "home":
            blocks = [block for block in HOME_BLOCKS if rng.random() < 0.8] or ["contacts"]
            hand_edit = rng.choice([None, None, *blocks])
            return [self.write_home(blocks, hand_edit)], None
        if action == "add" or not notes:
            name = rng.choice([*self.names, "Annie"])
            if kind == "contact":  # in another folder too, where titles clash
                folder = rng.choice(["contacts", "contacts", "people"])
                relative = f"{folder}/{name}.md"
                self.notes[relative] = (self.contact(), "# Notes\n")
            else:
                relative = f"interviews/Interview {rng.randrange(1000):03d}.md"
                self.notes[relative] = (self.interview(), rng.choice(BODIES))
            return [self.write(relative)], None
        relative = rng.choice(notes)
        fields, body = self.notes[relative]
        fields = dict(fields)
        if action == "set":
            fresh = self.contact() if kind == "contact" else self.interview()
            key = rng.choice(sorted(set(fresh) | set(fields) - {"type"}))
            if key in fresh and rng.random() < 0.8:
                fields[key] = fresh[key]
            else:
                fields.pop(key, None)
        elif action == "remove":
            del self.notes[relative]
            (self.root / relative).unlink()
            return [relative], None
        elif action == "rename":
            del self.notes[relative]
            (self.root / relative).unlink()
            folder = relative.rsplit("/", 1)[0]
            new = f"{folder}/{rng.choice(self.names)} {rng.randrange(10)}.md"
            self.notes[new] = (fields, body)
            return [relative, self.write(new)], None
        elif action == "retype":
            fields["type"] = rng.choice(["organization", "contact", "interview"])
        elif action == "alias":
            fields["aliases"] = rng.choice(["[Annie]", "[Cy]", "[]"])
        elif action == "body":
            body = rng.choice(BODIES)
        self.notes[relative] = (fields, body)
        return [self.write(relative)], None


def assert_as_a_full_index(root: Path, today: dt.date) -> None:
    """A vault read afresh from the files and planned without a cache writes nothing."""
    plan = plan_index(Vault.load(root), today=today)
    assert not plan.updates, unified_diff(plan.updates[0])


def assert_blocks_known_as_parsed(watcher: Watcher, today: dt.date) -> None:
    """What the render cache keeps of each note's blocks is what parsing the note finds."""
    cache = watcher._render_cache
    assert cache is not None
    context = ViewContext(watcher.vault, today, watcher.vault.config.thank_you_hours)
    for path, known in cache._layouts.items():
        data = (watcher.root / path).read_bytes()
        text = data.removeprefix(BOM).decode("utf-8")
        if known.text != text:
            continue  # edited since the round: the next round reads it again
        parsed = _Layout.of(path, text, context)
        assert (known.body_start, known.body_offset) == (parsed.body_start, parsed.body_offset)
        assert known.parsed.first_line == parsed.parsed.first_line
        assert known.parsed.blocks == parsed.parsed.blocks
        assert [b.span for b in known.parsed.blocks] == [b.span for b in parsed.parsed.blocks]
        assert known.parsed.problems == parsed.parsed.problems
        assert [d.to_dict() for d in known.problems] == [d.to_dict() for d in parsed.problems]
        assert known.data in (None, data)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_watch_writes_what_a_full_index_writes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "vault"
    editor = Editor(root, rng)
    editor.start()
    today = TODAY
    watcher = Watcher(
        Vault.load(root),
        WatchOptions(lint=False, today=today),
        report=lambda line: None,
        message=lambda line: pytest.fail(f"the watcher said: {line}"),
    )
    watcher.process({str(root / "Home.md")})  # the first round: every block filled
    assert_as_a_full_index(root, today)
    for _ in range(45):
        touched: list[str] = []
        edits = rng.choice([1, 1, 1, 2, 3])  # a save, or a few in one round
        while edits > 0 or not touched:  # (a round starts with a save, not with the date)
            paths, moved_to = editor.edit()
            touched += paths
            edits -= 1
            if moved_to is not None:
                today = watcher.options.today = moved_to
        watcher.process({str(root / relative) for relative in touched})
        assert_as_a_full_index(root, today)
        assert_blocks_known_as_parsed(watcher, today)
    assert watcher.writes > 10  # the rounds did rewrite the blocks


# -- the order of a table's rows -------------------------------------------------------------

VALUES = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["acme", "Acme", "ACME ", "beta", "Beta", "ä", "a", "b"]),
    st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 1, 5)),
    st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 1, 3)),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(VALUES, max_size=12),
    st.sampled_from(["name", "-name", "organization", "-organization"]),
    st.permutations(range(12)),
)
def test_the_kept_order_is_the_order_of_a_sort(
    values: list[Any], sort: str, ids: list[int]
) -> None:
    """``_order_key`` (by which the kept tables put a row in its place) orders rows as
    ``_ordered`` sorts them: by the value, either way, those without one last, ties by
    note id (never by the order the rows come in)."""
    rows = []
    for index, value in enumerate(values):
        note: Any = SimpleNamespace(id=f"contacts/{ids[index]:02d}")
        rows.append(_Row(note, {"name": value, "organization": value}, str(index)))
    column, descending = sort.lstrip("-"), sort.startswith("-")
    expected = [row.line for row in _ordered(rows, {"sort": sort}, "name")]
    by_key = sorted(rows, key=lambda row: _order_key(row, column, descending))
    assert [row.line for row in by_key] == expected


def test_blocks_known_after_a_forced_write(tmp_path: Path) -> None:
    """``index --force`` rewrites a block edited by hand: the blocks the cache then knows,
    without parsing the note again, are not edited any more, and later plans with the
    cache are those without one."""
    from vault_tools.index import RenderCache, write_plan

    root = tmp_path / "vault"
    editor = Editor(root, random.Random(4))
    editor.start()
    editor.write_home(HOME_BLOCKS, hand_edit="fields")
    vault = Vault.load(root)
    cache = RenderCache()
    assert plan_index(vault, today=TODAY, cache=cache).refused == 1
    written = write_plan(plan_index(vault, today=TODAY, force=True, cache=cache), cache=cache)
    assert [update.path for update in written.written] == ["Home.md"]
    known = cache._layouts["Home.md"]
    assert not [d for d in known.problems if d.rule == "edited-block"]
    again = plan_index(vault, today=TODAY, cache=cache)
    assert (again.refused, again.updates) == (0, [])
    assert plan_index(Vault.load(root), today=TODAY).updates == []


def test_a_view_that_fails_halfway_leaves_nothing_half_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row that cannot be made in the middle of a round (an error the caller catches):
    the next round with the same cache plans what a fresh plan does."""
    from vault_tools.index import RenderCache, write_plan
    from vault_tools.render import views

    root = tmp_path / "vault"
    editor = Editor(root, random.Random(5))
    editor.start()
    editor.write_home(HOME_BLOCKS)
    vault = Vault.load(root)
    cache = RenderCache()
    write_plan(plan_index(vault, today=TODAY, cache=cache), cache=cache)
    contacts = sorted((root / "contacts").glob("*.md"))[:2]
    for number, path in enumerate(contacts):
        path.write_text(contact(organization=f"Moved {number}"), encoding="utf-8")
    vault.update(str(path) for path in contacts)
    make_row = views._contact_row
    failing = contacts[1].stem

    def fails_for_one(context: ViewContext, note: Any) -> Any:
        if note.title == failing:
            raise RuntimeError("this row cannot be made")
        return make_row(context, note)

    monkeypatch.setattr(views, "_contact_row", fails_for_one)
    with pytest.raises(RuntimeError):
        plan_index(vault, today=TODAY, cache=cache)
    monkeypatch.setattr(views, "_contact_row", make_row)
    with_cache = plan_index(vault, today=TODAY, cache=cache)
    fresh = plan_index(Vault.load(root), today=TODAY)
    assert [u.new_data for u in with_cache.updates] == [u.new_data for u in fresh.updates]
    assert fresh.updates  # the moved contacts' rows change Home.md
