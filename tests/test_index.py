"""The six index views and `vault-tools index` (and the block rules of `vault-tools lint`).

Each view has a golden file, ``tests/golden/views/<view>.md``: what the view renders for
the example vault with today = 2026-12-01, followed by one newline. The example vault's
``Home.md`` holds the same text between its markers, which a test checks too.

To regenerate the goldens on purpose after an intended change of a view::

    VAULT_TOOLS_UPDATE_GOLDEN=1 python -m pytest tests/test_index.py

(the same variable as for ``tests/test_rules.py``), then read every changed golden
(``git diff tests/golden``) against the example vault's notes before committing it.

The command line is run through click's CliRunner, always with ``--today 2026-12-01``,
on copies of the example vault or on vaults built with ``make_vault``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import hypothesis
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.blocks import BOM, find_blocks
from vault_tools.cli import cli
from vault_tools.index import plan_index, write_plan
from vault_tools.render.views import VIEWS, ViewContext, ViewError, render_view
from vault_tools.vault import Vault

TODAY = dt.date(2026, 12, 1)
GOLDEN = Path(__file__).resolve().parent / "golden" / "views"
UPDATE_GOLDEN = os.environ.get("VAULT_TOOLS_UPDATE_GOLDEN") == "1"
VIEW_NAMES = ("contacts", "interviews", "follow-ups", "referrals", "organizations", "fields")

MakeVault = Callable[..., Path]
Tree = dict[str, tuple[bytes, int]]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def index(root: Path, *options: str) -> tuple[int, str, str]:
    return run("index", str(root), "--today", "2026-12-01", *options)


def tree(root: Path) -> Tree:
    """Every file under ``root``: its bytes and mtime_ns, by relative path."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            files[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return files


def render(vault: Vault, view: str, **arguments: str) -> str:
    return render_view(ViewContext(vault, TODAY, vault.config.thank_you_hours), view, arguments)


def first_column(table: str) -> list[str]:
    """The note titles linked in the first column of a rendered table."""
    return re.findall(r"^\| \[\[([^\]|\\]+)", table, flags=re.MULTILINE)


def cells(row: str) -> list[str]:
    """The cells of a table row, split on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def block_contents(path: Path) -> dict[str, str]:
    return {block.view: block.content for block in find_blocks(path.read_text("utf-8")).blocks}


def begin_line(path: Path, view: str) -> int:
    """1-based line of the begin marker of ``view`` in the note at ``path``."""
    for block in find_blocks(path.read_text("utf-8")).blocks:
        if block.view == view:
            return block.begin + 1
    raise AssertionError(f"no {view} block in {path}")


def home_with(*blocks: str, before: str = "# Home\n\n") -> str:
    """A note holding one empty block per begin-marker argument text (``contacts limit=2``)."""
    parts = [before]
    for block in blocks:
        view = block.split()[0] if block.split() else ""
        parts.append(f"<!-- vault-tools:begin {block} -->\n<!-- vault-tools:end {view} -->\n\n")
    return "".join(parts)


@pytest.fixture(scope="module")
def example() -> Vault:
    return Vault.load(EXAMPLE_VAULT)


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    root = tmp_path / "example"
    shutil.copytree(EXAMPLE_VAULT, root)
    return root


def change_marcus(root: Path) -> None:
    """Marcus Webb replied: a change that every contact view shows."""
    path = root / "contacts" / "Marcus Webb.md"
    text = path.read_text(encoding="utf-8")
    assert "status: contacted\n" in text
    path.write_text(text.replace("status: contacted\n", "status: scheduled\n"), encoding="utf-8")


# -- goldens ------------------------------------------------------------------------------


def test_the_six_views() -> None:
    assert set(VIEWS) == set(VIEW_NAMES)


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_view_golden(example: Vault, view: str) -> None:
    actual = render(example, view) + "\n"
    golden = GOLDEN / f"{view}.md"
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.is_file(), f"no golden {golden}; write it with VAULT_TOOLS_UPDATE_GOLDEN=1"
    assert actual == golden.read_text(encoding="utf-8")


def test_example_home_holds_the_goldens() -> None:
    """The example vault's Home.md is current for today = 2026-12-01."""
    contents = block_contents(EXAMPLE_VAULT / "Home.md")
    assert set(contents) == set(VIEW_NAMES)
    for view, content in contents.items():
        assert content == "\n" + (GOLDEN / f"{view}.md").read_text(encoding="utf-8"), view
    assert index(EXAMPLE_VAULT, "--check")[0] == 0


def test_views_are_deterministic(example: Vault) -> None:
    again = Vault.load(EXAMPLE_VAULT)
    for view in VIEW_NAMES:
        assert render(example, view) == render(again, view)


def test_fields_with_fewer_than_three_people_are_flagged(make_vault: MakeVault) -> None:
    files = {
        f"contacts/{name}.md": contact(status="thanked", field="data science")
        for name in ("Ann Lee", "Bo Kim", "Cy Dunn")
    }
    files |= {
        f"interviews/2026-10-0{i} {name}.md": interview(name, f"2026-10-0{i}")
        for i, name in enumerate(("Ann Lee", "Bo Kim", "Cy Dunn"), start=1)
    }
    files |= {
        "contacts/Di Ng.md": contact(status="thanked", field="UX research"),
        "interviews/2026-10-05 Di Ng.md": interview("Di Ng", "2026-10-05"),
        "contacts/Ed Fox.md": contact(status="scheduled", field="UX research"),
        "interviews/2026-12-20 Ed Fox.md": interview("Ed Fox", "2026-12-20", thank_you_sent=None),
        "contacts/Flo Roy.md": contact(field="UX research"),
        "contacts/Gus Ortiz.md": contact(status="thanked"),  # no field
        "interviews/2026-10-06 Gus Ortiz.md": interview("Gus Ortiz", "2026-10-06"),
    }
    table = render(Vault.load(make_vault(files)), "fields")
    rows = [cells(line) for line in table.splitlines()[2:]]
    assert rows == [
        ["data science", "3", "[[Ann Lee]], [[Bo Kim]], [[Cy Dunn]]", ""],
        [
            "UX research",
            "1",
            "[[Di Ng]]",
            "only 1: talk to more people before judging the field",
        ],
    ]


def test_follow_ups_due_overdue_waiting_and_upcoming(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="interviewed"),
            "interviews/2026-11-30 Ann Lee.md": interview(
                "Ann Lee", "2026-11-30", thank_you_sent=None
            ),
            "contacts/Bo Kim.md": contact(status="interviewed"),
            "interviews/2026-11-28 Bo Kim.md": interview(
                "Bo Kim", "2026-11-28", thank_you_sent=None
            ),
            "contacts/Cy Dunn.md": contact(status="contacted", contacted_on="2026-11-30"),
            "contacts/Di Ng.md": contact(status="contacted", contacted_on="2026-11-20"),
            "contacts/Ed Fox.md": contact(status="contacted"),
            "contacts/Flo Roy.md": contact(status="scheduled"),
            "interviews/2026-12-03 Flo Roy.md": interview(
                "Flo Roy", "2026-12-03T09:30", thank_you_sent=None
            ),
        }
    )
    assert render(Vault.load(root), "follow-ups") == (
        "**Thank-you notes to send**\n\n"
        "- [[Bo Kim]]: interviewed 2026-11-28; the thank-you was due by 2026-11-29"
        " (2 days late): send it, then set thank_you_sent ([[2026-11-28 Bo Kim]])\n"
        "- [[Ann Lee]]: interviewed 2026-11-30; send a thank-you today,"
        " then set thank_you_sent ([[2026-11-30 Ann Lee]])\n\n"
        "**Follow-ups**\n\n"
        "- [[Di Ng]]: contacted 2026-11-20, no reply after 7 business days: send one polite"
        " follow-up, then set status to following-up (no-response if it stays silent)\n\n"
        "**Interviews to prepare**\n\n"
        "- [[2026-12-03 Flo Roy]] with [[Flo Roy]]: interview 2026-12-03 09:30 (in 2 days);"
        " still to prepare: research, objectives, questions\n\n"
        "**Referrals to contact**\n\n"
        "- Nothing here."
    )


def test_follow_ups_limit_applies_to_each_section(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "contacts/Ann Lee.md": contact(status="interviewed"),
            "interviews/2026-11-30 Ann Lee.md": interview(
                "Ann Lee", "2026-11-30", thank_you_sent=None
            ),
            "contacts/Bo Kim.md": contact(status="interviewed"),
            "interviews/2026-11-28 Bo Kim.md": interview(
                "Bo Kim", "2026-11-28", thank_you_sent=None
            ),
            "contacts/Di Ng.md": contact(status="contacted", contacted_on="2026-11-20"),
            "contacts/Jo Sun.md": contact(status="contacted", contacted_on="2026-11-02"),
        }
    )
    text = render(Vault.load(root), "follow-ups", limit="1")
    assert "[[Bo Kim]]" in text and "[[Ann Lee]]" not in text  # overdue before due
    assert "[[Jo Sun]]" in text and "[[Di Ng]]" not in text  # earlier due date first


# -- arguments ---------------------------------------------------------------------------


def test_filter_on_status(example: Vault) -> None:
    assert first_column(render(example, "contacts", status="thanked")) == [
        "Chris Doyle",
        "Daniel Osei",
        "Denise Okafor",
        "Jordan Alvarez",
        "Maya Chen",
        "Ruth Abernathy",
        "Walter Lindqvist",
    ]


@pytest.mark.parametrize("value", ["Tidewater Analytics", "tidewater ANALYTICS"])
def test_filter_on_organization_ignores_case(example: Vault, value: str) -> None:
    table = render(example, "contacts", organization=value)
    assert first_column(table) == ["Chris Doyle", "Kevin Park", "Sofia Marquez"]
    organizations = render(example, "organizations", organization=value)
    assert organizations.startswith("**[[Tidewater Analytics]]**\n")
    assert organizations.count("**") == 2


def test_filter_with_no_match(example: Vault) -> None:
    assert render(example, "contacts", status="declined", field="data science") == (
        "_No contacts match._"
    )


def test_interviews_filter_on_a_link_field(example: Vault) -> None:
    for value in ("[[Maya Chen]]", "maya chen"):
        table = render(example, "interviews", contact=value)
        assert first_column(table) == ["2026-09-17 Maya Chen"]


def test_sort_descending_puts_missing_values_last(example: Vault) -> None:
    assert first_column(render(example, "contacts", sort="-last_contact")) == [
        "Lena Fischer",
        "Hannah Brooks",
        "Tomas Reyes",
        "Sofia Marquez",
        "Marcus Webb",
        "Kevin Park",
        "Chris Doyle",
        "Maya Chen",
        "Jordan Alvarez",
        "Aisha Bello",
        "Ruth Abernathy",
        "Daniel Osei",
        "Denise Okafor",
        "Walter Lindqvist",
        "Greg Hoffman",
        "Nadia Petrova",
    ]
    ascending = first_column(render(example, "contacts", sort="last_contact"))
    assert ascending[:2] == ["Walter Lindqvist", "Denise Okafor"]
    assert ascending[-2:] == ["Greg Hoffman", "Nadia Petrova"]


def test_interviews_are_newest_first_unless_sorted(example: Vault) -> None:
    newest_first = first_column(render(example, "interviews"))
    assert newest_first == sorted(newest_first, reverse=True)
    assert len(newest_first) == 11
    assert first_column(render(example, "interviews", sort="date")) == sorted(newest_first)


def test_limit(example: Vault) -> None:
    assert first_column(render(example, "contacts", limit="2")) == ["Aisha Bello", "Chris Doyle"]
    assert first_column(render(example, "interviews", limit="2")) == [
        "2026-12-08 Tomas Reyes",
        "2026-11-12 Lena Fischer",
    ]
    assert render(example, "organizations", limit="2").count("**[[") == 2
    assert len(render(example, "fields", limit="2").splitlines()) == 4
    top = render(example, "referrals", limit="2").split("**Top referrers**")[1]
    assert top.strip().splitlines() == [
        "- [[Maya Chen]]: introduced 1, reach 3",
        "- [[Ruth Abernathy]]: introduced 1, reach 3",
    ]


def test_filter_sort_and_limit_together(example: Vault) -> None:
    table = render(
        example, "contacts", organization="tidewater analytics", sort="-last_contact", limit="2"
    )
    assert first_column(table) == ["Sofia Marquez", "Kevin Park"]


BAD_ARGUMENTS = [
    pytest.param("contact", {}, "unknown view 'contact'", id="unknown-view"),
    pytest.param("contacts", {"colour": "red"}, "no argument 'colour'", id="unknown-argument"),
    pytest.param("follow-ups", {"status": "thanked"}, "no argument 'status'", id="no-filters"),
    pytest.param("organizations", {"sort": "name"}, "no argument 'sort'", id="not-sortable"),
    pytest.param("contacts", {"limit": "0"}, "positive whole number", id="limit-0"),
    pytest.param("contacts", {"limit": "-1"}, "positive whole number", id="limit-negative"),
    pytest.param("interviews", {"limit": "two"}, "positive whole number", id="limit-word"),
    pytest.param("contacts", {"sort": "age"}, "cannot sort by 'age'", id="sort-unknown"),
    pytest.param("interviews", {"sort": "-role"}, "cannot sort by '-role'", id="sort-other-type"),
]


@pytest.mark.parametrize(("view", "arguments", "words"), BAD_ARGUMENTS)
def test_bad_view_or_argument_is_a_view_error(
    example: Vault, view: str, arguments: dict[str, str], words: str
) -> None:
    with pytest.raises(ViewError, match=re.escape(words)):
        render(example, view, **arguments)


@pytest.mark.parametrize(("view", "arguments", "words"), BAD_ARGUMENTS)
def test_bad_view_or_argument_through_index(
    make_vault: MakeVault, view: str, arguments: dict[str, str], words: str
) -> None:
    marker = " ".join([view, *(f"{key}={value}" for key, value in arguments.items())])
    root = make_vault(
        {
            "Home.md": home_with(marker, before="# Home\n\nSome text.\n\n"),
            "contacts/Ann Lee.md": contact(),
        }
    )
    before = tree(root)
    code, out, err = index(root)
    assert (code, out) == (1, "")
    [line] = [line for line in err.splitlines() if "[unknown-view]" in line]
    assert line.startswith("Home.md:5:1: error VT702 [unknown-view] ")
    assert words in line
    assert tree(root) == before  # the block is left byte-identical, mtime too


def test_a_bad_block_does_not_stop_the_good_ones(make_vault: MakeVault) -> None:
    root = make_vault(
        {"Home.md": home_with("contacts", "fields limit=none"), "contacts/Ann Lee.md": contact()}
    )
    code, _, err = index(root)
    assert code == 1
    assert "Home.md:6:1: error VT702 [unknown-view] limit='none'" in err
    assert "Updated Home.md (contacts)" in err
    contents = block_contents(root / "Home.md")
    assert "| [[Ann Lee]] |" in contents["contacts"]
    assert contents["fields"] == ""


# -- `vault-tools index` on a copy of the example vault ---------------------------------


def test_index_twice_changes_nothing_the_second_time(example_copy: Path) -> None:
    change_marcus(example_copy)
    code, _, err = index(example_copy)
    assert code == 0, err
    assert "Updated Home.md (follow-ups, contacts, organizations)" in err
    first = tree(example_copy)
    code, out, err = index(example_copy)
    assert (code, out) == (0, "")
    assert "0 notes updated; 6 of 6 blocks already up to date." in err
    assert tree(example_copy) == first


def test_index_changes_only_the_blocks(example_copy: Path) -> None:
    home = example_copy / "Home.md"
    original = home.read_bytes()
    change_marcus(example_copy)
    index(example_copy)
    new = home.read_bytes()
    first_begin = original.index(b"<!-- vault-tools:begin")
    last_end = original.rindex(b"<!-- vault-tools:end")
    assert new[:first_begin] == original[:first_begin]
    assert new[new.rindex(b"<!-- vault-tools:end") :] == original[last_end:]
    contents = block_contents(home)
    [row] = [line for line in contents["contacts"].splitlines() if "[[Marcus Webb]]" in line]
    assert cells(row)[4] == "scheduled"
    assert "[[Marcus Webb]] (Senior Regulatory Analyst, scheduled)" in contents["organizations"]
    assert "**Follow-ups**\n\n- Nothing here." in contents["follow-ups"]
    assert contents["interviews"] == "\n" + (GOLDEN / "interviews.md").read_text("utf-8")


def test_check_exits_0_when_up_to_date_and_1_when_not(example_copy: Path) -> None:
    code, out, err = index(example_copy, "--check")
    assert (code, out) == (0, "")
    assert "All 6 blocks are up to date." in err

    change_marcus(example_copy)
    before = tree(example_copy)
    code, out, err = index(example_copy, "--check")
    assert (code, out) == (1, "")
    assert "Out of date: Home.md (follow-ups, contacts, organizations)" in err
    assert tree(example_copy) == before


def test_diff_prints_a_unified_diff_and_writes_nothing(example_copy: Path) -> None:
    change_marcus(example_copy)
    before = tree(example_copy)
    code, out, err = index(example_copy, "--diff")
    assert code == 0
    assert out.startswith("--- a/Home.md\n+++ b/Home.md\n@@ ")
    removed = [line for line in out.splitlines() if line.startswith("-| [[Marcus Webb]]")]
    added = [line for line in out.splitlines() if line.startswith("+| [[Marcus Webb]]")]
    assert len(removed) == len(added) == 1
    assert "| contacted |" in removed[0] and "| scheduled |" in added[0]
    assert "+- [[Marcus Webb]] (Senior Regulatory Analyst, scheduled)" in out
    assert "Out of date: Home.md" in err
    assert tree(example_copy) == before


def test_diff_is_empty_when_up_to_date(example_copy: Path) -> None:
    code, out, err = index(example_copy, "--diff")
    assert (code, out) == (0, "")
    assert "up to date" in err


def test_block_edited_by_hand_is_kept_unless_forced(example_copy: Path) -> None:
    home = example_copy / "Home.md"
    text = home.read_text(encoding="utf-8")
    hand_row = "| Someone I met at a fair | | | | | | |\n"
    anchor = "| [[Walter Lindqvist]] |"
    row_start = text.index(anchor)
    row_end = text.index("\n", row_start) + 1
    home.write_text(text[:row_end] + hand_row + text[row_end:], encoding="utf-8")
    change_marcus(example_copy)
    line = begin_line(home, "contacts")

    code, _, err = index(example_copy)
    assert code == 0
    assert f"Home.md:{line}:1: warning VT703 [edited-block]" in err
    contents = block_contents(home)
    assert hand_row.strip() in contents["contacts"]
    assert "| contacted |" in contents["contacts"]  # not regenerated
    assert "(Senior Regulatory Analyst, scheduled)" in contents["organizations"]  # others are

    code, _, err = index(example_copy, "--force")
    assert code == 0, err
    contents = block_contents(home)
    assert hand_row.strip() not in contents["contacts"]
    assert "| scheduled |" in contents["contacts"]
    _, _, err = index(example_copy)
    assert "edited-block" not in err


def test_write_plan_skips_a_note_changed_since_it_was_planned(example_copy: Path) -> None:
    change_marcus(example_copy)
    plan = plan_index(Vault.load(example_copy), today=TODAY)
    assert [(update.path, update.views) for update in plan.updates] == [
        ("Home.md", ("follow-ups", "contacts", "organizations"))
    ]
    home = example_copy / "Home.md"
    theirs = home.read_bytes() + b"\nTyped while vault-tools was planning.\n"
    home.write_bytes(theirs)
    result = write_plan(plan)
    assert result.written == []
    assert result.skipped == [("Home.md", "it changed while being indexed; run again")]
    assert home.read_bytes() == theirs
    assert [name for name in os.listdir(example_copy) if name.endswith(".vtmp")] == []
    assert write_plan(plan_index(Vault.load(example_copy), today=TODAY)).written


def test_crlf_and_bom_note_keeps_them(example_copy: Path) -> None:
    home = example_copy / "Home.md"
    home.write_bytes(BOM + home.read_bytes().replace(b"\n", b"\r\n"))
    change_marcus(example_copy)
    code, _, err = index(example_copy)
    assert code == 0, err
    data = home.read_bytes()
    assert data.startswith(BOM + b"# Welcome")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert b"| scheduled |" in data
    assert index(example_copy, "--check")[0] == 0


# -- `vault-tools index` on small vaults --------------------------------------------------


def test_vault_without_blocks_prints_how_to(make_vault: MakeVault) -> None:
    root = make_vault({"contacts/Ann Lee.md": contact(), "Home.md": "# Home\n"})
    before = tree(root)
    code, out, err = index(root)
    assert (code, out) == (0, "")
    assert f"No generated blocks in {root}." in err
    assert "<!-- vault-tools:begin contacts -->" in err
    assert "<!-- vault-tools:end contacts -->" in err
    assert tree(root) == before


@pytest.mark.parametrize(
    ("broken", "line"),
    [
        ("<!-- vault-tools:begin fields -->\n| stale |\n", 9),
        ("<!-- vault-tools:begin fields -->\n<!-- vault-tools:end contacts -->\n", 10),
        ('<!-- vault-tools:begin fields field="UX -->\n<!-- vault-tools:end fields -->\n', 9),
    ],
    ids=["no-end", "wrong-end", "unbalanced-quote"],
)
def test_malformed_block_leaves_the_whole_note_untouched(
    make_vault: MakeVault, broken: str, line: int
) -> None:
    text = (
        "---\ntags: [home]\n---\n# Home\n\n"
        "<!-- vault-tools:begin contacts -->\n| stale |\n<!-- vault-tools:end contacts -->\n"
        + broken
    )
    root = make_vault({"Home.md": text, "contacts/Ann Lee.md": contact()})
    before = tree(root)
    code, out, err = index(root)
    assert (code, out) == (1, "")
    assert f"Home.md:{line}:1: error VT701 [invalid-block]" in err
    assert tree(root) == before


@pytest.mark.parametrize(
    ("home", "line"),
    [
        (
            "# Home\rintro\r<!-- vault-tools:begin contacts -->\n| stale |\n"
            "<!-- vault-tools:end contacts -->\n",
            3,
        ),
        (
            "# Home\n\nintro\n<!-- vault-tools:begin contacts -->\rtext\n| stale |\n"
            "<!-- vault-tools:end contacts -->\n",
            4,
        ),
        (
            "---\nx: 1\r# c\n---\nintro\r<!-- vault-tools:begin contacts -->\n"
            "<!-- vault-tools:end contacts -->\n",
            6,
        ),
        (
            "# Home\n<!-- vault-tools:begin contacts\rsort=name -->\n| stale |\n"
            "<!-- vault-tools:end contacts -->\n",
            2,  # where the begin marker starts: index reads it as one (a marker by one reading)
        ),
        (
            "# Home\nintro\r```\n<!-- vault-tools:begin contacts -->\n| stale |\n"
            "<!-- vault-tools:end contacts -->\n```\n",
            4,
        ),
    ],
    ids=[
        "before-the-marker",
        "after-the-marker",
        "and-in-the-frontmatter",
        "inside-the-marker",
        "before-a-fence",
    ],
)
def test_lint_and_index_agree_on_a_marker_a_lone_cr_separates(
    make_vault: MakeVault, home: str, line: int
) -> None:
    """An editor (and lint) breaks lines at a lone CR; index reads markers on LF lines.
    Both report the block as one index cannot rewrite, on the line an editor shows."""
    root = make_vault({"Home.md": home, "contacts/Ann Lee.md": contact()})
    before = tree(root)
    code, out, err = index(root, "--check")
    assert (code, out) == (1, "")
    problem = f"Home.md:{line}:1: error VT701 [invalid-block] the note breaks a line with a lone"
    assert problem in err
    code, _, err = index(root)
    assert code == 1
    assert tree(root) == before
    code, out, _ = run("lint", str(root), "--today", "2026-12-01", "--select", "invalid-block")
    assert code == 1
    assert problem in out


@pytest.mark.parametrize(
    "home",
    [
        "---\nnote: |\n  x\r<!-- vault-tools:begin contacts -->\n---\n# Home\n",
        "# Home\r\r\n<!-- vault-tools:begin contacts -->\r\r\n| stale |\r\r\n"
        "<!-- vault-tools:end contacts -->\r\r\n",
        "# Home\rintro\n",
    ],
    ids=["in-the-frontmatter", "cr-cr-lf", "no-marker"],
)
def test_a_lone_cr_with_no_marker_in_the_body_is_no_problem(
    make_vault: MakeVault, home: str
) -> None:
    root = make_vault({"Home.md": home, "contacts/Ann Lee.md": contact()})
    code, _, err = index(root, "--check")
    assert "invalid-block" not in err
    code, out, _ = run("lint", str(root), "--today", "2026-12-01", "--select", "invalid-block")
    assert (code, out) == (0, "")


def test_pipe_in_a_table_cell_is_escaped(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "Home.md": home_with("contacts", "interviews"),
            "contacts/Ann Lee.md": contact(role='"Design | Research"', organization="A|B"),
            "interviews/2026-10-01 Ann Lee.md": interview("Ann Lee", format="video"),
        }
    )
    code, _, err = index(root)
    assert code == 0, err
    contents = block_contents(root / "Home.md")
    [row] = [line for line in contents["contacts"].splitlines() if "Ann Lee" in line]
    assert "Design \\| Research" in row
    assert cells(row) == [
        "[[Ann Lee]]",
        "A\\|B",
        "Design \\| Research",
        "",
        "identified",
        "",
        "2026-10-01",
    ]
    [row] = [line for line in contents["interviews"].splitlines() if "Ann Lee" in line]
    assert cells(row)[:2] == ["[[2026-10-01 Ann Lee\\|2026-10-01]]", "[[Ann Lee]]"]


def test_titles_shared_by_two_notes_link_by_path(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "Home.md": home_with("contacts"),
            "contacts/Ann Lee.md": contact(),
            "archive/Ann Lee.md": "An old page about someone else.\n",
        }
    )
    index(root)
    assert "| [[contacts/Ann Lee\\|Ann Lee]] |" in block_contents(root / "Home.md")["contacts"]
    lint_code, out, _ = run("lint", str(root), "--select", "broken-link,ambiguous-link")
    assert (lint_code, out) == (0, "")


# -- `vault-tools lint` and the block rules ------------------------------------------------


def test_lint_reports_the_block_rules_on_file_lines(make_vault: MakeVault) -> None:
    frontmatter = "---\ntags: [dashboard]\n---\n"
    root = make_vault(
        {
            "Open.md": frontmatter + "# Open\n\n<!-- vault-tools:begin contacts -->\nrow\n",
            "Nested.md": frontmatter + "<!-- vault-tools:begin contacts -->\n"
            "<!-- vault-tools:begin fields -->\n<!-- vault-tools:end fields -->\n",
            "Stray.md": "# Stray\n\n<!-- vault-tools:end contacts -->\n",
            "Unknown.md": frontmatter
            + "<!-- vault-tools:begin contact -->\n<!-- vault-tools:end contact -->\n",
            "Argument.md": "<!-- vault-tools:begin contacts colour=red -->\n"
            "<!-- vault-tools:end contacts -->\n",
            "Edited.md": frontmatter + "\n<!-- vault-tools:begin contacts hash=00000000 -->\n"
            "| my own table |\n<!-- vault-tools:end contacts -->\n",
            "Fine.md": "<!-- vault-tools:begin contacts -->\n<!-- vault-tools:end contacts -->\n",
            "Example.md": "```\n<!-- vault-tools:begin nothing -->\n```\n",
            "contacts/Ann Lee.md": contact(),
        }
    )
    code, out, err = run("lint", str(root), "--select", "invalid-block,unknown-view,edited-block")
    assert code == 1
    lines = [line for line in out.splitlines() if not line.startswith("    fix: ")]
    expected = [
        "Argument.md:1:1: error VT702 [unknown-view] view 'contacts' has no argument 'colour' (",
        "Edited.md:5:1: warning VT703 [edited-block] the 'contacts' block was edited by hand",
        "Nested.md:5:1: error VT701 [invalid-block] a block begins inside the 'contacts' block "
        "opened on line 4; blocks cannot nest",
        "Open.md:6:1: error VT701 [invalid-block] the 'contacts' block is never closed",
        "Stray.md:3:1: error VT701 [invalid-block] end marker of 'contacts' without a begin",
        "Unknown.md:4:1: error VT702 [unknown-view] unknown view 'contact' (views: ",
    ]
    assert len(lines) == len(expected), out
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), (line, start)
    assert "Found 5 errors, 1 warning in 9 notes." in err


def test_index_reports_the_same_lines_as_lint(make_vault: MakeVault) -> None:
    root = make_vault(
        {
            "Nested.md": "---\ntags: [a]\n---\n<!-- vault-tools:begin contacts -->\n"
            "<!-- vault-tools:begin fields -->\n<!-- vault-tools:end fields -->\n",
            "Stray.md": "text\n<!-- vault-tools:end contacts -->\n",
        }
    )
    _, linted, _ = run("lint", str(root), "--select", "invalid-block")
    code, _, err = index(root)
    assert code == 1
    assert [line for line in err.splitlines() if "[invalid-block]" in line] == [
        line for line in linted.splitlines() if "[invalid-block]" in line
    ]
    assert "Nested.md:5:1: error VT701 [invalid-block] " in err
    assert "opened on line 4" in err
    assert "Stray.md:2:1: error VT701 [invalid-block] " in err


# -- regressions -----------------------------------------------------------------------------


def test_organizations_view_keeps_each_person_on_one_line(make_vault: MakeVault) -> None:
    """A YAML folded scalar followed by another key ends with a newline, which used to
    break the list item across lines."""
    root = make_vault(
        {
            "contacts/Ann Lee.md": "---\ntype: contact\nstatus: thanked\nsource: friend\n"
            "role: >\n  Senior\n  Analyst\norganization: Acme\n---\n",
        }
    )
    vault = Vault.load(root)
    assert vault.notes["contacts/Ann Lee"].frontmatter["role"] == "Senior Analyst\n"
    assert render(vault, "organizations") == "**Acme**\n\n- [[Ann Lee]] (Senior Analyst, thanked)"


def test_referrals_view_applies_every_filter_it_accepts(example: Vault) -> None:
    """`referrals source=friend` used to draw the whole graph: only organization, field and
    status were applied, though every contact field is accepted."""
    rendered = render(example, "referrals", source="friend")
    assert '"Chris Doyle"' in rendered  # the only contact found through a friend
    assert '"Maya Chen"' not in rendered
    assert rendered.endswith("**Top referrers**\n\n- No referrals yet.")
    by_location = render(example, "referrals", location="portland, or")
    assert '"Nadia Petrova"' not in by_location  # Boise, ID
    assert '"Maya Chen"' in by_location and '"Jordan Alvarez"' in by_location
    assert "- [[Maya Chen]]: introduced 1, reach 1" in by_location


def test_index_summary_does_not_count_refused_blocks_as_up_to_date(
    make_vault: MakeVault,
) -> None:
    """Blocks left alone (edited by hand, unknown view) used to count as up to date."""
    root = make_vault(
        {
            "Home.md": "<!-- vault-tools:begin contacts hash=00000000 -->\n| hand-made |\n"
            "<!-- vault-tools:end contacts -->\n"
            "<!-- vault-tools:begin contact -->\n<!-- vault-tools:end contact -->\n",
            "contacts/Ann Lee.md": contact(),
        }
    )
    before = tree(root)
    code, _, err = index(root)
    assert code == 1
    assert "[edited-block]" in err and "[unknown-view]" in err
    assert "0 notes updated; 0 of 2 blocks already up to date; 2 left as they are" in err
    assert tree(root) == before


# -- known bugs ----------------------------------------------------------------------------

EDITED_HOME = (
    "<!-- vault-tools:begin contacts hash=00000000 -->\n| hand-made |\n"
    "<!-- vault-tools:end contacts -->\n"
)


def test_check_does_not_call_a_refused_block_up_to_date(make_vault: MakeVault) -> None:
    root = make_vault({"Home.md": EDITED_HOME, "contacts/Ann Lee.md": contact()})
    code, _, err = index(root, "--check")
    assert "[edited-block]" in err
    assert "up to date" not in err.replace("already up to date", "")
    assert code == 0  # a warning: --check still passes


def test_force_does_not_say_it_will_not_overwrite(make_vault: MakeVault) -> None:
    root = make_vault({"Home.md": EDITED_HOME, "contacts/Ann Lee.md": contact()})
    code, _, err = index(root, "--force")
    assert code == 0
    assert "| hand-made |" not in (root / "Home.md").read_text("utf-8")  # it was overwritten
    assert "will not overwrite" not in err


def test_index_view_option_regenerates_only_those_views(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, vault)
    home = vault / "Home.md"
    text = home.read_text("utf-8")
    stale = text.replace("| [[Aisha Bello]] |", "| [[Aisha Bellow]] |")
    home.write_text(stale, "utf-8")
    code, _, _ = index(vault, "--view", "fields")
    assert code == 0 and home.read_text("utf-8") == stale  # contacts block untouched
    assert index(vault, "--view", "nope")[0] == 2


def test_index_view_option_counts_the_blocks_of_those_views(tmp_path: Path) -> None:
    """With --view, the summary speaks of the blocks of those views, not of every block
    (a stale block of another view is not said to be up to date)."""
    vault = tmp_path / "v"
    shutil.copytree(EXAMPLE_VAULT, vault)
    assert index(vault, "--today", "2026-12-01")[0] == 0
    aisha = vault / "contacts" / "Aisha Bello.md"
    aisha.write_text(re.sub(r"(?m)^status: .*$", "status: contacted", aisha.read_text("utf-8")))
    code, _, err = index(vault, "--check", "--view", "fields")
    assert (code, err) == (0, "The 1 block of the view fields is up to date.\n")
    code, _, err = index(vault, "--check", "--view", "fields", "--view", "interviews")
    assert (code, err) == (0, "All 2 blocks of the views fields, interviews are up to date.\n")
    code, _, err = index(vault, "--check")
    assert code == 1 and "Out of date: Home.md (follow-ups, contacts, organizations)" in err
    code, _, err = index(vault, "--view", "contacts")
    assert err == (
        "Updated Home.md (contacts)\n"
        "1 note updated; 0 of 1 block of the view contacts already up to date.\n"
    )
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "Home.md").write_text(f"{_BEGIN}\n{_END}\n")
    code, _, err = index(lone, "--view", "fields")
    assert code == 0
    assert err.startswith("No generated blocks of the view fields in ")
    assert "<!-- vault-tools:begin fields -->" in err


def test_index_view_option_leaves_the_other_views_blocks_out(tmp_path: Path) -> None:
    """What is wrong with a block of another view is not reported under --view, and a view
    with no block says so, whatever the other blocks are like."""
    vault = tmp_path / "v"
    vault.mkdir()
    home = vault / "Home.md"
    home.write_text(
        "# Home\n\n<!-- vault-tools:begin fields -->\n<!-- vault-tools:end fields -->\n"
    )
    assert index(vault)[0] == 0
    home.write_text(home.read_text().replace("-->\n", "-->\nby hand\n", 1))
    assert "[edited-block]" in index(vault, "--check")[2]
    code, _, err = index(vault, "--check", "--view", "contacts")
    assert code == 0
    assert err.startswith("No generated blocks of the view contacts in ")
    (vault / "Other.md").write_text(
        "<!-- vault-tools:begin nope -->\n<!-- vault-tools:end nope -->\n"
    )
    code, _, err = index(vault, "--view", "fields", "--check")
    assert "[unknown-view]" not in err and "[edited-block]" in err
    assert code == 0 and "Nothing to regenerate in 0 of 1 block of the view fields" in err


def test_the_blocks_of_a_malformed_note_are_left_as_they_are(tmp_path: Path) -> None:
    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "Home.md").write_text(f"{_BEGIN}\n{_END}\n<!-- vault-tools:begin fields -->\n")
    code, _, err = index(vault, "--check")
    assert code == 1 and "[invalid-block]" in err
    assert "Nothing to regenerate in 0 of 1 block; 1 left as they are (see above)." in err
    (vault / "Home.md").write_text("<!-- vault-tools:begin fields -->\n")
    code, _, err = index(vault, "--check")
    assert code == 1
    assert err.endswith(f"No generated block can be regenerated in {vault} (see above).\n")


_BEGIN = "<!-- vault-tools:begin contacts -->"
_END = "<!-- vault-tools:end contacts -->"
_FRAGMENTS = [
    *("\r", "\n", "\r\n", "\r\r\n", "---", "...", "```", "~~~", "> ", " ", "\t", "word"),
    *("x: 1", "key: |", "# H", "| stale |"),
    "<!-- vault-tools:begin contacts -->",
    "<!-- vault-tools:end contacts -->",
    "<!-- vault-tools:begin contacts hash=00000000 -->",
    "<!-- vault-tools:end other -->",
    "<!-- vault-tools:begin nope -->",
]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.booleans(), st.lists(st.sampled_from(_FRAGMENTS), max_size=16))
# What a reviewer's run of it found in earlier code:
@hypothesis.example(
    False, ["# H\n", "<!-- vault-tools:begin contacts", "\r", "x -->\n| stale |\n", _END]
)
@hypothesis.example(False, ["word", "\r", "```", "\n", _BEGIN, "\n| stale |\n", _END, "\n```\n"])
@hypothesis.example(False, ["---", "\n", "x: 1", "\r", "---", "\r", _BEGIN, "\n| stale |\n"])
@hypothesis.example(False, [_BEGIN, "---", "\r", "---", _BEGIN])
def test_lint_and_index_agree_on_blocks_whatever_the_line_endings(
    tmp_path_factory: pytest.TempPathFactory, bom: bool, parts: list[str]
) -> None:
    """The block problems index reports, lint reports too, on the same lines; and index
    writes no note lint finds a block problem in (the shape of this test is a reviewer's)."""
    from vault_tools.lint import lint

    root = tmp_path_factory.mktemp("vault")
    (root / "Home.md").write_bytes((BOM if bom else b"") + "".join(parts).encode("utf-8"))
    (root / "contacts").mkdir()
    (root / "contacts" / "Ann Lee.md").write_text(contact(), encoding="utf-8")
    today = dt.date(2026, 12, 1)
    linted = {
        (item.line, item.message)
        for item in lint(Vault.load(root), select_rules=["invalid-block"], today=today)
        if item.path == "Home.md"
    }
    plan = plan_index(Vault.load(root), today=today)
    indexed = {
        (item.line, item.message)
        for item in plan.diagnostics
        if item.rule == "invalid-block" and item.path == "Home.md"
    }
    assert bool(linted) == bool(indexed)
    assert indexed <= linted
    assert not (linted and plan.updates)
    if any("lone carriage return" in message for _, message in indexed):
        assert linted == indexed  # the one problem of the note, and no other
