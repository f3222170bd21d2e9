"""`.vault-tools.toml` and Obsidian's own settings, seen through what `lint` reports.

Each test builds a small vault in a temporary folder (``make_vault`` in conftest.py),
lints it with ``today`` fixed at 2026-12-01 and compares the text output, so that a
test reads like the session it describes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from vault_tools.config import ConfigError
from vault_tools.lint import lint
from vault_tools.render.diagnostics import as_text
from vault_tools.vault import Vault

TODAY = dt.date(2026, 12, 1)
CONFIG = ".vault-tools.toml"


def linted(root: Path, *select: str, ignore: tuple[str, ...] = ()) -> str:
    found = lint(Vault.load(root), select_rules=list(select), ignore_rules=ignore, today=TODAY)
    return as_text(found)


def note(*frontmatter: str, body: str = "# Notes\n") -> str:
    return "---\n" + "".join(line + "\n" for line in frontmatter) + "---\n" + body


JANE = note("type: contact", "status: contacted", "source: friend")
BROKEN_LINE = (
    "Home.md:1:5: warning VT301 [broken-link] [[Nowhere]] does not resolve to any note or file\n"
    "    fix: correct the name, or create the note\n"
)
HEADING_LINE = (
    "Home.md:1:21: warning VT303 [broken-heading-link] [[Jane Doe#Nope]]: 'Jane Doe' has no "
    "heading 'Nope'\n"
    "    fix: did you mean #Notes?\n"
)
STATUS_LINE = (
    "contacts/Sam Lee.md:3:1: error VT202 [invalid-field-value] status: 'bogus' is not an "
    "allowed value\n"
    "    fix: use one of: identified, contacted, scheduled, interviewed, thanked, "
    "following-up, no-response, declined, closed\n"
)


@pytest.fixture
def three_problems(make_vault):
    """A broken link, a broken heading link and an invalid status; plus the config."""

    def make(config: str) -> Path:
        return make_vault(
            {
                CONFIG: config,
                "Home.md": "See [[Nowhere]] and [[Jane Doe#Nope]].\n",
                "contacts/Jane Doe.md": JANE,
                "contacts/Sam Lee.md": note("type: contact", "status: bogus", "source: friend"),
            }
        )

    return make


# -- [lint] select, ignore, severity ---------------------------------------------------------


def test_without_lint_settings_every_rule_runs(three_problems) -> None:
    assert linted(three_problems("")) == BROKEN_LINE + HEADING_LINE + STATUS_LINE


@pytest.mark.parametrize(
    "select, expected",
    [
        ('["broken-link"]', BROKEN_LINE),
        ('["VT3"]', BROKEN_LINE + HEADING_LINE),
        ('["VT301", "invalid-field-value"]', BROKEN_LINE + STATUS_LINE),
    ],
)
def test_select_keeps_only_those_rules(three_problems, select, expected) -> None:
    assert linted(three_problems(f"[lint]\nselect = {select}\n")) == expected


def test_select_given_to_lint_replaces_the_config_select(three_problems) -> None:
    root = three_problems('[lint]\nselect = ["broken-link"]\n')
    assert linted(root, "invalid-field-value") == STATUS_LINE


@pytest.mark.parametrize(
    "ignore, expected",
    [
        ('["broken-link"]', HEADING_LINE + STATUS_LINE),
        ('["VT3"]', STATUS_LINE),
        ('["VT303", "invalid-field-value"]', BROKEN_LINE),
    ],
)
def test_ignore_drops_those_rules(three_problems, ignore, expected) -> None:
    assert linted(three_problems(f"[lint]\nignore = {ignore}\n")) == expected


def test_ignore_given_to_lint_adds_to_the_config_ignore(three_problems) -> None:
    root = three_problems('[lint]\nignore = ["broken-link"]\n')
    assert linted(root, ignore=("VT2",)) == HEADING_LINE


def test_select_and_ignore_together(three_problems) -> None:
    root = three_problems('[lint]\nselect = ["VT3"]\nignore = ["broken-heading-link"]\n')
    assert linted(root) == BROKEN_LINE


def test_severity_overrides_the_default_by_name_code_or_prefix(three_problems) -> None:
    root = three_problems(
        '[lint.severity]\nbroken-link = "error"\nVT303 = "info"\nVT2 = "warning"\n'
    )
    assert linted(root) == (
        BROKEN_LINE.replace("warning VT301", "error VT301")
        + HEADING_LINE.replace("warning VT303", "info VT303")
        + STATUS_LINE.replace("error VT202", "warning VT202")
    )


# -- thank_you_hours ------------------------------------------------------------------------


def interview(date: str, sent: str | None = None) -> str:
    lines = ["type: interview", 'contact: "[[Maya Chen]]"', f"date: {date}"]
    return note(*lines, *([f"thank_you_sent: {sent}"] if sent else []), body="## Notes\n")


@pytest.fixture
def thank_you_vault(make_vault):
    def make(config: str) -> Path:
        return make_vault(
            {
                CONFIG: config,
                "contacts/Maya Chen.md": JANE,
                "i/2026-11-29 two days ago.md": interview("2026-11-29"),
                "i/2026-11-28 three days ago.md": interview("2026-11-28"),
                "i/sent after two days.md": interview("2026-10-01", "2026-10-03"),
                "i/sent after three days.md": interview("2026-10-01", "2026-10-04"),
                "i/sent after 47 hours.md": interview("2026-10-01T10:00", "2026-10-03T09:00"),
                "i/sent after 49 hours.md": interview("2026-10-01T10:00", "2026-10-03T11:00"),
            }
        )

    return make


def test_thank_you_hours_widens_the_window(thank_you_vault) -> None:
    assert linted(thank_you_vault("thank_you_hours = 48\n"), "VT5") == (
        "i/2026-11-28 three days ago.md:4:1: warning VT501 [thank-you-overdue] interview on "
        "2026-11-28 has no thank-you yet; it was due by 2026-11-30\n"
        "    fix: send a thank-you, then add `thank_you_sent: 2026-12-01`\n"
        "i/sent after 49 hours.md:5:1: info VT502 [thank-you-late] thank-you sent "
        "2026-10-03 11:00, more than 48 hours after the interview on 2026-10-01 10:00\n"
        "i/sent after three days.md:5:1: info VT502 [thank-you-late] thank-you sent "
        "2026-10-04, more than 48 hours after the interview on 2026-10-01\n"
    )


def test_the_default_window_is_24_hours(thank_you_vault) -> None:
    """The same vault without the setting: every interview above is reported."""
    output = linted(thank_you_vault(""), "VT5")
    assert output.count("[thank-you-overdue]") == 2
    assert output.count("[thank-you-late]") == 4
    assert "more than 24 hours" in output


# -- [types]: notes typed without a type: field ------------------------------------------------


def test_types_folders_type_the_notes_of_a_folder(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[types.folders]\n"People" = "contact"\n"People/Companies" = "organization"\n',
            "People/Complete.md": note("status: contacted", "source: friend"),
            "People/Bad Status.md": note("status: bogus", "source: friend"),
            "People/No Frontmatter.md": "Just text.\n",
            "People/Companies/Acme.md": note("website: acme.example.com"),
            "People/Declared.md": note("type: organization", "status: bogus"),
            "Other/Untyped.md": note("status: bogus"),
        }
    )
    assert linted(root, "VT2") == (
        "People/Bad Status.md:2:1: error VT202 [invalid-field-value] status: 'bogus' is not "
        "an allowed value\n"
        "    fix: use one of: identified, contacted, scheduled, interviewed, thanked, "
        "following-up, no-response, declined, closed\n"
        "People/Companies/Acme.md:2:1: error VT202 [invalid-field-value] website: "
        "'acme.example.com' is not a web address\n"
        "    fix: write the full URL, starting with https://\n"
        "People/No Frontmatter.md:1:1: error VT201 [missing-required-field] contact note is "
        "missing required field 'source'\n"
        "    fix: add `source:` (`vault-tools schema contact` lists the "
        "fields)\n"
        "People/No Frontmatter.md:1:1: error VT201 [missing-required-field] contact note is "
        "missing required field 'status'\n"
        "    fix: add `status:` (`vault-tools schema contact` lists the "
        "fields)\n"
    )


def test_types_tags_type_the_notes_with_a_tag(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[types.tags]\nmeeting = "interview"\n"#call" = "interview"\n',
            "Tagged in frontmatter.md": note("tags: [meeting]", 'contact: "[[Maya Chen]]"'),
            "Tagged in the body.md": "Notes from the #call.\n",
            "Other tag.md": note("tags: [reading]"),
            "contacts/Maya Chen.md": JANE,
        }
    )
    assert linted(root, "VT2") == (
        "Tagged in frontmatter.md:1:1: error VT201 [missing-required-field] interview note "
        "is missing required field 'date'\n"
        "    fix: add `date:` (`vault-tools schema interview` lists the "
        "fields)\n"
        "Tagged in the body.md:1:1: error VT201 [missing-required-field] interview note is "
        "missing required field 'contact'\n"
        "    fix: add `contact:` (`vault-tools schema interview` lists the "
        "fields)\n"
        "Tagged in the body.md:1:1: error VT201 [missing-required-field] interview note is "
        "missing required field 'date'\n"
        "    fix: add `date:` (`vault-tools schema interview` lists the "
        "fields)\n"
    )


def test_types_tags_match_tags_regardless_of_case(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[types.tags]\nmeeting = "interview"\n',
            "Capitalized.md": note(
                "tags: [Meeting]", 'contact: "[[Maya Chen]]"', "date: 2026-10-01"
            ),
            "contacts/Maya Chen.md": JANE,
        }
    )
    assert Vault.load(root).notes["Capitalized"].note_type == "interview"


def test_types_match_types_the_notes_with_a_value(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[[types.match]]\nkey = "categories"\nvalue = "[[People]]"\ntype = "contact"\n',
            "In a list.md": note(
                "categories:", '  - "[[Places]]"', '  - "[[People]]"', "status: contacted"
            ),
            "Other case.md": note('categories: "[[people]]"', "status: bogus", "source: friend"),
            "Other value.md": note('categories: "[[Places]]"', "status: bogus"),
        }
    )
    assert linted(root, "VT2") == (
        "In a list.md:1:1: error VT201 [missing-required-field] contact note is missing "
        "required field 'source'\n"
        "    fix: add `source:` (`vault-tools schema contact` lists the "
        "fields)\n"
        "Other case.md:3:1: error VT202 [invalid-field-value] status: 'bogus' is not an "
        "allowed value\n"
        "    fix: use one of: identified, contacted, scheduled, interviewed, thanked, "
        "following-up, no-response, declined, closed\n"
    )


def test_types_key_reads_the_type_from_another_field(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[types]\nkey = "kind"\n',
            "A.md": note("kind: contact", "status: contacted"),
            "B.md": note("type: contact", "status: bogus"),
        }
    )
    assert linted(root, "VT2") == (
        "A.md:1:1: error VT201 [missing-required-field] contact note is missing required "
        "field 'source'\n"
        "    fix: add `source:` (`vault-tools schema contact` lists the "
        "fields)\n"
    )


def test_a_declared_type_wins_over_the_config(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[types.folders]\n"People" = "contact"\n',
            "People/By Folder.md": note("status: contacted", "source: friend"),
            "People/Declared.md": note("type: organization", "industry: energy"),
            "Elsewhere/Declared.md": note("type: contact", "status: contacted", "source: friend"),
        }
    )
    assert linted(root, "VT2") == ""
    typed = {
        note_id: (note.note_type, note.type_from_config)
        for note_id, note in Vault.load(root).notes.items()
    }
    assert typed == {
        "Elsewhere/Declared": ("contact", False),
        "People/By Folder": ("contact", True),
        "People/Declared": ("organization", False),
    }


# -- [schema.TYPE] -------------------------------------------------------------------------


def test_schema_required_and_properties_extend_the_default(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: (
                '[schema.contact]\nrequired = ["pronouns"]\n'
                '[schema.contact.properties.pronouns]\nenum = ["she/her", "he/him", "they/them"]\n'
            ),
            "contacts/Without.md": note("type: contact", "status: contacted", "source: friend"),
            "contacts/Wrong.md": note(
                "type: contact", "status: contacted", "source: friend", "pronouns: it"
            ),
            "contacts/Right.md": note(
                "type: contact", "status: contacted", "source: friend", "pronouns: they/them"
            ),
            "contacts/Default Still Applies.md": note(
                "type: contact", "status: bogus", "source: friend", "pronouns: she/her"
            ),
        }
    )
    assert linted(root, "VT2") == (
        "contacts/Default Still Applies.md:3:1: error VT202 [invalid-field-value] status: "
        "'bogus' is not an allowed value\n"
        "    fix: use one of: identified, contacted, scheduled, interviewed, thanked, "
        "following-up, no-response, declined, closed\n"
        "contacts/Without.md:1:1: error VT201 [missing-required-field] contact note is "
        "missing required field 'pronouns'\n"
        "    fix: add `pronouns:` (`vault-tools schema contact` lists the "
        "fields)\n"
        "contacts/Wrong.md:5:1: error VT202 [invalid-field-value] pronouns: 'it' is not an "
        "allowed value\n"
        "    fix: use one of: she/her, he/him, they/them\n"
    )


def test_schema_file_replaces_the_default(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[schema.contact]\nfile = "schemas/contact.json"\n',
            "schemas/contact.json": (
                '{"type": "object", "required": ["name"],'
                ' "properties": {"name": {"type": "string"}}}'
            ),
            "contacts/No Name.md": note("type: contact"),
            "contacts/Number Name.md": note("type: contact", "name: 5", "status: bogus"),
            "contacts/Fine.md": note("type: contact", "name: Fine"),
        }
    )
    assert linted(root, "VT2") == (
        "contacts/No Name.md:1:1: error VT201 [missing-required-field] contact note is "
        "missing required field 'name'\n"
        "    fix: add `name:` (`vault-tools schema contact` lists the "
        "fields)\n"
        "contacts/Number Name.md:3:1: error VT202 [invalid-field-value] name: 5 is not text\n"
        "    fix: write text; quote it if YAML reads it as a number, date or list\n"
    )


def test_schema_file_that_cannot_be_read_is_a_config_error(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: '[schema.contact]\nfile = "schemas/missing.json"\n',
            "contacts/Jane Doe.md": JANE,
        }
    )
    with pytest.raises(ConfigError) as raised:
        linted(root)
    assert str(raised.value).startswith(f"{root / CONFIG}: schema.contact.file: ")
    assert "missing.json" in str(raised.value)


# -- templates and ignore ------------------------------------------------------------------


BAD_YAML_TEMPLATE = note(
    "type: contact", "organization: {{company}}: {{team}}", body="See [[Nowhere]].\n"
)


def test_templates_folder_from_obsidian_settings_is_skipped(make_vault) -> None:
    root = make_vault(
        {
            ".obsidian/templates.json": '{"folder": "Tpl"}',
            "Tpl/Contact.md": BAD_YAML_TEMPLATE,
            "templates/Contact.md": BAD_YAML_TEMPLATE,
        }
    )
    # Tpl/ holds the templates now: its YAML and schema are not checked, its links are;
    # templates/ is an ordinary folder again.
    assert linted(root, "VT1", "VT2", "broken-link") == (
        "Tpl/Contact.md:5:5: warning VT301 [broken-link] [[Nowhere]] does not resolve to any "
        "note or file\n"
        "    fix: correct the name, or create the note\n"
        "templates/Contact.md:3:26: error VT101 [invalid-yaml] invalid YAML in frontmatter: "
        "mapping values are not allowed in this context\n"
        "    fix: {{...}} is a template placeholder, not YAML: keep templates in the templates "
        "folder (`templates` in .vault-tools.toml)\n"
        "templates/Contact.md:5:5: warning VT301 [broken-link] [[Nowhere]] does not resolve "
        "to any note or file\n"
        "    fix: correct the name, or create the note\n"
    )
    assert Vault.load(root).templates_folder == "Tpl"


def test_templates_in_the_config_win_over_obsidian_settings(make_vault) -> None:
    root = make_vault(
        {
            CONFIG: 'templates = "Forms/"\n',
            ".obsidian/templates.json": '{"folder": "Tpl"}',
            "Forms/Contact.md": BAD_YAML_TEMPLATE,
            "Tpl/Contact.md": BAD_YAML_TEMPLATE,
        }
    )
    output = linted(root, "VT1", "VT2")
    assert "Forms/" not in output
    assert output.startswith("Tpl/Contact.md:3:26: error VT101 [invalid-yaml]")


def test_ignore_globs_skip_files_and_folders(make_vault) -> None:
    not_a_mapping = note("- a list")
    root = make_vault(
        {
            CONFIG: 'ignore = ["Archive/**", "*.excalidraw.md", "drafts"]\n',
            "Archive/2025/Old.md": not_a_mapping,
            "Drawing.excalidraw.md": not_a_mapping,
            "Deep/drafts/Draft.md": not_a_mapping,
            "Kept.md": not_a_mapping,
            "NotArchive/Kept.md": not_a_mapping,
            "Deep/Archive/Kept.md": not_a_mapping,  # "Archive/**" holds a "/": it is anchored
        }
    )
    paths = [
        line.split(":", 1)[0] for line in linted(root).splitlines() if not line.startswith(" ")
    ]
    assert paths == ["Deep/Archive/Kept.md", "Kept.md", "NotArchive/Kept.md"]
    vault = Vault.load(root)
    assert sorted(vault.notes) == ["Deep/Archive/Kept", "Kept", "NotArchive/Kept"]


# -- errors in .vault-tools.toml -----------------------------------------------------------


@pytest.mark.parametrize(
    "toml, key",
    [
        ('colour = "red"\n', "colour"),
        ('[lint]\nselct = ["broken-link"]\n', "lint.selct"),
        ("[types]\nfolder = {}\n", "types.folder"),
        ('[schema.contact]\nrequird = ["pronouns"]\n', "schema.contact.requird"),
        ('[[types.match]]\nkey = "a"\nvalue = 1\ntype = "x"\nkind = "x"\n', "types.match[0].kind"),
    ],
)
def test_unknown_key_names_the_file_and_the_key(make_vault, toml, key) -> None:
    root = make_vault({CONFIG: toml})
    with pytest.raises(ConfigError, match=rf"^{re.escape(f'{root / CONFIG}: {key}: ')}unknown key"):
        Vault.load(root)


@pytest.mark.parametrize(
    "toml, key",
    [
        ("thank_you_hours = 0\n", "thank_you_hours"),
        ('thank_you_hours = "24"\n', "thank_you_hours"),
        ("thank_you_hours = true\n", "thank_you_hours"),
        ('ignore = "Archive"\n', "ignore"),
        ("templates = 3\n", "templates"),
        ('[lint]\nfail_on = "never"\n', "lint.fail_on"),
        ('[lint]\nselect = "broken-link"\n', "lint.select"),
        ('[lint.severity]\nbroken-link = "fatal"\n', "lint.severity.broken-link"),
        ("[types.folders]\nPeople = 3\n", "types.folders.People"),
        ('[types]\nkey = ""\n', "types.key"),
        ('[[types.match]]\nkey = "categories"\nvalue = "[[People]]"\n', "types.match[0].type"),
        ("[schema.contact]\nfile = 3\n", "schema.contact.file"),
        ('[schema]\ncontact = "schemas/contact.json"\n', "schema.contact"),
    ],
)
def test_bad_value_names_the_file_and_the_key(make_vault, toml, key) -> None:
    root = make_vault({CONFIG: toml})
    with pytest.raises(ConfigError, match=rf"^{re.escape(f'{root / CONFIG}: {key}: ')}"):
        Vault.load(root)


@pytest.mark.parametrize(
    "toml, key, name",
    [
        ('[lint]\nselect = ["brokn-link"]\n', "lint.select[0]", "brokn-link"),
        ('[lint]\nignore = ["broken-link", "VT9"]\n', "lint.ignore[1]", "VT9"),
        ('[lint.severity]\nbroken-lnk = "error"\n', "lint.severity.broken-lnk", "broken-lnk"),
    ],
)
def test_unknown_rule_names_the_file_the_key_and_the_rule(make_vault, toml, key, name) -> None:
    root = make_vault({CONFIG: toml})
    with pytest.raises(ConfigError) as raised:
        Vault.load(root)
    assert str(raised.value).startswith(f"{root / CONFIG}: {key}: unknown rule {name!r}")


def test_invalid_toml_names_the_file(make_vault) -> None:
    root = make_vault({CONFIG: "ignore = [\n"})
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(root / CONFIG))}: invalid TOML"):
        Vault.load(root)
