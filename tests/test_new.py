"""`init`, `new contact` and `new interview`: notes that pass lint, never overwritten,
never outside the vault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import contact
from vault_tools.cli import cli
from vault_tools.model import CONTACT_SOURCES, CONTACT_STATUSES
from vault_tools.new import NewNoteError, safe_name
from vault_tools.schema import default_schema


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def lint_json(root: Path) -> list[dict[str, object]]:
    result = run("lint", str(root), "--format", "json", "--today", "2026-12-01")
    return list(json.loads(result.stdout))


def test_init_creates_a_vault_that_lints_clean_and_skips_existing_files(tmp_path):
    root = tmp_path / "v"
    result = run("init", str(root))
    assert result.exit_code == 0, result.output
    for folder in ("contacts", "interviews", "organizations", "templates"):
        assert (root / folder).is_dir()
    for name in (".vault-tools.toml", "Home.md", "templates/Contact.md", "templates/Interview.md"):
        assert (root / name).is_file()
    assert "{{date}}" in (root / "templates" / "Interview.md").read_text()
    assert lint_json(root) == []
    (root / "Home.md").write_text("mine")
    again = run("init", str(root))
    assert again.exit_code == 0
    assert "skipped" in again.stderr and "Home.md" in again.stderr
    assert (root / "Home.md").read_text() == "mine"


def test_init_home_note_has_every_view_and_index_fills_it(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    result = run("index", str(root), "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    home = (root / "Home.md").read_text()
    for view in ("follow-ups", "contacts", "interviews", "referrals", "organizations", "fields"):
        assert f"vault-tools:begin {view} hash=" in home


def test_init_example_copies_the_example_vault(tmp_path):
    demo = tmp_path / "demo"
    result = run("init", str(demo), "--example")
    assert result.exit_code == 0, result.output
    assert (demo / "contacts" / "Maya Chen.md").is_file()
    # The Home note's date views count from today, not from the day the example was made.
    assert run("index", str(demo), "--check").exit_code == 0
    home = (demo / "Home.md").read_bytes()
    (demo / "contacts" / "Maya Chen.md").write_text("mine")
    again = run("init", str(demo), "--example")
    assert again.exit_code == 0 and "skipped" in again.output
    assert (demo / "contacts" / "Maya Chen.md").read_text() == "mine"
    assert (demo / "Home.md").read_bytes() == home


def test_init_regenerates_its_own_home_note_only(tmp_path):
    """Into a folder that holds notes already, init (with or without --example) fills the
    Home note it creates, and leaves the blocks of the notes that were there as they are."""
    for example in (False, True):
        root = tmp_path / f"existing-{example}"
        (root / "contacts").mkdir(parents=True)
        (root / "contacts" / "A.md").write_text("---\ntype: contact\n---\n")
        (root / "Mine.md").write_text(
            "<!-- vault-tools:begin contacts -->\n<!-- vault-tools:end -->\n"
        )
        assert run("index", str(root)).exit_code == 0
        (root / "contacts" / "B.md").write_text("---\ntype: contact\n---\n")  # Mine is stale
        mine = (root / "Mine.md").read_bytes()
        result = run("init", str(root), *(["--example"] if example else []))
        assert result.exit_code == 0, result.output
        assert (root / "Mine.md").read_bytes() == mine
        assert "vault-tools:begin contacts hash=" in (root / "Home.md").read_text()


def test_new_contact_writes_a_note_that_passes_lint(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    result = run(
        "new",
        "contact",
        "Maya Chen",
        "--vault",
        str(root),
        "--organization",
        "Brightline Labs",
        "--role",
        "UX Researcher",
        "--field",
        "UX research",
        "--source",
        "alumni-directory",
        "--email",
        "maya@example.com",
        "--linkedin",
        "https://www.linkedin.com/in/maya",
    )
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == root / "contacts" / "Maya Chen.md"
    text = path.read_text()
    assert text.startswith("---\ntype: contact\nstatus: identified\nsource: alumni-directory\n")
    assert "## How I found them" in text
    assert lint_json(root) == []


def test_new_contact_with_referrer(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    missing = run("new", "contact", "Jordan", "--referred-by", "Maya", "--vault", str(root))
    assert missing.exit_code == 2 and "--create-referrer" in missing.stderr
    assert not (root / "contacts" / "Jordan.md").exists()
    result = run(
        "new",
        "contact",
        "Jordan",
        "--referred-by",
        "Maya",
        "--create-referrer",
        "--vault",
        str(root),
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        str(root / "contacts" / "Maya.md"),
        str(root / "contacts" / "Jordan.md"),
    ]
    text = (root / "contacts" / "Jordan.md").read_text()
    assert "source: referral" in text and "referred_by: '[[Maya]]'" in text
    assert lint_json(root) == []


def test_new_never_overwrites_and_refuses_case_twins(make_vault):
    root = make_vault({"contacts/Maya Chen.md": contact()})
    before = (root / "contacts" / "Maya Chen.md").read_bytes()
    same = run("new", "contact", "Maya Chen", "--vault", str(root))
    assert same.exit_code == 2 and "already exists" in same.stderr
    twin = run("new", "contact", "maya chen", "--vault", str(root))
    assert twin.exit_code == 2 and "differs only in case" in twin.stderr
    assert (root / "contacts" / "Maya Chen.md").read_bytes() == before


def test_new_interview_for_an_existing_contact(make_vault):
    root = make_vault(
        {
            "contacts/Maya Chen.md": contact(organization="Brightline Labs"),
            ".vault-tools.toml": "",
        }
    )
    result = run(
        "new",
        "interview",
        "maya chen",
        "--vault",
        str(root),
        "--date",
        "2026-12-05",
        "--time",
        "15:30",
        "--format",
        "video",
        "--location",
        "Zoom",
        "--questions",
        "general",
    )
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == root / "interviews" / "2026-12-05 Maya Chen.md"
    text = path.read_text()
    assert "contact: '[[Maya Chen]]'" in text and "date: 2026-12-05T15:30\n" in text
    for section in (
        "## Preparation",
        "## Questions",
        "## Notes",
        "## Reflection",
        "## Referrals",
        "## Thank-you",
    ):
        assert section in text
    assert "Brightline Labs" in text
    assert text.count("\n- ") > 5  # questions from the bank
    found = lint_json(root)
    assert [item["rule"] for item in found] == []


def test_new_interview_needs_a_contact(make_vault):
    root = make_vault({".vault-tools.toml": ""})
    result = run("new", "interview", "Nobody", "--vault", str(root), "--date", "2026-10-14")
    assert result.exit_code == 2 and "--create-contact" in result.stderr
    created = run(
        "new",
        "interview",
        "Nobody",
        "--vault",
        str(root),
        "--date",
        "2026-12-05",
        "--create-contact",
    )
    assert created.exit_code == 0, created.output
    assert len(created.stdout.splitlines()) == 2
    assert lint_json(root) == []


def test_unknown_question_category_is_exit_2(make_vault):
    root = make_vault({"contacts/Maya Chen.md": contact()})
    result = run("new", "interview", "Maya Chen", "--vault", str(root), "--questions", "nope")
    assert result.exit_code == 2
    assert not (root / "interviews").exists()


def test_cli_choices_match_the_contact_schema():
    properties = default_schema("contact")["properties"]
    assert list(CONTACT_SOURCES) == properties["source"]["enum"]
    assert list(CONTACT_STATUSES) == properties["status"]["enum"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Jane Doe", "Jane Doe"),
        ('a/b\\c:d*e?f"g<h>i|j#k^l[m]n', "a-b-c-d-e-f-g-h-i-j-k-l-m-n"),
        ("../../etc/passwd", "-..-etc-passwd"),
        ("  .hidden  ", "hidden"),
        ("CON", "CON_"),
        ("Zoë 名前 🚀", "Zoë 名前 🚀"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_safe_name_refuses_nothing_left():
    with pytest.raises(NewNoteError):
        safe_name("///")


@given(st.text(min_size=1, max_size=60))
@settings(max_examples=200, deadline=None, database=None)
def test_new_contact_never_escapes_the_vault(tmp_path_factory, name):
    root = tmp_path_factory.mktemp("v")
    (root / ".vault-tools.toml").write_text("")
    result = run("new", "contact", "--vault", str(root), "--", name)  # "--": "-h" is a name
    assert result.exit_code in (0, 2), result.output
    created = [p for p in root.rglob("*") if p.is_file() and p.name != ".vault-tools.toml"]
    if result.exit_code == 0:
        assert len(created) == 1
        assert created[0].parent == root / "contacts"
        assert not created[0].name.startswith(".")
    else:
        assert created == []


def test_a_contact_cannot_refer_themselves(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    result = run(
        "new",
        "contact",
        "Selfie",
        "--referred-by",
        "selfie",
        "--create-referrer",
        "--vault",
        str(root),
    )
    assert result.exit_code == 2 and "themselves" in result.stderr
    assert not (root / "contacts" / "Selfie.md").exists()


def test_new_refuses_values_the_schema_rejects(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    result = run("new", "contact", "Bad Mail", "--email", "nope", "--vault", str(root))
    assert result.exit_code == 2 and "email" in result.stderr
    assert not (root / "contacts" / "Bad Mail.md").exists()


def test_init_leaves_index_check_passing(tmp_path):
    root = tmp_path / "v"
    run("init", str(root))
    assert run("index", str(root), "--check").exit_code == 0
