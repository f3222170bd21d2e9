"""Imports (LinkedIn CSV, vCard) and exports (iCalendar, CSV, vCard), parsed back with the
same libraries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.cli import cli
from vault_tools.exporters import spreadsheet_safe
from vault_tools.importers import ImportProblem, read_linkedin, read_vcards
from vault_tools.parse import parse_note

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
CONNECTIONS = FIXTURES / "Connections.csv"
CARDS = FIXTURES / "contacts.vcf"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(EXAMPLE_VAULT, root)
    return root


def lint_rules(root: Path) -> list[str]:
    result = run("lint", str(root), "--format", "json", "--today", "2026-12-01")
    return [item["rule"] for item in json.loads(result.stdout)]


# -- LinkedIn -----------------------------------------------------------------------------


def test_linkedin_reader_finds_the_header_after_any_preamble():
    read = read_linkedin(CONNECTIONS.read_bytes(), "Connections.csv")
    names = [record.name for record in read.records]
    assert names == ["Maya Chen", "José Núñez", "李 小龙", "Maya Chen"]
    assert read.nameless == 1
    jose = read.records[1]
    assert jose.fields["organization"] == "Acme, Inc."  # quoted comma
    assert jose.fields["role"] == "Director, Research"
    assert jose.fields["email"] is None
    assert str(jose.fields["connected_on"]) == "2023-02-01"
    assert jose.where == "Connections.csv:6"


@pytest.mark.parametrize("preamble", ["", 'Notes:\n"short"\n\n', "\n\n\n"])
def test_linkedin_preamble_variants_and_line_endings(preamble):
    body = (
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann,,Acme,CTO,3 Jan 2025\n"
    )
    for newline in ("\n", "\r\n"):
        data = (preamble + body).replace("\n", newline).encode("utf-8-sig")
        assert [r.name for r in read_linkedin(data, "c.csv").records] == ["Ann Lee"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Name,Company\nAnn,Acme\n", "no header row"),
        (b"\x00\x01\x02\x89PNG", "binary"),
        (b"First Name,Last Name\n\xff\xfe bad", "not UTF-8"),
    ],
)
def test_linkedin_bad_files_are_clear_errors(data, message):
    with pytest.raises(ImportProblem, match=message):
        read_linkedin(data, "c.csv")


def test_import_linkedin_creates_valid_contacts_once(vault):
    result = run("import", "linkedin", str(CONNECTIONS), str(vault))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "created contacts/José Núñez.md",
        "created contacts/李 小龙.md",
    ]
    assert "Created 2" in result.stderr and "1 duplicate" in result.stderr
    assert "1 without a name" in result.stderr
    note = parse_note("x.md", (vault / "contacts" / "José Núñez.md").read_bytes()).note
    assert note.frontmatter["source"] == "linkedin"
    assert note.frontmatter["status"] == "identified"
    assert str(note.frontmatter["connected_on"]) == "2023-02-01"
    assert "error" not in {item for item in lint_rules(vault)}
    again = run("import", "linkedin", str(CONNECTIONS), str(vault))
    assert again.exit_code == 0 and again.stdout == ""
    assert "Created 0" in again.stderr


def test_existing_contacts_are_never_overwritten_and_update_fills_only_empty_fields(vault):
    maya = vault / "contacts" / "Maya Chen.md"
    before = maya.read_bytes()
    run("import", "linkedin", str(CONNECTIONS), str(vault))
    assert maya.read_bytes() == before
    result = run("import", "linkedin", str(CONNECTIONS), str(vault), "--update")
    assert result.exit_code == 0, result.output
    assert "updated contacts/Maya Chen.md" in result.stdout
    after = maya.read_bytes()
    assert after.startswith(before.split(b"\n---\n")[0])  # every earlier line untouched
    note = parse_note("m.md", after).note
    assert str(note.frontmatter["connected_on"]) == "2024-03-12"
    assert note.frontmatter["role"] == "Senior UX Researcher"


def test_dry_run_writes_nothing(vault):
    before = sorted(p.name for p in (vault / "contacts").iterdir())
    result = run("import", "linkedin", str(CONNECTIONS), str(vault), "--dry-run")
    assert result.exit_code == 0
    assert "would create contacts/José Núñez.md" in result.stdout
    assert sorted(p.name for p in (vault / "contacts").iterdir()) == before


def test_match_by_email_then_name(make_vault, tmp_path):
    root = make_vault(
        {
            "contacts/Someone Else.md": contact(email="ann@example.com"),
            "contacts/Bo Kim.md": contact(),
        }
    )
    csv_file = tmp_path / "c.csv"
    csv_file.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,,ann@example.com,,,\nbo,kim,,,,,\n"
    )
    result = run("import", "linkedin", str(csv_file), str(root))
    assert "Created 0" in result.stderr and "skipped 2" in result.stderr


def test_import_of_a_broken_file_writes_nothing(vault, tmp_path):
    bad = tmp_path / "Connections.csv"
    bad.write_bytes(b"Name,Company\nAnn,Acme\n")
    before = sorted(p.name for p in (vault / "contacts").iterdir())
    result = run("import", "linkedin", str(bad), str(vault))
    assert result.exit_code == 2 and "no header row" in result.stderr
    assert sorted(p.name for p in (vault / "contacts").iterdir()) == before


# -- vCard ----------------------------------------------------------------------------------


def test_vcard_reader_handles_versions_folding_quoted_printable_and_photos():
    read = read_vcards(CARDS.read_bytes(), "contacts.vcf")
    assert [r.name for r in read.records] == ["Zoë Ng", "José García"]
    assert read.nameless == 1
    zoe = read.records[0]
    assert zoe.fields["organization"] == "Acme Corp"
    assert zoe.fields["linkedin"] == "https://www.linkedin.com/in/zoe"
    assert zoe.fields["tags"] == ["ux", "meetup"]
    assert zoe.notes == "Met at the regional UX meetup, introduced by a friend."


def test_vcard_import_then_lint(vault):
    result = run("import", "vcard", str(CARDS), str(vault))
    assert result.exit_code == 0, result.output
    assert (vault / "contacts" / "Zoë Ng.md").is_file()
    assert "error" not in lint_rules(vault)


def test_not_a_vcard_is_a_clear_error(tmp_path, vault):
    bad = tmp_path / "x.vcf"
    bad.write_text("hello")
    result = run("import", "vcard", str(bad), str(vault))
    assert result.exit_code == 2 and "no vCard" in result.stderr


# -- exports ----------------------------------------------------------------------------------


def test_ics_round_trip_and_stable_uids(make_vault):
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(
                status="contacted", contacted_on="2026-11-20", organization="Acme"
            ),
            "interviews/2026-12-03 Ann Lee.md": interview(
                "Ann Lee",
                "2026-12-03T15:30",
                thank_you_sent=None,
                duration_minutes="45",
                location="Zoom",
            ),
        }
    )
    first = run("export", "ics", str(root), "--today", "2026-12-01")
    second = run("export", "ics", str(root), "--today", "2026-12-01")
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    calendar = icalendar.Calendar.from_ical(first.stdout_bytes)
    events = list(calendar.walk("VEVENT"))
    todos = list(calendar.walk("VTODO"))
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == "Informational interview: Ann Lee (Acme)"
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)
    assert "obsidian://open" in str(event["url"])
    kinds = sorted(str(todo["uid"]).split("@")[0].split("-", 1)[1] for todo in todos)
    assert kinds == ["follow-up", "thank-you", "try-another"]
    assert all(todo.walk("VALARM") for todo in todos)


def test_ics_timezone(make_vault):
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(),
            "interviews/2026-12-03 Ann Lee.md": interview("Ann Lee", "2026-12-03T15:30"),
        }
    )
    result = run("export", "ics", str(root), "--timezone", "Europe/Paris")
    assert result.exit_code == 0, result.output
    assert "TZID=Europe/Paris" in result.stdout
    assert run("export", "ics", str(root), "--timezone", "Mars/Base").exit_code == 2


def test_csv_export_parses_back_and_neutralizes_formulas(make_vault, tmp_path):
    root = make_vault(
        {"contacts/Ann Lee.md": contact(role='"=HYPERLINK(1)"', organization="'Acme, Inc.'")}
    )
    out = tmp_path / "c.csv"
    assert run("export", "csv", "contacts", str(root), "-o", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[0]["name"] == "Ann Lee"
    assert rows[0]["organization"] == "Acme, Inc."
    assert rows[0]["role"] == "'=HYPERLINK(1)"
    for text in ("=1", "+1", "-1", "@x", "\tx"):
        assert spreadsheet_safe(text).startswith("'")


def test_vcard_export_parses_back(tmp_path):
    out = tmp_path / "all.vcf"
    assert run("export", "vcard", str(EXAMPLE_VAULT), "-o", str(out)).exit_code == 0
    cards = list(vobject.readComponents(out.read_text()))
    assert len(cards) == 16
    maya = next(card for card in cards if card.fn.value == "Maya Chen")
    assert maya.version.value == "4.0"
    assert maya.org.value == ["Brightline Labs"]
    assert maya.email.value == "maya.chen@example.com"


def test_export_then_import_vcard_creates_nothing(vault, tmp_path):
    out = tmp_path / "all.vcf"
    run("export", "vcard", str(vault), "-o", str(out))
    result = run("import", "vcard", str(out), str(vault))
    assert result.exit_code == 0
    assert "Created 0" in result.stderr


@pytest.mark.parametrize("cut", [-40, -200])
def test_truncated_linkedin_export_imports_nothing(vault, tmp_path, cut):
    truncated = tmp_path / "Connections.csv"
    truncated.write_bytes(CONNECTIONS.read_bytes()[:cut])
    before = sorted(p.name for p in (vault / "contacts").iterdir())
    result = run("import", "linkedin", str(truncated), str(vault))
    assert result.exit_code == 2
    assert "Connections.csv:" in result.stderr
    assert sorted(p.name for p in (vault / "contacts").iterdir()) == before


def test_unterminated_quote_is_reported_with_its_line():
    with pytest.raises(ImportProblem, match=r"c\.csv:\d+"):
        read_linkedin(b'First Name,Last Name,URL\nAnn,"Lee,x\n', "c.csv")


def test_people_of_the_same_name_are_not_merged_silently(make_vault, tmp_path):
    root = make_vault({".vault-tools.toml": ""})
    csv_file = tmp_path / "c.csv"
    csv_file.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "John,Smith,https://www.linkedin.com/in/js1,,A,,\n"
        "John,Smith,https://www.linkedin.com/in/js2,,B,,\n"
    )
    result = run("import", "linkedin", str(csv_file), str(root))
    assert "Created 1" in result.stderr and "0 duplicate" in result.stderr
    assert "another person of this name" in result.stderr


def test_invalid_imported_fields_are_left_out_and_said(make_vault, tmp_path):
    root = make_vault({".vault-tools.toml": ""})
    csv_file = tmp_path / "c.csv"
    csv_file.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,,not-an-email,Acme,,\n"
    )
    result = run("import", "linkedin", str(csv_file), str(root))
    assert "left out email" in result.stderr
    assert "error" not in lint_rules(root)
    assert "email" not in (root / "contacts" / "Ann Lee.md").read_text()


def test_ics_follow_ups_fall_back_to_last_contact_and_extreme_dates_are_skipped(make_vault):
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="contacted", last_contact="2026-11-20"),
            "interviews/far.md": interview("Ann Lee", "9999-12-31"),
        }
    )
    result = run("export", "ics", str(root), "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    calendar = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert len(list(calendar.walk("VTODO"))) == 2
    assert list(calendar.walk("VEVENT")) == []
