"""parse_note: bytes in, a Note and positioned diagnostics out, never an exception."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_tools import parse as parse_module
from vault_tools.model import Link
from vault_tools.parse import ParseResult, parse_note
from vault_tools.rules.registry import BY_NAME

PATH = "contacts/Jane Doe.md"


def parse(content: str | bytes, *, template: bool = False) -> ParseResult:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return parse_note(PATH, data, template=template)


def found(result: ParseResult) -> list[tuple[str, int, int]]:
    """The diagnostics as (rule, line, column), in the order they were found."""
    return [(d.rule, d.line, d.column) for d in result.diagnostics]


def spots(result: ParseResult) -> list[tuple[str, int, int]]:
    """The links as (target, line, column)."""
    return [(link.target, link.line, link.column) for link in result.note.links]


def only_link(result: ParseResult) -> Link:
    assert len(result.note.links) == 1, result.note.links
    return result.note.links[0]


# -- the note's identity ----------------------------------------------------------------------


def test_note_id_is_the_path_without_md_and_a_plain_note_has_no_diagnostics():
    result = parse("Just text.\n")
    assert found(result) == []
    assert result.note.id == "contacts/Jane Doe"
    assert result.note.path == PATH
    assert result.note.body == "Just text.\n"
    assert result.note.has_frontmatter is False
    assert result.note.body_line == 1


def test_empty_file_is_an_empty_note():
    result = parse(b"")
    assert found(result) == []
    assert result.note.frontmatter == {}
    assert result.note.links == ()


# -- bytes and line endings -------------------------------------------------------------------


def test_utf8_bom_is_dropped_and_frontmatter_still_recognised():
    result = parse(b"\xef\xbb\xbf---\ntitle: x\n---\nSee [[A]]\n")
    assert found(result) == []
    assert result.note.has_frontmatter is True
    assert result.note.frontmatter == {"title": "x"}
    assert spots(result) == [("A", 4, 5)]
    assert "\ufeff" not in result.note.body


def test_crlf_line_endings_keep_line_numbers_right():
    result = parse("---\r\ntitle: x\r\n---\r\n# Head\r\nText\r\n[[A]] and [[B]]\r\n")
    assert found(result) == []
    assert result.note.frontmatter == {"title": "x"}
    assert result.note.body_line == 4
    assert result.note.headings == ("Head",)
    assert spots(result) == [("A", 6, 1), ("B", 6, 11)]
    assert "\r" not in result.note.body


def test_crlf_yaml_error_is_reported_on_the_right_line():
    result = parse("---\r\na: 1\r\nb: c: d\r\n---\r\n")
    assert found(result) == [("invalid-yaml", 3, 5)]


def test_a_note_with_a_lone_cr_and_blocks_is_reported_at_its_first_marker():
    """Index rewrites no block of such a note (blocks.lone_cr_marker_line): lint says so."""
    text = (
        "a\rb\nintro\n<!-- vault-tools:begin contacts -->\nrow\n<!-- vault-tools:end contacts -->"
    )
    assert found(parse(text)) == [("invalid-block", 4, 1)]
    # CRLF, or CRs only at the ends of lines (CR CR LF), break no line in two.
    assert found(parse(text.replace("a\rb", "a\r\nb"))) == []
    assert found(parse(text.replace("\n", "\r\r\n").replace("a\rb", "a\r\r\nb"))) == []
    assert found(parse(text.replace("<!--", "x <!--"))) == []  # no marker: nothing to rewrite


def test_cr_only_line_endings_keep_line_numbers_right():
    result = parse("---\rtitle: x\r---\rhello\r[[A]] [[B]]\r")
    assert found(result) == []
    assert result.note.frontmatter == {"title": "x"}
    assert result.note.body_line == 4
    assert spots(result) == [("A", 5, 1), ("B", 5, 7)]


def test_invalid_utf8_is_reported_at_the_bad_byte_and_the_rest_is_still_read():
    data = b"---\ntitle: x\n---\nabc caf\xe9 [[A]]\nline [[B]]\n"
    result = parse(data)
    assert found(result) == [("invalid-encoding", 4, 8)]
    assert "0xe9" in result.diagnostics[0].message
    assert result.note.frontmatter == {"title": "x"}
    # the bad byte reads as one replacement character, so later columns stay right
    assert spots(result) == [("A", 4, 10), ("B", 5, 6)]


def test_invalid_utf8_in_crlf_note_is_reported_at_the_right_line_and_column():
    result = parse(b"---\r\ntitle: x\r\n---\r\nline4\r\ncaf\xe9\r\n")
    assert found(result) == [("invalid-encoding", 5, 4)]


def test_invalid_utf8_in_cr_only_note_is_reported_at_the_right_line_and_column():
    result = parse(b"---\rtitle: x\r---\rline4\rcaf\xe9\r")
    assert found(result) == [("invalid-encoding", 5, 4)]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_reported_and_still_read(encoding):
    result = parse("\ufeff---\ntitle: x\n---\n[[A]]\n".encode(encoding))
    assert found(result) == [("invalid-encoding", 1, 1)]
    assert "UTF-16" in result.diagnostics[0].message
    assert result.note.frontmatter == {"title": "x"}
    assert spots(result) == [("A", 4, 1)]


def test_nul_bytes_are_reported_on_their_line_and_nothing_is_read():
    result = parse(b"---\ntitle: x\n---\nabc\x00def [[A]]\n")
    assert found(result) == [("invalid-encoding", 4, 1)]
    assert "NUL" in result.diagnostics[0].message
    assert result.note.frontmatter == {}
    assert result.note.links == ()


# -- where frontmatter is ---------------------------------------------------------------------


@pytest.mark.parametrize("closer", ["---", "...", "---  ", "...\t"])
def test_frontmatter_is_closed_by_dashes_or_dots(closer):
    result = parse(f"---\ntitle: x\n{closer}\nbody [[A]]\n")
    assert found(result) == []
    assert result.note.has_frontmatter is True
    assert result.note.frontmatter == {"title": "x"}
    assert result.note.body == "body [[A]]\n"
    assert result.note.body_line == 4
    assert spots(result) == [("A", 4, 6)]


def test_note_that_is_only_frontmatter():
    result = parse("---\ntitle: x\nstatus: new\n---")
    assert found(result) == []
    assert result.note.frontmatter == {"title": "x", "status": "new"}
    assert result.note.body == ""
    assert result.note.links == ()


def test_empty_frontmatter_is_an_empty_mapping():
    result = parse("---\n---\nbody [[A]]\n")
    assert found(result) == []
    assert result.note.has_frontmatter is True
    assert result.note.frontmatter == {}
    assert spots(result) == [("A", 3, 6)]


@pytest.mark.parametrize(
    "text",
    [
        "hello\n---\ntitle: x\n---\n",
        "\n---\ntitle: x\n---\n",
        " ---\ntitle: x\n---\n",
    ],
)
def test_dashes_not_on_the_first_line_do_not_open_frontmatter(text):
    result = parse(text)
    assert found(result) == []
    assert result.note.has_frontmatter is False
    assert result.note.frontmatter == {}
    assert result.note.body == text


def test_stray_dashes_later_in_the_body_are_not_frontmatter():
    result = parse("---\na: 1\n---\ntext\n---\nb: 2\n---\n[[A]]\n")
    assert found(result) == []
    assert result.note.frontmatter == {"a": 1}
    assert result.note.body == "text\n---\nb: 2\n---\n[[A]]\n"
    assert spots(result) == [("A", 8, 1)]


def test_unclosed_frontmatter_with_a_key_is_invalid_yaml_at_line_1():
    result = parse("---\ntitle: x\nbody [[A]]\n")
    assert found(result) == [("invalid-yaml", 1, 1)]
    assert "never closed" in result.diagnostics[0].message
    assert result.note.has_frontmatter is False
    assert result.note.frontmatter == {}
    # the whole file is read as body, links included
    assert spots(result) == [("A", 3, 6)]


def test_leading_horizontal_rule_without_closer_is_not_reported():
    result = parse("---\nJust a thought, no key here\n")
    assert found(result) == []
    assert result.note.has_frontmatter is False


# -- YAML problems ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "line", "column"),
    [
        ("a: 1\nb: c: d", 3, 5),
        ("a: 1\nb: 2\n  c: 3", 4, 4),
        ("a: 1\n\tb: 2", 3, 1),
    ],
)
def test_yaml_syntax_error_is_one_invalid_yaml_at_the_file_line(yaml_text, line, column):
    result = parse(f"---\n{yaml_text}\n---\nStill [[Read]]\n")
    assert found(result) == [("invalid-yaml", line, column)]
    assert result.note.frontmatter_valid is False
    assert result.note.frontmatter == {}
    assert result.note.has_frontmatter is True
    assert [link.target for link in result.note.links] == ["Read"]


@pytest.mark.parametrize(
    ("yaml_text", "kind"),
    [
        ("- contact\n- interviewed", "a list"),
        ("just text", "a single value"),
    ],
)
def test_frontmatter_that_is_not_a_mapping(yaml_text, kind):
    result = parse(f"---\n{yaml_text}\n---\n")
    assert found(result) == [("frontmatter-not-mapping", 2, 1)]
    assert kind in result.diagnostics[0].message
    assert result.note.frontmatter == {}
    assert result.note.frontmatter_valid is False


def test_comment_only_frontmatter_is_an_empty_mapping():
    result = parse("---\n# nothing yet\n---\n")
    assert found(result) == []
    assert result.note.frontmatter == {}
    assert result.note.frontmatter_valid is True


def test_unquoted_wikilink_as_a_scalar_value():
    result = parse("---\nreferred_by: [[Jane Doe]]\n---\n")
    assert found(result) == [("unquoted-wikilink-in-yaml", 2, 14)]
    assert result.diagnostics[0].fix == 'quote it: "[[Jane Doe]]"'
    assert result.note.frontmatter == {"referred_by": "[[Jane Doe]]"}
    link = only_link(result)
    assert (link.target, link.line, link.column) == ("Jane Doe", 2, 14)
    assert link.in_frontmatter is True
    assert link.key == "referred_by"


def test_unquoted_wikilink_as_a_block_list_item():
    result = parse('---\nreferrals:\n  - [[Jane Doe]]\n  - "[[Bob]]"\n---\n')
    assert found(result) == [("unquoted-wikilink-in-yaml", 3, 5)]
    assert result.note.frontmatter == {"referrals": ["[[Jane Doe]]", "[[Bob]]"]}
    assert spots(result) == [("Jane Doe", 3, 5), ("Bob", 4, 6)]
    assert all(link.in_frontmatter and link.key == "referrals" for link in result.note.links)


def test_unquoted_wikilink_keeps_its_alias_and_heading():
    result = parse("---\nx: [[A#H|Al]]\n---\n")
    assert found(result) == [("unquoted-wikilink-in-yaml", 2, 4)]
    link = only_link(result)
    assert (link.target, link.heading, link.alias) == ("A", "H", "Al")


def test_nested_lists_that_are_not_wikilinks_stay_lists():
    result = parse("---\nlist: [[A], [B]]\n---\n")
    assert found(result) == []
    assert result.note.frontmatter == {"list": [["A"], ["B"]]}
    assert result.note.links == ()


def test_unsafe_python_tag_is_reported_and_nothing_runs(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command) or 0)
    marker = tmp_path / "pwned"
    text = f"---\nstatus: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    result = parse(text)
    assert found(result) == [("unsafe-yaml-tag", 2, 9)]
    assert result.note.frontmatter == {"status": [f"touch {marker}"]}
    assert calls == []
    assert not marker.exists()


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("!!python/name:os.system", ""),
        ("!custom x", "x"),
        ("!!python/object:builtins.dict {a: 1}", {"a": 1}),
    ],
)
def test_unknown_tags_are_read_as_plain_data(value, plain):
    result = parse(f"---\nk: {value}\n---\n")
    assert found(result) == [("unsafe-yaml-tag", 2, 4)]
    assert result.note.frontmatter == {"k": plain}


def test_duplicate_key_is_reported_at_the_second_and_the_last_value_is_kept():
    result = parse("---\nstatus: contacted\ntype: contact\nstatus: scheduled\n---\n")
    assert found(result) == [("duplicate-key", 4, 1)]
    assert "line 2" in result.diagnostics[0].message
    assert result.note.frontmatter == {"status": "scheduled", "type": "contact"}


def test_duplicate_key_in_a_nested_mapping():
    result = parse("---\nouter:\n  a: 1\n  a: 2\n---\n")
    assert found(result) == [("duplicate-key", 4, 3)]
    assert result.note.frontmatter == {"outer": {"a": 2}}


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "---\n" + "\n".join(lines) + "\n---\nbody [[A]]\n"


def test_billion_laughs_is_refused_quickly():
    start = time.perf_counter()
    result = parse(billion_laughs())
    elapsed = time.perf_counter() - start
    assert [d.rule for d in result.diagnostics] == ["invalid-yaml"]
    assert result.note.frontmatter == {}
    assert result.note.frontmatter_valid is False
    assert [link.target for link in result.note.links] == ["A"]
    assert elapsed < 5


@pytest.mark.parametrize(
    "yaml_text",
    [
        "a: " + "[" * 10_000 + "]" * 10_000,
        "a: " + "{b: " * 10_000 + "1" + "}" * 10_000,
        "a:\n  " + "- " * 10_000 + "x",
        "[" * 10_000,
    ],
    ids=["flow-lists", "flow-maps", "block-lists", "unclosed"],
)
def test_ten_thousand_levels_of_nesting_is_a_diagnostic(yaml_text):
    result = parse(f"---\n{yaml_text}\n---\n")
    assert [d.rule for d in result.diagnostics] == ["invalid-yaml"]
    assert result.note.frontmatter == {}
    assert result.note.frontmatter_valid is False


def test_nesting_just_over_the_limit_by_indentation_is_a_diagnostic():
    deep = "".join("  " * level + f"k{level}:\n" for level in range(200))
    result = parse(f"---\n{deep}---\n")
    assert [d.rule for d in result.diagnostics] == ["invalid-yaml"]
    assert "levels deep" in result.diagnostics[0].message


@pytest.mark.parametrize("yaml_text", ["a: &x [*x]", "a: &x\n  b: *x"])
def test_recursive_alias_is_a_diagnostic(yaml_text):
    result = parse(f"---\n{yaml_text}\n---\n")
    assert found(result) == [("invalid-yaml", 2, 4)]
    assert result.note.frontmatter == {}


def test_harmless_aliases_are_expanded():
    result = parse("---\nfirst: &n Jane\nsecond: *n\n---\n")
    assert found(result) == []
    assert result.note.frontmatter == {"first": "Jane", "second": "Jane"}


@pytest.mark.parametrize("value", ["!!timestamp abc", "!!bool maybe"])
def test_safe_tag_with_unreadable_value_is_invalid_yaml_not_an_exception(value):
    result = parse(f"---\nk: {value}\n---\n")
    assert [d.rule for d in result.diagnostics] == ["invalid-yaml"]


def test_yaml_merge_key_is_merged_without_a_diagnostic():
    result = parse("---\nbase: &b\n  x: 1\nother:\n  <<: *b\n  y: 2\n---\n")
    assert found(result) == []
    assert result.note.frontmatter["other"] == {"x": 1, "y": 2}


# -- YAML values ------------------------------------------------------------------------------


def test_dates_stay_dates_and_datetimes_stay_datetimes():
    result = parse("---\ndate: 2026-10-01\nwhen: 2026-10-01 10:30:00\n---\n")
    assert found(result) == []
    date, when = result.note.frontmatter["date"], result.note.frontmatter["when"]
    assert type(date) is dt.date
    assert date == dt.date(2026, 10, 1)
    assert type(when) is dt.datetime
    assert when == dt.datetime(2026, 10, 1, 10, 30)


_SCALAR_TEXTS = st.one_of(
    st.sampled_from(
        ["yes", "No", "on", "~", "null", "", "0x1F", "0o17", "1_000", "+.inf", ".NaN", "1e3"]
        + ["2026-10-01", "2026-10-01 10:30:00", "2026-10-01T10:30:00+02:00", "2026-13-45"]
        + ["2026-1-1", "12:30", "-", "'quoted'", '"yes"', "Acme, Inc.", "a # comment"]
    ),
    st.text(st.sampled_from("0123456789-:.+eTZ ayn"), max_size=12),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_SCALAR_TEXTS, min_size=1, max_size=6))
def test_plain_scalars_read_as_pyyaml_reads_them_each_time(texts):
    """The loader remembers what a scalar's text resolved to and each date it read: the
    same text must read the same in any note, first time or not."""
    yaml_text = "".join(f"k{index}: {text}\n" for index, text in enumerate(texts))
    try:
        expected = yaml.load(yaml_text, Loader=yaml.SafeLoader)  # the pure-Python reader
    except (yaml.YAMLError, ValueError):
        return  # (an impossible date: covered above; it stays text here)
    for _ in range(2):
        result = parse(f"---\n{yaml_text}---\n")
        assert found(result) == []
        assert result.note.frontmatter == (expected or {})
        assert [type(value) for value in result.note.frontmatter.values()] == [
            type(value) for value in (expected or {}).values()
        ]


def test_impossible_date_stays_text():
    result = parse("---\ndate: 2026-13-45\n---\n")
    assert found(result) == []
    assert result.note.frontmatter == {"date": "2026-13-45"}


def test_positions_point_at_keys_and_list_items():
    result = parse("---\ntype: contact\nreferrals:\n  - a\n  - b\n---\n")
    note = result.note
    assert (note.position("type").line, note.position("type").column) == (2, 1)
    assert (note.position("referrals", 1).line, note.position("referrals", 1).column) == (5, 5)
    assert (note.position("missing").line, note.position("missing").column) == (1, 1)


PLAIN_FRONTMATTER = [
    "---\ntype: contact\nreferrals:\n  - a\n  - b\n---\n",
    '---\nwho: "[[Ann]] and ![[pic.png]]"\nrefs:\n  - "[[B#Notes|b]]"\n  - "[t](C.md)"\n---\n',
    "---\nnested:\n  deeper:\n    - {a: 1, b: [x, '[[D]]']}\n  when: 2026-10-01\n---\n",
    "---\né漢: 'it''s 🙂 [[E]]'\ntab:\t\"\\t[[F]]\"\nnum: 1.5\non: yes\nnull: ~\n---\n",
    '---\nbreaks: "a\u2028b [[G]]"\nafter: "\u2029[[H]]"\n---\n',  # YAML-only line breaks
    "---\nfolded: >\n  one [[I]]\n  two [[J]]\nbad: !!bool maybe\n---\n",
]


@pytest.mark.parametrize("content", PLAIN_FRONTMATTER)
def test_plain_frontmatter_reads_as_the_full_inspection_reads_it(content, monkeypatch):
    """Frontmatter with nothing to report takes a quicker path: its values, positions and
    links are those the full inspection finds."""
    walk_plain = parse_module._walk_plain
    walked = []

    def spy(root, place):
        walked.append(walk_plain(root, place))
        return walked[-1]

    monkeypatch.setattr(parse_module, "_walk_plain", spy)
    quick = parse(content)
    assert walked and walked[0] is not None, "the quick path was not taken"
    monkeypatch.setattr(parse_module, "_walk_plain", lambda root, place: None)
    full = parse(content)
    assert repr(quick) == repr(full)


# -- links in the body ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("[[Target]]", {"target": "Target"}),
        ("[[Target|Alias]]", {"target": "Target", "alias": "Alias"}),
        ("[[Target#Heading]]", {"target": "Target", "heading": "Heading"}),
        ("[[Target#Heading#Sub]]", {"target": "Target", "heading": "Heading#Sub"}),
        ("[[Target#^block-id]]", {"target": "Target", "block": "block-id"}),
        ("![[Embed.png]]", {"target": "Embed.png", "embed": True}),
        ("[[folder/Target]]", {"target": "folder/Target"}),
        ("[[#Heading]]", {"target": "", "heading": "Heading"}),
        ("[[#^b1]]", {"target": "", "block": "b1"}),
        ("[[ Target | Alias ]]", {"target": "Target", "alias": "Alias"}),
        (
            "[text](folder/Target%20Name.md)",
            {"target": "folder/Target Name.md", "markdown": True, "alias": "text"},
        ),
        (
            "[t](<Note X.md#Sec%20One>)",
            {"target": "Note X.md", "heading": "Sec One", "markdown": True, "alias": "t"},
        ),
        ("![i](img/a.png)", {"target": "img/a.png", "embed": True, "markdown": True, "alias": "i"}),
        ("[t](#Section)", {"target": "", "heading": "Section", "markdown": True, "alias": "t"}),
    ],
)
def test_link_forms(written, expected):
    result = parse(f"See {written} here.\n")
    link = only_link(result)
    defaults = {
        "heading": None,
        "block": None,
        "alias": None,
        "embed": False,
        "markdown": False,
        "in_frontmatter": False,
        "key": None,
    }
    for field, value in {**defaults, **expected}.items():
        assert getattr(link, field) == value, field
    assert (link.line, link.column) == (1, 5)
    assert link.raw == written


def test_escaped_pipe_in_a_table_row():
    result = parse("| who | link |\n| --- | --- |\n| a | [[Target\\|Alias]] |\n")
    link = only_link(result)
    assert (link.target, link.alias) == ("Target", "Alias")
    assert (link.line, link.column) == (3, 7)


@pytest.mark.parametrize(
    "written",
    [
        "[x](https://example.com)",
        "[x](http://example.com/page#frag)",
        "[x](mailto:jane@example.com)",
        "[x](//example.com/a)",
        "[x]()",
        "[[]]",
        "[[|only alias]]",
    ],
)
def test_urls_and_empty_links_are_not_links(written):
    result = parse(f"See {written} here.\n")
    assert result.note.links == ()


@pytest.mark.parametrize(
    "text",
    [
        "```\n[[Hidden]]\n```\n",
        "```markdown\n[[Hidden]]\n```\n",
        "~~~\n[[Hidden]]\n~~~\n",
        "````\n```\n[[Hidden]]\n```\n````\n",
        "> ```\n> [[Hidden]]\n> ```\n",
        "Use `[[Hidden]]` to link.\n",
        "Use ``[[Hidden]] with ` inside`` to link.\n",
        "<!-- [[Hidden]] -->\n",
        "<!--\n[[Hidden]]\n[md](Hidden.md)\n-->\n",
    ],
    ids=[
        "backticks",
        "info-string",
        "tildes",
        "longer-fence",
        "quoted-fence",
        "inline-code",
        "double-backticks",
        "comment",
        "multi-line-comment",
    ],
)
def test_links_in_code_and_comments_are_not_links(text):
    result = parse(text + "After [[Real]]\n")
    link = only_link(result)
    assert link.target == "Real"
    assert link.line == text.count("\n") + 1
    assert link.column == 7


def test_a_lone_backtick_does_not_hide_links():
    result = parse("a ` stray [[A]]\n")
    assert spots(result) == [("A", 1, 11)]


def test_body_link_positions_after_frontmatter():
    text = (
        "---\n"  # 1
        "type: contact\n"  # 2
        "---\n"  # 3
        "# Notes\n"  # 4
        "Met [[Ann]] via [[Bo|Bob]].\n"  # 5
        "\n"  # 6
        "  - ![[pic.png]] and [doc](docs/A%20B.md)\n"  # 7
    )
    result = parse(text)
    assert result.note.body_line == 4
    assert spots(result) == [
        ("Ann", 5, 5),
        ("Bo", 5, 17),
        ("pic.png", 7, 5),
        ("docs/A B.md", 7, 22),
    ]


def test_link_column_counts_characters_not_bytes():
    result = parse("Zoë Müller → [[Zoë]]\n")
    assert spots(result) == [("Zoë", 1, 14)]


# -- links in the frontmatter -----------------------------------------------------------------


def test_frontmatter_link_positions_point_at_the_brackets():
    text = (
        "---\n"
        'contact: "[[Jane Doe]]"\n'
        "other: '[[X]]'\n"
        'friend: "see [[Ann]] and [[Bob]]"\n'
        'list: ["[[A]]", "[[B]]"]\n'
        'doc: "[d](docs/D.md)"\n'
        "---\n"
    )
    result = parse(text)
    assert found(result) == []
    assert spots(result) == [
        ("Jane Doe", 2, 11),
        ("X", 3, 9),
        ("Ann", 4, 14),
        ("Bob", 4, 26),
        ("A", 5, 9),
        ("B", 5, 18),
        ("docs/D.md", 6, 7),
    ]
    keys = [link.key for link in result.note.links]
    assert keys == ["contact", "other", "friend", "friend", "list", "list", "doc"]
    assert all(link.in_frontmatter for link in result.note.links)


def test_frontmatter_links_in_nested_values_keep_the_top_level_key():
    result = parse('---\nmeta:\n  people:\n    - "[[Ann]]"\n---\n')
    link = only_link(result)
    assert (link.key, link.line, link.column) == ("meta", 4, 8)


@pytest.mark.parametrize(
    ("yaml_text", "line", "column"),
    [
        ("notes: |\n  see [[X]]", 3, 7),
        ("notes: >\n  see [[X]]", 3, 7),
        ("notes: see\n  [[X]]", 3, 3),
        ("notes: 'it''s [[X]]'", 2, 15),
        ('notes: "\\u00e9 [[X]]"', 2, 16),
    ],
    ids=[
        "literal-block",
        "folded-block",
        "plain-continuation",
        "single-quote-escape",
        "double-quote-escape",
    ],
)
def test_frontmatter_link_position_in_multiline_or_escaped_values(yaml_text, line, column):
    result = parse(f"---\n{yaml_text}\n---\n")
    assert spots(result) == [("X", line, column)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"[[A]] [[A]]"', [("A", 2, 7), ("A", 2, 13)]),
        ('"[x] then [[A]]"', [("A", 2, 16)]),
        pytest.param('"[[A]] and [d](D.md)"', [("A", 2, 7), ("D.md", 2, 17)]),
        pytest.param('"[x] then [d](D.md)"', [("D.md", 2, 16)]),
        pytest.param('"![[A.png]] [[B]]"', [("A.png", 2, 7), ("B", 2, 18)]),
    ],
    ids=[
        "same-link-twice",
        "bracket-then-wikilink",
        "wikilink-then-markdown",
        "bracket-then-markdown",
        "embed-then-wikilink",
    ],
)
def test_frontmatter_link_positions_with_several_brackets_in_one_value(value, expected):
    result = parse(f"---\ndoc: {value}\n---\n")
    assert found(result) == []
    assert spots(result) == expected


# -- headings, block ids, tags, aliases -------------------------------------------------------


def test_headings():
    text = (
        "# Title\n## Second ##\n###### Six\n####### Seven\n#NoSpace\n   # Indented\n"
        "```\n# In code\n```\n<!-- # In comment -->\n"
    )
    result = parse(text)
    assert result.note.headings == ("Title", "Second", "Six", "Indented")


def test_heading_ending_in_a_hash_keeps_it():
    assert parse("# Learn C#\n## Done ##\n").note.headings == ("Learn C#", "Done")


def test_frontmatter_is_not_a_heading():
    result = parse("---\n# a YAML comment\n---\n# Body\n")
    assert result.note.headings == ("Body",)


def test_block_ids_at_the_end_of_a_line():
    text = (
        "A paragraph. ^key-advice\n- item ^item1  \n^own-line\nnot^glued\n"
        "ends with ^bad_id\n```\ncode ^in-code\n```\n"
    )
    assert parse(text).note.block_ids == frozenset({"key-advice", "item1", "own-line"})


@pytest.mark.parametrize(
    ("frontmatter", "tags"),
    [
        ("tags: [job, People/Mentor]", ("job", "People/Mentor")),
        ("tags:\n  - job\n  - '#met'", ("job", "met")),
        ("tags: job, met", ("job", "met")),
        ("tags: job", ("job",)),
        ('tag: "#solo"', ("solo",)),
        ("tags:", ()),
    ],
)
def test_frontmatter_tags(frontmatter, tags):
    assert parse(f"---\n{frontmatter}\n---\n").note.tags == tags


def test_inline_tags():
    text = (
        "(#first) #start and #job/search, (#paren) #job again\n"
        "not #123 but #2026a; mail a#b; `#code`\n"
        "```\n#fenced\n```\n<!-- #commented -->\n# Heading is not a tag\n"
    )
    assert parse(text).note.tags == ("first", "start", "job/search", "paren", "job", "2026a")


def test_frontmatter_and_inline_tags_are_merged_without_duplicates():
    result = parse("---\ntags: [job]\n---\n#job #new\n")
    assert result.note.tags == ("job", "new")


def test_markdown_heading_link_is_not_a_tag():
    assert parse("See [the section](#Section).\n").note.tags == ()


@pytest.mark.parametrize(
    ("frontmatter", "aliases"),
    [
        ("aliases: [Jane, JD]", ("Jane", "JD")),
        ("aliases:\n  - Jane\n  - JD", ("Jane", "JD")),
        ("aliases: Jane, JD", ("Jane", "JD")),
        ("alias: Solo", ("Solo",)),
        ("aliases: []", ()),
    ],
)
def test_aliases(frontmatter, aliases):
    assert parse(f"---\n{frontmatter}\n---\n").note.aliases == aliases


# -- templates --------------------------------------------------------------------------------


TEMPLATE = "---\ncreated: {{date}}\ntitle: {{title}}\n---\nWith [[Link]] and [[{{title}}]]\n"


def test_template_yaml_is_not_read_and_body_links_are():
    result = parse(TEMPLATE, template=True)
    assert found(result) == []
    assert result.note.is_template is True
    assert result.note.has_frontmatter is True
    assert result.note.frontmatter == {}
    assert spots(result) == [("Link", 5, 6)]


def test_the_same_text_outside_templates_is_invalid_yaml():
    result = parse(TEMPLATE)
    assert [d.rule for d in result.diagnostics] == ["invalid-yaml"]
    assert [link.target for link in result.note.links] == ["Link", "{{title}}"]


# -- never raises -----------------------------------------------------------------------------


FRAGMENTS = [
    "---",
    "...",
    "[[",
    "]]",
    ":",
    "- ",
    "&a",
    "*a",
    "!!",
    "`",
    "```",
    "~~~",
    "<!--",
    "-->",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "a",
    "key",
    "#",
    "^",
    "|",
    "\\",
    "(",
    ")",
    "[",
    "]",
    "{{",
    "}}",
    '"',
    "'",
    "%20",
    "é",
]


def assert_well_formed(result: ParseResult) -> None:
    for d in result.diagnostics:
        assert d.line >= 1
        assert d.column >= 1
        assert d.rule in BY_NAME
    for link in result.note.links:
        assert link.line >= 1
        assert link.column >= 1


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary())
def test_never_raises_for_any_bytes(data):
    assert_well_formed(parse_note("fuzz.md", data))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text())
def test_never_raises_for_any_text(text):
    assert_well_formed(parse_note("fuzz.md", text.encode("utf-8")))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(FRAGMENTS)).map("".join))
def test_never_raises_for_yaml_and_markdown_fragments(text):
    assert_well_formed(parse_note("fuzz.md", text.encode("utf-8")))


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(FRAGMENTS)).map(lambda parts: "---\n" + "".join(parts) + "\n---\n"))
def test_never_raises_for_fragments_inside_frontmatter(text):
    assert_well_formed(parse_note("fuzz.md", text.encode("utf-8")))
