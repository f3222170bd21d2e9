"""Incremental indexing: ``plan_index(..., cache=RenderCache())`` kept from one call to the
next plans exactly what ``plan_index`` without a cache plans, after any sequence of edits.

A small vault (contacts, interviews, an organization, a template, and a Home note holding
every view, with and without arguments) is edited step by step the way ``watch`` sees it:
the files change on disk, ``Vault.update`` re-reads them, and ``plan_index`` runs with the
cache kept since the first step. After every step the plan must equal, byte for byte, the
plan of the same vault without a cache. The steps change fields, links and aliases, add,
remove and rename contacts and interviews (and notes whose titles clash), change a note's
type, the date, the Home note's blocks and the attachments, and write the plan as ``watch``
does (so that the next step reads the blocks it generated).

A failure prints the smallest sequence of steps that hypothesis found.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vault_tools.index import IndexPlan, RenderCache, plan_index, views_read, write_plan
from vault_tools.links import LinkResolver
from vault_tools.vault import Vault

TODAY = dt.date(2026, 12, 1)

NAMES = ["Ann Lee", "Bo Kim", "Cy Dunn", "Di Ng", "Ed Fox", "ann lee"]
"""People; "ann lee" is "Ann Lee" in another case, and "Zoe Park" (below) has no note."""
LINKS = [f'"[[{name}]]"' for name in [*NAMES[:5], "Zoe Park", "Annie", "contacts/Ann Lee"]] + [
    '["[[Bo Kim]]", "[[Zoe Park]]"]',
    '["[[Cy Dunn]]", "[[Ann Lee]]"]',
    '"[[Zoe Park.pdf]]"',
]
"""Links to a person: "Annie" resolves to no note, but names whoever has that alias;
"Zoe Park.pdf" names an attachment that comes and goes."""
DATES = [
    "2026-10-01",
    "2026-11-20",
    "2026-11-27",
    "2026-11-30",
    "2026-12-01",
    "2026-12-03",
    "2026-11-30T15:00",
    "not a date",
]
CONTACT_VALUES: dict[str, list[str | None]] = {
    "status": ["identified", "contacted", "scheduled", "interviewed", "thanked", None],
    "organization": ["Acme", "acme", "Beta Co", '"Acme "', None],
    "field": ["data science", "Data Science", "UX research", "1", "true", None],
    "role": ["Engineer", "PM | lead", None],
    "contacted_on": [*DATES, None],
    "last_contact": [*DATES, None],
    "referred_by": [*LINKS, None],
    "aliases": ["[Annie]", "[Bo]", None],
    "type": ["contact", "organization", "interview"],
}
INTERVIEW_VALUES: dict[str, list[str | None]] = {
    "contact": [*LINKS[:8], None],
    "date": [*DATES, None],
    "thank_you_sent": [*DATES, '""', None],
    "format": ["video", "phone", None],
    "referrals": [*LINKS, None],
    "objectives": ["[learn the job]", None],
    "type": ["interview", "contact"],
}
BODIES = [
    "## Notes\n",
    "## Preparation\n\n- read their blog\n\n## Questions\n\n- what is a typical week?\n",
    "## Questions\n\n- how did you start?\n",
]
HOME_BLOCKS = [
    "contacts",
    "contacts sort=-last_contact limit=3",
    "contacts organization=Acme",
    "interviews",
    "interviews sort=contact",
    "follow-ups",
    "follow-ups limit=1",
    "referrals",
    "referrals status=identified",
    "organizations",
    'organizations field="data science"',
    "fields",
    "fields status=thanked",
    "contacts nosuch=argument",
]


def frontmatter_note(fields: dict[str, str], body: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\n{lines}---\n{body}"


HOME_FORMS = ["", "crlf", "bom", "frontmatter", "interview"]


def home(blocks: Iterable[str], hand_edit: bool = False, form: str = "") -> str:
    """A note with an empty block per begin-marker text; ``hand_edit``: the fields blocks
    hold text their hash does not match; ``form``: its lines end in CRLF, it starts with a
    byte-order mark, or with a frontmatter (which holds a marker, that is no block), or it
    is an interview soon, whose questions (for the agenda) are what its blocks list."""
    head = {
        "frontmatter": "---\nnote: <!-- vault-tools:begin fields -->\n---\n",
        "interview": "---\ntype: interview\ndate: 2026-12-03\n---\n",
    }.get(form, "")
    parts = ["\ufeff" if form == "bom" else "", head, "# Home\n\n"]
    if form == "interview":
        parts.append("## Questions\n\n")
    for block in blocks:
        view = block.split()[0]
        if hand_edit and view == "fields":
            parts.append(f"<!-- vault-tools:begin {block} hash=00000000 -->\nedited by hand\n")
        else:
            parts.append(f"<!-- vault-tools:begin {block} -->\n")
        parts.append(f"<!-- vault-tools:end {view} -->\n\n")
    text = "".join(parts)
    return text.replace("\n", "\r\n") if form == "crlf" else text


class Model:
    """The vault's files as the test writes them: each note's fields and body."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.notes: dict[str, tuple[dict[str, str], str]] = {}
        self.other: dict[str, str] = {}

    def write(self, relative: str) -> str:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if relative in self.notes:
            fields, body = self.notes[relative]
            path.write_text(frontmatter_note(fields, body), encoding="utf-8")
        else:
            path.write_text(self.other[relative], encoding="utf-8")
        return relative

    def remove(self, relative: str) -> str:
        self.notes.pop(relative, None)
        self.other.pop(relative, None)
        (self.root / relative).unlink()
        return relative

    def of_type(self, note_type: str) -> list[str]:
        """The notes of ``note_type`` that steps edit (the template stays as it is)."""
        return sorted(
            path
            for path, (fields, _) in self.notes.items()
            if fields.get("type") == note_type and not path.startswith("Templates/")
        )


def contact(status: str, organization: str, field: str, **extra: str) -> dict[str, str]:
    fields = {"type": "contact", "status": status, "source": "friend"}
    return fields | {"organization": organization, "field": field} | extra


def interview(name: str, date: str, **extra: str) -> dict[str, str]:
    return {"type": "interview", "contact": f'"[[{name}]]"', "date": date} | extra


def start(root: Path) -> Model:
    model = Model(root)
    model.notes = {
        "contacts/Ann Lee.md": (
            contact("contacted", "Acme", "data science", contacted_on="2026-11-20"),
            "# Notes\n",
        ),
        "contacts/Bo Kim.md": (
            contact("identified", "Acme", "UX research", referred_by='"[[Ann Lee]]"'),
            "# Notes\n",
        ),
        "contacts/Cy Dunn.md": (
            contact("thanked", "Beta Co", "data science", aliases="[Cyd]"),
            "# Notes\n",
        ),
        "contacts/Di Ng.md": (
            contact("contacted", "acme", "data science", last_contact="2026-11-27"),
            "# Notes\n",
        ),
        "interviews/2026-11-20 Cy Dunn.md": (
            interview("Cy Dunn", "2026-11-20", referrals='["[[Bo Kim]]", "[[Zoe Park]]"]'),
            BODIES[1],
        ),
        "interviews/2026-12-03 Ann Lee.md": (
            interview("Ann Lee", "2026-12-03", format="video"),
            BODIES[2],
        ),
        "interviews/2026-11-30 Di Ng.md": (
            interview("Di Ng", "2026-11-30T15:00", thank_you_sent="2026-12-01"),
            BODIES[0],
        ),
        "organizations/Acme.md": ({"type": "organization"}, "# Acme\n"),
        "Templates/Contact.md": (contact("identified", "Acme", "data science"), ""),
    }
    model.other = {"Home.md": home(HOME_BLOCKS)}
    for relative in [*model.notes, *model.other]:
        model.write(relative)
    return model


# -- steps --------------------------------------------------------------------------------

KINDS = st.sampled_from(["contact", "interview"])
STEPS = st.one_of(
    st.tuples(st.just("set"), KINDS, st.integers(0, 20), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("add"), KINDS, st.integers(0, 20), st.sampled_from(["", "people/"])),
    st.tuples(st.just("remove"), KINDS, st.integers(0, 20)),
    st.tuples(st.just("rename"), KINDS, st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("body"), st.integers(0, 20), st.integers(0, 20)),
    st.tuples(st.just("today"), st.integers(-12, 12)),
    st.tuples(
        st.just("home"),
        st.integers(0, 2 ** len(HOME_BLOCKS) - 1),
        st.booleans(),
        st.sampled_from(HOME_FORMS),
    ),
    st.tuples(st.just("attachment"), st.sampled_from(["Bo Kim.png", "files/Zoe Park.pdf"])),
    st.tuples(st.just("write"), st.booleans()),
)
Step = tuple[Any, ...]


def apply(step: Step, model: Model) -> list[str]:
    """Make ``step``'s change on disk; the vault-relative paths it touched."""
    action = step[0]
    if action == "set":
        _, kind, which, key_index, value_index = step
        notes = model.of_type(kind)
        if not notes:
            return []
        relative = notes[which % len(notes)]
        fields, body = model.notes[relative]
        values = CONTACT_VALUES if kind == "contact" else INTERVIEW_VALUES
        key = sorted(values)[key_index % len(values)]
        value = values[key][value_index % len(values[key])]
        fields = dict(fields)
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
        model.notes[relative] = (fields, body)
        return [model.write(relative)]
    if action == "add":
        _, kind, which, folder = step
        name = [*NAMES, "Zoe Park"][which % (len(NAMES) + 1)]
        if kind == "contact":
            relative = f"{folder or 'contacts/'}{name}.md"
            fields = contact("identified", "Beta Co", "UX research")
        else:
            relative = f"{folder or 'interviews/'}2026-11-29 {name}.md"
            fields = interview(name, "2026-11-29")
        model.notes[relative] = (fields, BODIES[0])
        return [model.write(relative)]
    if action in ("remove", "rename"):
        notes = model.of_type(step[1])
        if not notes:
            return []
        relative = notes[step[2] % len(notes)]
        fields, body = model.notes[relative]
        touched = [model.remove(relative)]
        if action == "rename":
            folder = relative.rsplit("/", 1)[0]
            name = [*NAMES, "Zoe Park"][step[3] % (len(NAMES) + 1)]
            odd = step[1] == "interview" and step[3] % 2
            new = f"{folder}/{name} {step[3]}.md" if odd else f"{folder}/{name}.md"
            model.notes[new] = (fields, body)
            touched.append(model.write(new))
        return touched
    if action == "body":
        notes = model.of_type("interview")
        if not notes:
            return []
        relative = notes[step[1] % len(notes)]
        model.notes[relative] = (model.notes[relative][0], BODIES[step[2] % len(BODIES)])
        return [model.write(relative)]
    if action == "home":
        _, mask, hand_edit, *form = step
        blocks = [block for index, block in enumerate(HOME_BLOCKS) if mask & (1 << index)]
        model.other["Home.md"] = home(blocks, hand_edit, *form)
        return [model.write("Home.md")]
    if action == "attachment":
        relative = step[1]
        if relative in model.other:
            return [model.remove(relative)]
        model.other[relative] = "not a note"
        return [model.write(relative)]
    return []


def summary(plan: IndexPlan) -> Any:
    return (
        [
            (update.path, update.snapshot.data, update.new_data, update.views)
            for update in plan.updates
        ],
        [found.to_dict() for found in plan.diagnostics],
        plan.notes_with_blocks,
        plan.blocks,
        plan.refused,
    )


def check(
    vault: Vault,
    cache: RenderCache,
    today: dt.date,
    options: dict[str, Any],
    exact: Vault | None = None,
) -> IndexPlan:
    """The plan with the kept cache is the plan without one (of ``exact``, a vault that
    read again every note written, when given); returns it."""
    kept = plan_index(vault, today=today, cache=cache, **options)
    assert summary(kept) == summary(plan_index(exact or vault, today=today, **options))
    # What the cache relies on from elsewhere: the resolver a vault keeps across updates is
    # the one its paths make now.
    paths = [note.path for note in vault.notes.values()] + sorted(vault.attachments)
    fresh = LinkResolver(paths)
    for note in vault.notes.values():
        for link in note.links:
            assert vault.resolve(link, note) == fresh.resolve(
                link.target, note.path, markdown=link.markdown
            )
    return kept


OPTIONS = st.sampled_from(
    [{}, {}, {}, {"force": True}, {"views": {"contacts", "follow-ups"}}, {"only": {"Home.md"}}]
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.tuples(STEPS, OPTIONS), min_size=2, max_size=20))
@example([(("write",), {}), (("set", "contact", 0, 2, 1), {}), (("write",), {})])
@example(
    [
        (("home", 0, False, ""), {}),  # no blocks: no view, nor what they keep, is asked
        (("add", "interview", 0, ""), {}),  # interviews/2026-11-29 Ann Lee.md
        (("remove", "interview", 1), {}),  # came and went meanwhile
        (("home", 2 ** HOME_BLOCKS.index("follow-ups"), False, ""), {}),
    ]
)
@example(
    [
        (("set", "contact", 1, 4, 1), {}),  # Bo Kim's organization: Acme -> acme
        (("write",), {}),
        (("set", "interview", 0, 0, 1), {}),  # an interview's contact: Bo Kim
        (("today", 3), {}),
        (("set", "contact", 0, 8, 1), {}),  # Ann Lee becomes an organization
        (("write",), {}),
    ]
)
@example(
    [
        (("add", "contact", 0, "people/"), {}),  # a second Ann Lee: titles clash
        (("rename", "contact", 2, 3), {}),
        (("attachment", "Bo Kim.png"), {}),
        (("remove", "interview", 1), {}),
        (("set", "contact", 1, 0, 0), {}),  # Bo Kim's alias: Annie, as some links name him
        (("write",), {}),
    ]
)
@example(
    [
        (("set", "interview", 0, 4, 6), {}),  # Cy Dunn's interview refers "Annie": no note
        (("write",), {}),
        (("set", "contact", 1, 0, 0), {}),  # Bo Kim's alias: Annie, so it is him
        (("set", "contact", 1, 7, 0), {"views": {"follow-ups"}}),  # Bo Kim: identified
        (("set", "contact", 1, 0, 1), {}),  # and not any more
    ]
)
@example(
    [
        (("set", "contact", 0, 7, 0), {}),  # Ann Lee, who referred Bo Kim: identified too
        (("set", "contact", 0, 7, 1), {}),  # and contacted again
    ]
)
@example(
    [
        (("set", "contact", 2, 7, 1), {}),  # Cy Dunn: contacted
        (("set", "contact", 2, 4, 0), {}),  # at Acme, where Ann Lee waits, and Di Ng
        (("write",), {}),
        (("set", "interview", 0, 4, 10), {}),  # a referral to [[Zoe Park.pdf]]
        (("attachment", "files/Zoe Park.pdf"), {}),
        (("attachment", "files/Zoe Park.pdf"), {}),
    ]
)
@example(
    [
        (("rename", "interview", 2, 0), {}),  # interviews/Ann Lee.md, its title Ann Lee's
        (("set", "interview", 2, 0, 7), {}),  # its contact: [[contacts/Ann Lee]]
        (("set", "interview", 2, 0, 5), {}),  # Zoe Park, who has no note
    ]
)
@example(
    [
        (("home", 2 ** len(HOME_BLOCKS) - 1, False, "crlf"), {}),
        (("write",), {}),
        (("set", "contact", 1, 7, 1), {}),
        (("write",), {}),
        (("home", 2 ** len(HOME_BLOCKS) - 1, False, "bom"), {}),
        (("write",), {}),
        (("set", "contact", 1, 7, 0), {}),
        (("home", 2 ** len(HOME_BLOCKS) - 1, False, "frontmatter"), {}),
        (("write",), {}),
        (("set", "contact", 1, 7, 1), {}),
    ]
)
@example(
    [  # the Home note is an interview whose blocks hold its questions: read it again
        (("home", 1 << 5, False, "interview"), {}),
        (("write",), {}),
        (("write",), {}),
    ]
)
@example(
    [
        (("home", 2 ** len(HOME_BLOCKS) - 1, True), {}),
        (("write",), {"force": True}),
        (("body", 1, 1), {}),
        (("set", "interview", 2, 5, 4), {}),
    ]
)
def test_a_kept_cache_plans_what_no_cache_plans(steps: list[tuple[Step, dict[str, Any]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        model = start(Path(folder))
        vault = Vault.load(model.root)
        exact = Vault.load(model.root)
        for each in (vault, exact):
            each.update(["Home.md"])  # both in the order updates keep
        cache = RenderCache()
        today = TODAY
        check(vault, cache, today, {}, exact)
        for step, options in steps:
            if step[0] == "today":
                today = TODAY + dt.timedelta(days=step[1])
            elif step[0] == "write":  # as watch does, the cache parsing what it wrote or not
                plan = plan_index(vault, today=today, cache=cache)
                written = write_plan(plan, cache=cache if step[1:] != (False,) else None)
                paths = [update.path for update in written.written]
                exact.update(paths)
                # Watch leaves unread what it wrote into a note that no view reads.
                vault.update([path for path in paths if views_read(vault, vault.notes[path[:-3]])])
            else:
                touched = apply(step, model)
                vault.update(touched)
                exact.update(touched)
            check(vault, cache, today, options, exact)


def test_a_schema_file_read_again_each_round() -> None:
    """Which arguments a view takes comes from the schemas, which a config may keep in a
    file of the vault: the cache reads it again each round, as a plan without one does."""
    import json

    from vault_tools.schema import default_schema

    schema = default_schema("contact")
    with tempfile.TemporaryDirectory() as folder:
        model = start(Path(folder))
        model.other[".vault-tools.toml"] = '[schema.contact]\nfile = "schemas/contact.json"\n'
        model.other["schemas/contact.json"] = json.dumps(schema)
        model.other["Home.md"] = home(["contacts pronouns=she", "contacts"])
        for relative in (".vault-tools.toml", "schemas/contact.json", "Home.md"):
            model.write(relative)
        vault = Vault.load(model.root)
        cache = RenderCache()
        assert check(vault, cache, TODAY, {}).refused == 1  # no such argument, yet
        schema["properties"]["pronouns"] = {"type": "string"}
        model.other["schemas/contact.json"] = json.dumps(schema)
        vault.update([model.write("schemas/contact.json")])
        assert check(vault, cache, TODAY, {}).refused == 0
        del schema["properties"]["pronouns"]
        model.other["schemas/contact.json"] = json.dumps(schema)
        vault.update([model.write("schemas/contact.json")])
        assert check(vault, cache, TODAY, {}).refused == 1


def test_notes_that_change_places() -> None:
    """A vault is kept in the order of its paths, which is not that of its ids when a
    name is another's prefix ("Di Ng A.md" comes before "Di Ng.md"), and a new note takes
    its place among them: what depends on the order of the notes follows it."""
    with tempfile.TemporaryDirectory() as folder:
        model = Model(Path(folder))
        model.notes = {
            "contacts/Di Ng.md": (contact("contacted", "acme", "data science"), ""),
            "contacts/Di Ng A.md": (contact("identified", "ACME", "data science"), ""),
            "contacts/Di Ng Jr.md": (contact("thanked", "acme", "data science"), ""),
        }
        model.other = {"Home.md": home(["organizations", "contacts", "fields"])}
        for relative in [*model.notes, *model.other]:
            model.write(relative)
        vault = Vault.load(model.root)
        cache = RenderCache()
        check(vault, cache, TODAY, {})
        fields, body = model.notes["contacts/Di Ng A.md"]
        model.notes["contacts/Di Ng A.md"] = (fields | {"role": "Engineer"}, body)
        vault.update([model.write("contacts/Di Ng A.md")])
        paths = [note.path for note in vault.notes.values()]
        assert paths == sorted(paths) and list(vault.notes) != sorted(vault.notes)
        model.notes["contacts/Di Ng B.md"] = (contact("contacted", "Acme", "data science"), "")
        vault.update([model.write("contacts/Di Ng B.md")])
        assert [note.path for note in vault.notes.values()] == sorted(
            [*paths, "contacts/Di Ng B.md"]
        )
        check(vault, cache, TODAY, {})


def test_what_only_views_no_longer_asked_for_used_is_let_go() -> None:
    """A block whose arguments are being typed is a new view at each save: the cache lets
    go of what only the views no longer asked for used (their output, their kept rows, the
    memo tables of their arguments), so that it stays the same size round after round, and
    the plans stay those without a cache."""
    with tempfile.TemporaryDirectory() as folder:
        model = start(Path(folder))
        model.write("Home.md")
        vault = Vault.load(model.root)
        cache = RenderCache()
        views = cache.views
        sizes = []
        for round_number in range(12):
            role = f"Role{round_number}"
            model.other["Home.md"] = home(
                [
                    "contacts",  # asked for in every round: what it keeps stays
                    f"contacts role={role}",
                    f"interviews limit={round_number + 1}",
                    f"follow-ups limit={round_number + 1}",
                    f"referrals role={role}",
                    f"organizations role={role}",
                    f"fields role={role}",
                ]
            )
            vault.update([model.write("Home.md")])
            check(vault, cache, TODAY, {})
            if round_number == 0:
                kept_for_contacts = views.kept[("contacts",)]
            sizes.append(
                (
                    len(views.kept),
                    len(views._memos),
                    sum(map(len, views._memos.values())),
                    len(views._tables),
                )
            )
        assert sizes[-1] == sizes[2], sizes  # (rounds 0 and 1 make what is shared)
        assert not any("Role0" in repr(key) for key in [*views.kept, *views._memos])
        assert views.kept[("contacts",)] is kept_for_contacts


def test_what_every_view_shares_outlives_the_view_that_made_it() -> None:
    """The link and title tables every view reads are made by the first view of a round
    only; when that view's block goes, the others still have them. A round that planned
    only some notes drops nothing; a whole round with no block left drops every view's."""
    with tempfile.TemporaryDirectory() as folder:
        model = start(Path(folder))
        model.other["Home.md"] = home(["contacts", "interviews"])
        model.write("Home.md")
        vault = Vault.load(model.root)
        cache = RenderCache()
        check(vault, cache, TODAY, {})
        tables = dict(cache.views._tables)
        assert "links" in tables
        model.other["Home.md"] = home(["interviews"])
        vault.update([model.write("Home.md")])
        for _ in range(3):
            check(vault, cache, TODAY, {})
        assert all(cache.views._tables[name] is tables[name] for name in tables)
        model.other["Home.md"] = "# No blocks\n"
        vault.update([model.write("Home.md")])
        plan_index(vault, today=TODAY, cache=cache, only={"Home.md"})
        plan_index(vault, today=TODAY, cache=cache, only={"Home.md"})
        assert cache.views.kept and cache.views._memos.get("view")
        for _ in range(2):
            check(vault, cache, TODAY, {})
        assert not cache.views.kept and not cache.views._memos.get("view")
