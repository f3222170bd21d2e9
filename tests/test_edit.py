"""`vault-tools set`: only the lines of the keys set change; values are checked first."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import contact
from vault_tools.cli import cli
from vault_tools.edit import apply_assignments, parse_assignment
from vault_tools.parse import parse_note

TODAY = dt.date(2026, 12, 1)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_set_changes_only_the_lines_of_those_keys(make_vault):
    original = (
        "---\r\n"
        "type: contact   # kept\r\n"
        "status: identified  # where things stand\r\n"
        "source: friend\r\n"
        "tags:\r\n"
        "  - a\r\n"
        "  - b\r\n"
        "organization: 'Acme: Corp'\r\n"
        "---\r\n"
        "Body with status: identified in it.\r\n"
    )
    root = make_vault({"contacts/Ann Lee.md": b"\xef\xbb\xbf" + original.encode()})
    result = run(
        "set",
        "ann lee",
        "status=contacted",
        "tags=[x]",
        "last_contact=today",
        "--vault",
        str(root),
        "--today",
        "2026-12-01",
    )
    assert result.exit_code == 0, result.output
    data = (root / "contacts" / "Ann Lee.md").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == (
        "---\r\n"
        "type: contact   # kept\r\n"
        "status: contacted  # where things stand\r\n"
        "source: friend\r\n"
        "tags: [x]\r\n"
        "organization: 'Acme: Corp'\r\n"
        "last_contact: 2026-12-01\r\n"
        "---\r\n"
        "Body with status: identified in it.\r\n"
    )
    assert result.stdout.strip().endswith("Ann Lee.md")


def test_set_refuses_a_value_the_schema_rejects_and_writes_nothing(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    before = (root / "contacts" / "Ann Lee.md").read_bytes()
    result = run("set", "Ann Lee", "status=interviwed", "--vault", str(root))
    assert result.exit_code == 2
    assert "status" in result.stderr and "interviewed" in result.stderr
    assert (root / "contacts" / "Ann Lee.md").read_bytes() == before


def test_set_refuses_source_referral_without_referred_by(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    result = run("set", "Ann Lee", "source=referral", "--vault", str(root))
    assert result.exit_code == 2
    assert "referred_by" in result.stderr


def test_set_writes_links_quoted_and_dates_as_dates(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact(), "contacts/Bo Kim.md": contact()})
    result = run(
        "set",
        "Bo Kim",
        "source=referral",
        "referred_by=[[Ann Lee]]",
        "contacted_on=today-3",
        "--vault",
        str(root),
        "--today",
        "2026-12-01",
    )
    assert result.exit_code == 0, result.output
    note = parse_note("b.md", (root / "contacts" / "Bo Kim.md").read_bytes()).note
    assert note.frontmatter["referred_by"] == "[[Ann Lee]]"
    assert note.frontmatter["contacted_on"] == dt.date(2026, 11, 28)
    assert run("lint", str(root)).exit_code == 0


def test_set_unknown_or_ambiguous_note_is_exit_2(make_vault):
    root = make_vault({"a/Sam.md": contact(), "b/Sam.md": contact()})
    assert run("set", "Nobody", "status=contacted", "--vault", str(root)).exit_code == 2
    result = run("set", "sam", "status=contacted", "--vault", str(root))
    assert result.exit_code == 2 and "a/Sam.md" in result.stderr


def test_set_adds_frontmatter_to_a_note_without_any(make_vault):
    root = make_vault({"Idea.md": "Just text.\n"})
    assert run("set", "Idea", "tags=[idea]", "--vault", str(root)).exit_code == 0
    assert (root / "Idea.md").read_text() == "---\ntags: [idea]\n---\nJust text.\n"


def test_set_adds_frontmatter_above_a_thematic_break_on_line_1(make_vault):
    """A '---' on line 1 that nothing closes, and no `key:` line after it, is a horizontal
    rule in the body (the parser reads it so, with no complaint): a frontmatter goes above
    it. One followed by a `key:` line was meant as a frontmatter: set refuses, as lint warns."""
    root = make_vault({"Rule.md": "---\nJust text.\n", "Open.md": "---\nstatus: contacted\n"})
    assert run("set", "Rule", "tags=[idea]", "--vault", str(root)).exit_code == 0
    written = (root / "Rule.md").read_text()
    assert written == "---\ntags: [idea]\n---\n---\nJust text.\n"
    note = parse_note("Rule.md", written.encode()).note
    assert note.frontmatter == {"tags": ["idea"]} and note.body == "---\nJust text.\n"
    refused = run("set", "Open", "status=thanked", "--vault", str(root))
    assert refused.exit_code != 0 and "never closed" in refused.stderr
    assert (root / "Open.md").read_text() == "---\nstatus: contacted\n"


def test_set_with_same_value_writes_nothing(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact(status="contacted")})
    path = root / "contacts" / "Ann Lee.md"
    before = path.stat().st_mtime_ns
    result = run("set", "Ann Lee", "status=contacted", "--vault", str(root))
    assert result.exit_code == 0 and "nothing changed" in result.stderr
    assert path.stat().st_mtime_ns == before


def test_parse_assignment_forms():
    assert parse_assignment("duration_minutes=45", TODAY).value == 45
    assert parse_assignment("status=contacted", TODAY).text == "contacted"
    assert parse_assignment("note=a: b", TODAY).text == '"a: b"'
    assert parse_assignment("x=today+2", TODAY).value == dt.date(2026, 12, 3)
    assert parse_assignment("ref=[[A|B]]", TODAY).text == '"[[A|B]]"'


# -- hypothesis: layouts of frontmatter ------------------------------------------------------

keys = st.sampled_from(["status", "role", "tags", "email", "x-y", "note"])
values = st.sampled_from(
    ["plain", "'quoted: x'", '"dq"', "[a, b]", "", "12", "2026-01-02", "value  # comment"]
)
lines = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", keys, values),
    st.sampled_from(
        ["# a comment", "", "list:", "  - item", "  - other", "block: |", "  text line"]
    ),
)


@given(
    st.lists(lines, max_size=12),
    st.sampled_from(["\n", "\r\n"]),
    st.text(max_size=40).filter(lambda t: "\r" not in t),
)
@settings(max_examples=300, deadline=None, database=None)
def test_set_keeps_every_other_line(frontmatter_lines, newline, body):
    text = newline.join(["---", *frontmatter_lines, "---", body])
    parsed_before = parse_note("n.md", text.encode())
    if parsed_before.diagnostics:
        return  # the layout is not valid YAML to begin with; set refuses such notes
    assignment = parse_assignment("status=contacted", TODAY)
    new_text = apply_assignments(text, [assignment])
    after = parse_note("n.md", new_text.encode())
    assert after.note.frontmatter["status"] == "contacted"
    untouched = {k: v for k, v in parsed_before.note.frontmatter.items() if k != "status"}
    assert {k: v for k, v in after.note.frontmatter.items() if k != "status"} == untouched
    assert new_text.endswith(newline + body)
    # every top-level line other than status (keys, comments, the markers) is still
    # there, in the same order
    kept = [
        line
        for line in text.split(newline)
        if line and not line.startswith((" ", "-", "status")) or line == "---"
    ]
    remaining = iter(new_text.split(newline))
    assert all(any(line == candidate for candidate in remaining) for line in kept)


def test_set_keeps_a_comment_among_the_lines_of_the_value_it_replaces():
    """Found by the property above: a comment at the left margin between a key and its
    list items was dropped with the old value."""
    text = "---\nstatus:\n# asked twice\n  - identified\n  # an indented one\n  - x\n---\nBody\n"
    new_text = apply_assignments(text, [parse_assignment("status=contacted", TODAY)])
    assert new_text == "---\nstatus: contacted\n# asked twice\n---\nBody\n"
    assert parse_note("n.md", new_text.encode()).note.frontmatter == {"status": "contacted"}
    # In a quoted value that spans lines, a line that starts with `#` is text of the value.
    text = '---\nrole: "first\n# still the value\n  end"\n---\n'
    assert parse_note("n.md", text.encode()).note.frontmatter == {
        "role": "first # still the value end"
    }
    new_text = apply_assignments(text, [parse_assignment("role=Designer", TODAY)])
    assert new_text == "---\nrole: Designer\n---\n"


def test_values_yaml_would_misread_are_quoted():
    for raw, expected in (
        ("a #b", "a #b"),
        ("# hash", "# hash"),
        ("no", "no"),
        ("2026-13-01", "2026-13-01"),
        ("- x", "- x"),
        ("@y", "@y"),
    ):
        assignment = parse_assignment(f"role={raw}", TODAY)
        loaded = parse_note("n.md", f"---\nrole: {assignment.text}\n---\n".encode()).note
        assert loaded.frontmatter["role"] == expected, raw


def test_keys_yaml_cannot_hold_and_huge_offsets_are_refused(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    for bad in ("&k=1", "a: b=1", "last_contact=today+99999999"):
        result = run("set", "Ann Lee", bad, "--vault", str(root))
        assert result.exit_code == 2, bad
        assert "Traceback" not in result.output


def test_comments_after_quoted_and_flow_values_are_kept():
    text = '---\nrole: "quoted role" # c1\ntags: [a, b] # c2\n---\n'
    new = apply_assignments(
        text, [parse_assignment("role=new", TODAY), parse_assignment("tags=[x]", TODAY)]
    )
    assert new == "---\nrole: new # c1\ntags: [x] # c2\n---\n"


def test_the_frontmatter_line_ending_decides_a_new_line():
    text = "---\nstatus: identified\n---\r\nbody\r\n"
    new = apply_assignments(text, [parse_assignment("role=x", TODAY)])
    assert new == "---\nstatus: identified\nrole: x\n---\r\nbody\r\n"
