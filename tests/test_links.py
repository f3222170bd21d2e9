"""Link resolution the way Obsidian does it, alone and through `lint` on real files."""

from __future__ import annotations

import pytest

from vault_tools.links import LinkResolver, Resolution, normalize_heading
from vault_tools.lint import lint
from vault_tools.vault import Vault

NFD_JOSE = "Jose\u0301"  # "José" with a combining accent (macOS file names)
NFC_JOSE = "Jos\u00e9"

# (vault paths, target as written, linking note, markdown, expected path or candidates)
CASES = [
    pytest.param(
        ["Target.md", "sub/Target.md"],
        "Target",
        "x/Src.md",
        False,
        "Target.md",
        id="exact-vault-path-wins-over-same-name-elsewhere",
    ),
    pytest.param(
        ["Target.md", "x/Target.md"],
        "Target",
        "x/Src.md",
        False,
        "Target.md",
        id="exact-vault-path-wins-over-own-folder",
    ),
    pytest.param(
        ["sub/Target.md", "x/sub/Target.md"],
        "sub/Target",
        "Src.md",
        False,
        "sub/Target.md",
        id="exact-vault-path-with-folder",
    ),
    pytest.param(
        ["a/Target.md", "b/Target.md"],
        "Target",
        "a/Src.md",
        False,
        "a/Target.md",
        id="own-folder-first-a",
    ),
    pytest.param(
        ["a/Target.md", "b/Target.md"],
        "Target",
        "b/Src.md",
        False,
        "b/Target.md",
        id="own-folder-first-b",
    ),
    pytest.param(
        ["a/b/Target.md", "a/Target.md"],
        "b/Target",
        "a/Src.md",
        False,
        "a/b/Target.md",
        id="own-folder-relative-path",
    ),
    pytest.param(
        ["a/Target.md", "b/c/Target.md"],
        "Target",
        "x/Src.md",
        False,
        "a/Target.md",
        id="shallowest-wins",
    ),
    pytest.param(
        ["deep/er/Target.md", "b/c/d/Target.md"],
        "Target",
        "Src.md",
        False,
        "deep/er/Target.md",
        id="shallowest-wins-deeper",
    ),
    pytest.param(
        ["a/Target.md", "b/Target.md"],
        "Target",
        "x/Src.md",
        False,
        ("a/Target.md", "b/Target.md"),
        id="equally-shallow-is-ambiguous",
    ),
    pytest.param(
        ["a/Target.md", "b/Target.md"],
        "Target",
        "Src.md",
        False,
        ("a/Target.md", "b/Target.md"),
        id="equally-shallow-from-root-is-ambiguous",
    ),
    pytest.param(
        ["a/folder/Target.md", "b/other/Target.md"],
        "folder/Target",
        "Src.md",
        False,
        "a/folder/Target.md",
        id="partial-path-suffix",
    ),
    pytest.param(
        ["x/a/folder/Target.md", "b/folder/Target.md"],
        "folder/Target",
        "Src.md",
        False,
        "b/folder/Target.md",
        id="partial-path-shallowest",
    ),
    pytest.param(
        ["a/folder/Target.md", "b/folder/Target.md"],
        "folder/Target",
        "Src.md",
        False,
        ("a/folder/Target.md", "b/folder/Target.md"),
        id="partial-path-ambiguous",
    ),
    pytest.param(
        ["myfolder/Target.md"],
        "folder/Target",
        "Src.md",
        False,
        None,
        id="partial-path-matches-whole-folder-names-only",
    ),
    pytest.param(
        ["Notes/Target.md"],
        "target",
        "Src.md",
        False,
        "Notes/Target.md",
        id="case-insensitive-name",
    ),
    pytest.param(
        ["Notes/Target.md"],
        "NOTES/target",
        "Src.md",
        False,
        "Notes/Target.md",
        id="case-insensitive-folder",
    ),
    pytest.param(
        ["Target.md", "target.md"],
        "target",
        "Src.md",
        False,
        "target.md",
        id="exact-case-breaks-a-case-tie",
    ),
    pytest.param(
        ["Target.md", "target.md"],
        "TARGET",
        "Src.md",
        False,
        ("Target.md", "target.md"),
        id="case-tie-without-exact-case-is-ambiguous",
    ),
    pytest.param(
        [f"people/{NFD_JOSE}.md"],
        NFC_JOSE,
        "Src.md",
        False,
        f"people/{NFD_JOSE}.md",
        id="nfc-link-to-nfd-file",
    ),
    pytest.param(
        [f"people/{NFC_JOSE}.md"],
        NFD_JOSE,
        "Src.md",
        False,
        f"people/{NFC_JOSE}.md",
        id="nfd-link-to-nfc-file",
    ),
    pytest.param(
        ["people/Zoë Müller.md"],
        "zoë müller",
        "Src.md",
        False,
        "people/Zoë Müller.md",
        id="case-insensitive-non-ascii",
    ),
    pytest.param(["Target.md"], "Target.md", "Src.md", False, "Target.md", id="md-optional"),
    pytest.param(
        ["sub/Target.md"], "Target.MD", "Src.md", False, "sub/Target.md", id="md-any-case"
    ),
    pytest.param(
        ["Target.md", "Target.png"],
        "Target",
        "Src.md",
        False,
        "Target.md",
        id="bare-name-is-the-note-not-the-image",
    ),
    pytest.param(
        ["img/image.png"],
        "image.png",
        "notes/Src.md",
        False,
        "img/image.png",
        id="attachment-by-name",
    ),
    pytest.param(
        ["img/image.png"], "image", "Src.md", False, None, id="attachment-needs-its-extension"
    ),
    pytest.param(
        ["docs/Report.pdf"],
        "docs/Report.pdf",
        "Src.md",
        False,
        "docs/Report.pdf",
        id="attachment-by-path",
    ),
    pytest.param(
        ["docs/Report.pdf"],
        "Report.pdf",
        "a/Src.md",
        False,
        "docs/Report.pdf",
        id="attachment-by-name-from-a-folder",
    ),
    pytest.param(
        ["sub/Target.md"], "/sub/Target", "Src.md", False, "sub/Target.md", id="leading-slash"
    ),
    pytest.param(
        ["sub/Target.md"], "sub\\Target", "Src.md", False, "sub/Target.md", id="backslash-separator"
    ),
    pytest.param(
        ["a/Src.md", "b/Note X.md"],
        "../b/Note X.md",
        "a/Src.md",
        True,
        "b/Note X.md",
        id="markdown-parent-relative",
    ),
    pytest.param(
        ["a/Src.md", "b/Note X.md"],
        "../b/Note X",
        "a/Src.md",
        True,
        "b/Note X.md",
        id="markdown-parent-relative-without-md",
    ),
    pytest.param(
        ["a/Src.md", "a/Note X.md", "Note X.md"],
        "./Note X.md",
        "a/Src.md",
        True,
        "a/Note X.md",
        id="markdown-dot-relative",
    ),
    pytest.param(
        ["a/Src.md", "b/Note X.md"],
        "../../b/Note X.md",
        "a/Src.md",
        True,
        None,
        id="markdown-escaping-the-vault-is-broken",
    ),
    pytest.param(
        ["Src.md", "Note X.md"],
        "../Note X.md",
        "Src.md",
        True,
        None,
        id="markdown-escaping-from-root-is-broken",
    ),
    pytest.param(
        ["a/Src.md", "c/Note X.md"],
        "../b/Note X.md",
        "a/Src.md",
        True,
        None,
        id="markdown-relative-is-not-searched-by-name",
    ),
    pytest.param(["a/Src.md"], "", "a/Src.md", False, "a/Src.md", id="empty-target-is-self"),
    pytest.param(["a/Src.md"], "", "a/Src.md", True, "a/Src.md", id="empty-markdown-is-self"),
    pytest.param(["a/Src.md", "Other.md"], "Nope", "a/Src.md", False, None, id="nonexistent"),
    pytest.param([], "Anything", "Src.md", False, None, id="empty-vault"),
]


@pytest.mark.parametrize(("paths", "target", "source", "markdown", "expected"), CASES)
def test_resolution(paths, target, source, markdown, expected):
    resolution = LinkResolver(paths).resolve(target, source, markdown=markdown)
    if expected is None:
        assert resolution == Resolution()
        assert resolution.broken and not resolution.ambiguous
    elif isinstance(expected, tuple):
        assert resolution.path is None
        assert resolution.candidates == expected
        assert resolution.ambiguous and not resolution.broken
    else:
        assert resolution.path == expected
        assert not resolution.broken and not resolution.ambiguous


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("../b/Note X", "b/Note X.md"),
        ("./Sibling", "a/Sibling.md"),
    ],
)
def test_relative_wikilink(target, expected):
    resolver = LinkResolver(["a/Src.md", "a/Sibling.md", "b/Note X.md"])
    assert resolver.resolve(target, "a/Src.md").path == expected


def test_resolver_is_independent_of_path_order():
    paths = ["b/Target.md", "a/Target.md", "c/d/Target.md"]
    forward = LinkResolver(paths).resolve("Target", "Src.md")
    backward = LinkResolver(list(reversed(paths))).resolve("Target", "Src.md")
    assert forward == backward == Resolution(candidates=("a/Target.md", "b/Target.md"))


@pytest.mark.parametrize(
    ("written", "heading", "same"),
    [
        ("Next Steps", "next steps", True),
        ("next-steps!", "Next Steps", True),
        ("Q&A:  follow up", "Q & A follow-up", True),
        ("Notes", "Note", False),
    ],
)
def test_normalize_heading(written, heading, same):
    assert (normalize_heading(written) == normalize_heading(heading)) is same


# -- end to end: files on disk, Vault.load and lint -------------------------------------------


def lint_links(root, *rules: str) -> list[tuple[str, int, int, str]]:
    found = lint(Vault.load(root), select_rules=list(rules) or ["VT3"])
    return [(d.path, d.line, d.column, d.rule) for d in found]


def test_broken_link(make_vault):
    root = make_vault({"Src.md": "See [[Nope]] and [[Here]].\n", "Here.md": "x\n"})
    found = lint(Vault.load(root), select_rules=["broken-link"])
    assert [(d.path, d.line, d.column, d.rule) for d in found] == [("Src.md", 1, 5, "broken-link")]
    assert "[[Nope]]" in found[0].message


def test_broken_link_in_frontmatter_is_reported_at_the_link(make_vault):
    root = make_vault({"Src.md": '---\nmentor: "[[Nobody]]"\n---\n'})
    assert lint_links(root, "broken-link") == [("Src.md", 2, 10, "broken-link")]


def test_ambiguous_link(make_vault):
    root = make_vault({"Src.md": "Intro\n[[Target]]\n", "a/Target.md": "", "b/Target.md": ""})
    found = lint(Vault.load(root), select_rules=["ambiguous-link"])
    assert [(d.path, d.line, d.column, d.rule) for d in found] == [
        ("Src.md", 2, 1, "ambiguous-link")
    ]
    assert "a/Target.md, b/Target.md" in found[0].message
    assert found[0].fix == "write the folder: [[a/Target]]"


def test_link_from_a_folder_with_the_same_name_is_not_ambiguous(make_vault):
    root = make_vault({"a/Src.md": "[[Target]]\n", "a/Target.md": "", "b/Target.md": ""})
    assert lint_links(root) == []


def test_broken_heading_link(make_vault):
    root = make_vault(
        {
            "Src.md": "[[Note#a-b]] [[Note#Missing]]\n",
            "Note.md": "# A: B!\n",
        }
    )
    found = lint(Vault.load(root), select_rules=["broken-heading-link"])
    assert [(d.line, d.column, d.rule) for d in found] == [(1, 14, "broken-heading-link")]
    assert "'Missing'" in found[0].message


@pytest.mark.parametrize(
    ("link", "broken"),
    [
        ("[[Note#Next Steps]]", False),
        ("[[Note#next steps]]", False),
        ("[[Note#Next-Steps!]]", False),
        ("[[Note#Q&A]]", False),
        ("[[Note#Part One#Detail]]", False),
        ("[[Note#part one#detail]]", False),
        ("[[Note#Part One#Missing]]", True),
        ("[[Note#Nope#Detail]]", True),
        ("[[Note#Next Step]]", True),
        ("[text](Note.md#Next%20Steps)", False),
        ("[text](Note.md#Nope)", True),
    ],
)
def test_heading_matching_ignores_case_and_punctuation(make_vault, link, broken):
    root = make_vault(
        {
            "Src.md": f"{link}\n",
            "Note.md": "# Next Steps\n## Q & A\n# Part One\n## Detail\n",
        }
    )
    expected = [("Src.md", 1, 1, "broken-heading-link")] if broken else []
    assert lint_links(root, "broken-heading-link") == expected


def test_heading_link_to_the_same_note(make_vault):
    root = make_vault({"Src.md": "# Local\n[[#Local]] [[#Elsewhere]]\n"})
    assert lint_links(root) == [("Src.md", 2, 12, "broken-heading-link")]


def test_heading_in_a_code_block_is_not_a_heading(make_vault):
    root = make_vault({"Src.md": "[[Note#Hidden]]\n", "Note.md": "```\n# Hidden\n```\n"})
    assert lint_links(root) == [("Src.md", 1, 1, "broken-heading-link")]


def test_broken_block_link(make_vault):
    root = make_vault(
        {
            "Src.md": "[[Note#^key-advice]]\n[[Note#^advice]]\n",
            "Note.md": "Keep in touch. ^key-advice\n",
        }
    )
    found = lint(Vault.load(root), select_rules=["broken-block-link"])
    assert [(d.path, d.line, d.column, d.rule) for d in found] == [
        ("Src.md", 2, 1, "broken-block-link")
    ]
    assert "^advice" in found[0].message


def test_bare_alias_is_a_broken_link_with_a_fix(make_vault):
    root = make_vault(
        {
            "Src.md": "Met [[Alias]] today.\n",
            "people/Real Name.md": "---\naliases: [Alias]\n---\n",
        }
    )
    found = lint(Vault.load(root), select_rules=["broken-link"])
    assert [(d.line, d.column, d.rule) for d in found] == [(1, 5, "broken-link")]
    assert found[0].fix == "[[Real Name|Alias]]"
    assert "alias of 'Real Name'" in found[0].message


def test_alias_fix_keeps_the_heading_and_the_shown_text(make_vault):
    root = make_vault(
        {
            "Src.md": "[[alias#Notes|shown]]\n",
            "people/Real Name.md": "---\naliases: Alias\n---\n# Notes\n",
        }
    )
    found = lint(Vault.load(root), select_rules=["broken-link"])
    assert [d.fix for d in found] == ["[[Real Name#Notes|shown]]"]


def test_links_in_code_and_comments_are_not_reported(make_vault):
    root = make_vault(
        {
            "Src.md": "```\n[[Nope]]\n```\n~~~\n[[Nope]]\n~~~\n`[[Nope]]` <!-- [[Nope]] -->\n"
            "<!--\n[[Nope]]\n-->\n",
        }
    )
    assert lint_links(root) == []


def test_links_to_existing_attachments_are_not_reported(make_vault):
    root = make_vault(
        {
            "notes/Src.md": "![[image.png]] [[docs/Report.pdf]] [pdf](../docs/Report.pdf) "
            "![img](../img/image.png)\n",
            "img/image.png": b"\x89PNG\r\n",
            "docs/Report.pdf": b"%PDF-1.4\n",
        }
    )
    assert lint_links(root) == []


def test_link_to_a_missing_attachment_is_reported(make_vault):
    root = make_vault({"Src.md": "![[missing.png]]\n", "img/image.png": b"\x89PNG\r\n"})
    assert lint_links(root) == [("Src.md", 1, 1, "broken-link")]


def test_markdown_relative_links_on_disk(make_vault):
    root = make_vault(
        {
            "a/Src.md": "[x](../b/Note%20X.md) [y](../../b/Note%20X.md)\n",
            "b/Note X.md": "",
        }
    )
    assert lint_links(root) == [("a/Src.md", 1, 23, "broken-link")]


def test_links_resolve_across_unicode_normalization_and_case_on_disk(make_vault):
    root = make_vault(
        {
            "Src.md": f"[[{NFC_JOSE}]] [[jose\u0301 garcía]]\n",
            f"people/{NFD_JOSE}.md": "",
            "people/José García.md": "",
        }
    )
    assert lint_links(root) == []
