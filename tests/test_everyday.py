"""`draft`, `list`, `completion` and the pre-commit hooks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


# -- draft --------------------------------------------------------------------------------


def test_outreach_names_the_referrer_the_field_and_asks_for_no_job():
    result = run("draft", "outreach", "tomas reyes", "--vault", str(EXAMPLE_VAULT))
    assert result.exit_code == 0, result.output
    subject, blank, *body = result.stdout.splitlines()
    assert subject == "Subject: Learning about UX research at Cascadia Watershed Council"
    assert blank == ""
    text = "\n".join(body)
    assert "Lena Fischer suggested" in text
    assert "20 to 30 minutes" in text and "not asking about jobs" in text
    assert len(text.split()) <= 150
    assert result.stderr == ""


def test_outreach_uses_the_source_when_nobody_referred(make_vault):
    root = make_vault(
        {"contacts/Ann Lee.md": contact(source="alumni-directory", field='"data science"')}
    )
    result = run("draft", "outreach", "Ann Lee", "--vault", str(root))
    assert "alumni directory" in result.stdout
    assert "no email address" in result.stderr  # still a draft, with a note


def test_outreach_template_can_be_overridden_and_long_bodies_warn(make_vault):
    long_body = "word " * 200
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(email="ann@example.com"),
            "templates/outreach.md": f"Subject: Hi {{{{first_name}}}}\n\n{long_body}\n",
        }
    )
    result = run("draft", "outreach", "Ann Lee", "--vault", str(root))
    assert result.stdout.startswith("Subject: Hi Ann\n\nword word")
    assert "200 words" in result.stderr


def test_thank_you_uses_the_latest_interview_and_its_referrals():
    result = run(
        "draft", "thank-you", "Maya Chen", "--vault", str(EXAMPLE_VAULT), "--today", "2026-12-01"
    )
    assert result.exit_code == 0, result.output
    assert "September 17" in result.stdout
    assert "a typical week" in result.stdout
    assert "Jordan Alvarez" in result.stdout


def test_thank_you_needs_an_interview(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    result = run("draft", "thank-you", "Ann Lee", "--vault", str(root))
    assert result.exit_code == 2 and "no interview" in result.stderr


def test_mailto_encodes_subject_and_body(make_vault):
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(email="ann@example.com"),
            "interviews/i.md": interview("Ann Lee", "2026-11-30"),
        }
    )
    result = run(
        "draft", "thank-you", "Ann Lee", "--vault", str(root), "--mailto", "--today", "2026-12-01"
    )
    link = urlparse(result.stdout.strip())
    assert link.scheme == "mailto" and link.path == "ann@example.com"
    query = parse_qs(link.query)
    assert query["subject"] == ["Thank you for your time on November 30"]
    assert "Dear Ann," in unquote(query["body"][0])
    assert " " not in result.stdout.strip()


# -- list -------------------------------------------------------------------------------------


def list_names(*args: str) -> list[str]:
    result = run(
        "list", *args, "--vault", str(EXAMPLE_VAULT), "--format", "json", "--today", "2026-12-01"
    )
    assert result.exit_code == 0, result.output
    return [item["name"] for item in json.loads(result.stdout)]


def test_list_conditions():
    assert list_names("contacts", "--where", "status=declined") == ["Aisha Bello"]
    assert "Aisha Bello" not in list_names("contacts", "--where", "status!=declined")
    assert list_names(
        "contacts", "--where", "status=contacted", "--where", "contacted_on<today-7"
    ) == ["Marcus Webb"]
    assert list_names("contacts", "--where", "organization~tidewater") == [
        "Chris Doyle",
        "Kevin Park",
        "Sofia Marquez",
    ]
    assert list_names("interviews", "--where", "date>2026-11-01") == [
        "2026-11-12 Lena Fischer",
        "2026-12-08 Tomas Reyes",
    ]
    assert list_names("interviews", "--where", "duration_minutes>=45") != []
    assert list_names("contacts", "--where", "referred_by=[[Maya Chen]]") == ["Jordan Alvarez"]


def test_list_sort_and_formats():
    names = list_names("interviews", "--sort", "-date")
    assert names[0] == "2026-12-08 Tomas Reyes" and names[-1] == "2026-08-12 Walter Lindqvist"
    result = run(
        "list",
        "contacts",
        "--vault",
        str(EXAMPLE_VAULT),
        "--format",
        "csv",
        "--where",
        "source=linkedin",
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["name"] for row in rows] == ["Kevin Park"]
    text = run("list", "contacts", "--vault", str(EXAMPLE_VAULT), "--where", "field~ux")
    assert text.stdout.startswith("| name | status |")
    assert "contacts" in text.stderr


def test_list_bad_condition_is_exit_2():
    result = run("list", "contacts", "--vault", str(EXAMPLE_VAULT), "--where", "status")
    assert result.exit_code == 2 and "FIELD=VALUE" in result.stderr


# -- completion -------------------------------------------------------------------------------


def test_completion_scripts():
    for shell, marker in (("bash", "complete -o"), ("zsh", "compdef"), ("fish", "complete")):
        result = run("completion", shell)
        assert result.exit_code == 0
        assert marker in result.stdout and "_VAULT_TOOLS_COMPLETE" in result.stdout


def test_note_titles_complete_for_name_arguments(monkeypatch):
    monkeypatch.chdir(EXAMPLE_VAULT)
    for words in ("set Ma", "new interview Ma", "path Ma", "draft outreach Ma"):
        env = {
            "_VAULT_TOOLS_COMPLETE": "bash_complete",
            "COMP_WORDS": f"vault-tools {words}",
            "COMP_CWORD": str(len(words.split())),
        }
        result = CliRunner().invoke(cli, [], env=env, prog_name="vault-tools")
        assert "Maya Chen" in result.stdout and "Marcus Webb" in result.stdout, words


# -- pre-commit ---------------------------------------------------------------------------------


def test_pre_commit_hooks_run_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in hooks] == ["vault-tools-lint", "vault-tools-index-check"]
    for hook in hooks:
        args = hook["entry"].split()[1:]
        assert args[0] in cli.commands
        result = run(*args, str(EXAMPLE_VAULT), "--today", "2026-12-01")
        assert result.exit_code == 0, (hook["id"], result.output)


def test_list_empty_value_means_missing_or_present():
    assert list_names("contacts", "--where", "email=") == ["Kevin Park"]
    with_phone = list_names("contacts", "--where", "phone!=")
    without_phone = list_names("contacts", "--where", "phone=")
    assert len(with_phone) == 6 and len(with_phone) + len(without_phone) == 16
    assert not set(with_phone) & set(without_phone)


def test_today_out_of_range_is_a_usage_error():
    result = run("agenda", str(EXAMPLE_VAULT), "--today", "9999-12-30")
    assert result.exit_code == 2
    assert "choose a date between 1900 and 9000" in result.output


@pytest.mark.parametrize(
    "written", ["2026-13-01", "2026-02-30", "2026-11-3", "20261127", "+026-11-27"]
)
def test_today_must_be_a_real_date_written_year_month_day(written):
    result = run("agenda", str(EXAMPLE_VAULT), "--today", written)
    assert result.exit_code == 2
    assert f"'{written}' is not a valid date (YYYY-MM-DD)" in result.output


def test_today_sets_the_day_counted_from():
    earlier = run("status", str(EXAMPLE_VAULT), "--today", "2026-10-01", "--format", "json")
    later = run("status", str(EXAMPLE_VAULT), "--today", " 2026-12-01 ", "--format", "json")
    assert earlier.exit_code == later.exit_code == 0
    assert earlier.output != later.output


def test_views_complete_in_index():
    env = {
        "_VAULT_TOOLS_COMPLETE": "bash_complete",
        "COMP_WORDS": "vault-tools index --view f",
        "COMP_CWORD": "3",
    }
    result = CliRunner().invoke(cli, [], env=env, prog_name="vault-tools")
    assert result.stdout.split() == ["plain,fields", "plain,follow-ups"]
