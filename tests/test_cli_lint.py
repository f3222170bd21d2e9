"""`vault-tools lint` through click's CliRunner: formats, options and exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.cli import cli

TEXT_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info) "
    r"(?P<code>VT\d{3}) \[(?P<rule>[a-z-]+)\] (?P<message>.+)$"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def messy_vault(make_vault):
    """An error (bad status), a warning (broken link) and an info (late thank-you)."""
    return make_vault(
        {
            "contacts/Ann Lee.md": contact(status="interviwed"),
            "contacts/Bo Kim.md": contact() + "See [[Nobody Here]].\n",
            "interviews/2026-10-01 Bo Kim.md": interview(
                "Bo Kim", "2026-10-01", thank_you_sent="2026-10-09"
            ),
        }
    )


def test_example_vault_is_clean_enough_to_pass():
    code, out, err = run("lint", str(EXAMPLE_VAULT), "--today", "2026-12-01")
    assert code == 0, out + err
    assert "error" not in out
    assert "notes" in err


def test_text_format_lines_are_sorted_and_parseable(messy_vault):
    code, out, err = run("lint", str(messy_vault), "--today", "2026-12-01")
    assert code == 1
    lines = [line for line in out.splitlines() if not line.startswith("    fix: ")]
    parsed = [TEXT_LINE.match(line) for line in lines]
    assert all(parsed), lines
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in parsed]
    assert keys == sorted(keys)
    assert {m["rule"] for m in parsed} == {"invalid-field-value", "broken-link", "thank-you-late"}
    assert "Found 1 error, 1 warning, 1 info in 3 notes." in err
    assert "Found" not in out  # the summary is a message: stderr only


def test_json_format_has_exactly_the_documented_keys(messy_vault):
    code, out, _ = run("lint", str(messy_vault), "--format", "json", "--today", "2026-12-01")
    assert code == 1
    items = json.loads(out)
    assert len(items) == 3
    for item in items:
        assert set(item) == {"path", "line", "column", "severity", "code", "rule", "message", "fix"}
    bad_status = next(item for item in items if item["rule"] == "invalid-field-value")
    assert bad_status == {
        "path": "contacts/Ann Lee.md",
        "line": 3,
        "column": 1,
        "severity": "error",
        "code": "VT202",
        "rule": "invalid-field-value",
        "message": "status: 'interviwed' is not an allowed value",
        "fix": bad_status["fix"],
    }
    assert "interviewed" in bad_status["fix"]
    late = next(item for item in items if item["rule"] == "thank-you-late")
    assert late["fix"] is None


def test_json_output_for_a_clean_vault_is_an_empty_array(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    code, out, err = run("lint", str(root), "--format", "json")
    assert (code, json.loads(out)) == (0, [])
    assert "No problems found in 1 note." in err


def test_github_format_prefixes_paths_with_the_vault_and_escapes(messy_vault):
    code, out, _ = run("lint", str(messy_vault), "--format", "github", "--today", "2026-12-01")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        f"::error file={messy_vault.as_posix()}/contacts/Ann Lee.md,"
        "line=3,col=1,title=VT202 invalid-field-value::"
    )
    assert any(line.startswith("::warning ") for line in lines)
    assert any(line.startswith("::notice ") for line in lines)


def test_fail_on_warning_and_exit_zero(make_vault):
    root = make_vault({"contacts/Bo Kim.md": contact() + "See [[Nobody Here]].\n"})
    assert run("lint", str(root))[0] == 0  # a warning does not fail by default
    assert run("lint", str(root), "--fail-on", "warning")[0] == 1
    assert run("lint", str(root), "--fail-on", "warning", "--exit-zero")[0] == 0


def test_every_finding_is_printed_whatever_fail_on_says(messy_vault):
    _, out, _ = run("lint", str(messy_vault), "--fail-on", "error", "--today", "2026-12-01")
    assert "[thank-you-late]" in out and "[broken-link]" in out


def test_select_and_ignore_choose_rules(messy_vault):
    _, out, _ = run(
        "lint", str(messy_vault), "--select", "broken-link,VT5", "--today", "2026-12-01"
    )
    assert "[broken-link]" in out and "[thank-you-late]" in out
    assert "[invalid-field-value]" not in out
    code, out, _ = run(
        "lint", str(messy_vault), "--ignore", "VT202", "--ignore", "VT301", "--today", "2026-12-01"
    )
    assert code == 0
    assert "[invalid-field-value]" not in out and "[broken-link]" not in out


def test_unknown_rule_is_a_usage_error(messy_vault):
    code, out, err = run("lint", str(messy_vault), "--select", "no-such-rule")
    assert code == 2
    assert out == ""
    assert "no-such-rule" in err


def test_today_makes_date_rules_reproducible(make_vault):
    root = make_vault(
        {
            "contacts/Bo Kim.md": contact(),
            "interviews/2026-11-28 Bo Kim.md": interview(
                "Bo Kim", "2026-11-28", thank_you_sent=None
            ),
        }
    )
    assert "[thank-you-overdue]" not in run("lint", str(root), "--today", "2026-11-29")[1]
    assert "[thank-you-overdue]" in run("lint", str(root), "--today", "2026-11-30")[1]


def test_missing_vault_is_exit_2_with_a_message(tmp_path: Path):
    code, out, err = run("lint", str(tmp_path / "nope"))
    assert code == 2
    assert out == ""
    assert "nope" in err and "no such folder" in err


def test_bad_today_is_a_usage_error(make_vault):
    root = make_vault({"a.md": "x"})
    assert run("lint", str(root), "--today", "yesterday")[0] == 2


def test_config_error_is_exit_2_naming_file_and_key(make_vault):
    root = make_vault({"a.md": "x", ".vault-tools.toml": "thank_you_hour = 24\n"})
    code, out, err = run("lint", str(root))
    assert code == 2
    assert out == ""
    assert ".vault-tools.toml" in err and "thank_you_hour" in err


def test_config_fail_on_is_used_when_the_option_is_absent(make_vault):
    root = make_vault(
        {
            "contacts/Bo Kim.md": contact() + "See [[Nobody Here]].\n",
            ".vault-tools.toml": '[lint]\nfail_on = "warning"\n',
        }
    )
    assert run("lint", str(root))[0] == 1
    assert run("lint", str(root), "--fail-on", "error")[0] == 0


def test_vault_defaults_to_the_current_folder(make_vault, monkeypatch):
    root = make_vault({"contacts/Ann Lee.md": contact(status="interviwed")})
    monkeypatch.chdir(root)
    code, out, _ = run("lint")
    assert code == 1
    assert out.startswith("contacts/Ann Lee.md:3:1: error VT202")


def test_hostile_vault_gives_diagnostics_not_tracebacks(make_vault):
    root = make_vault(
        {
            "a.md": b"---\nkey: [unclosed\n---\n",
            "b.md": b"\xff\xfe" + "---\nx: 1\n---\n".encode("utf-16-le"),
            "c.md": b"---\n- a\n- b\n---\n",
            "d.md": b"---\na: &a [*a, *a]\nb: !!python/object/apply:os.system [true]\n---\n",
            "e.md": b"\x00\x01\x02binary",
            "f.md": b"---\n" + b"[" * 5000 + b"\n---\n",
            "g.md": b"---\ntype: contact\ndate: 2026-13-45\n---\n",
        }
    )
    result = CliRunner().invoke(cli, ["lint", str(root), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    paths = {item["path"] for item in json.loads(result.stdout)}
    assert {"a.md", "b.md", "c.md", "d.md", "e.md", "f.md"} <= paths


@pytest.mark.skipif(not hasattr(Path, "symlink_to"), reason="symlinks")
def test_follow_symlinks_reads_the_notes_behind_links_inside_the_vault(make_vault):
    root = make_vault({"contacts/Ann Lee.md": contact()})
    (root / "Ann.md").symlink_to(root / "contacts" / "Ann Lee.md")
    code, _, err = run("lint", str(root))
    assert "in 1 note" in err
    # The cache must not replay the result of the other setting.
    code, _, err = run("--follow-symlinks", "lint", str(root))
    assert "in 2 notes" in err
    code, _, err = run("lint", str(root))
    assert "in 1 note" in err
