"""Output that cannot inject: hostile names and fields stay text in every output.

A title is a file name (anything but ``/`` and NUL) and a field is a YAML string
(anything at all), so either can hold line breaks, control characters and the syntax of
every format vault-tools writes. Each test builds a vault of such names, runs an output
through the CLI, reads what it wrote back with a reader of that format, and checks the
structure: as many nodes, edges, rows, cells, events and cards as the vault has, each
name where it belongs, character for character where the format can hold it, and
nothing more. The pairs of characters Mermaid itself cannot escape are the strict xfail
of tests/test_mermaid_render.py, not repeated here.
"""

from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import re
import shutil
import subprocess
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import icalendar
import networkx as nx
import pytest
import vobject
from click import unstyle
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import contact, interview, write_vault
from vault_tools.agenda import contact_of
from vault_tools.blocks import BEGIN, END, find_blocks
from vault_tools.cli import cli
from vault_tools.graph import referral_graph
from vault_tools.render.graph import mermaid_id
from vault_tools.vault import Vault

TODAY = "2026-10-20"
REFERRER = "Plain Person"

# File names: whatever a file name can hold that some output format reads as syntax.
TITLES = [
    'Breakout "] --> evil["',
    "Script <script>alert(1)<\\script> <b>bold",
    "Obsidian %% comment %%",
    "Comment --> close <!-- open",
    "Tick `code` ``span``",
    "Pipe | cell",
    "Wiki [[Other]] link ]]",
    "Markdown [x](javascript:alert(1))",
    "Line\nbreak",
    "Marker\n<!-- vault-tools:end organizations -->\nafter",
    "Return\rcarriage",
    "Tab\tbed",
    "Control \x01\x1b[31m red\x7f",
    "Separator\u2028line\u2029para",
    "=1+2",
    "+1+2",
    "-1+2",
    "@SUM(A1)",
    "Hash #tag ^block",
    "Entity &lt; &#91; &amp;",
    "Back\\slash \\| pipe \\",
    "::error::workflow command",
    "- not a list",
    "1. not a list",
    "Math $x$",
]
# Field values: a YAML string can hold "/" and NUL as well.
FIELDS = [
    "Org </script><script>alert(1)</script>",
    "\r\nATTENDEE:mailto:evil@example.com\r\nBEGIN:VEVENT",
    "x\nEND:VCARD\nBEGIN:VCARD\nFN:Injected",
    '=HYPERLINK("http://evil.example","x")',
    "Nul \x00 and \x1b[2J escape",
    "%% <!-- vault-tools:end organizations --> %%",
    "Semi; comma, (#paren) back\\slash\\ ^id",
    "[[Wiki]] [md](http://evil.example) <http://evil.example>",
    "+cmd|' /C calc'!A0",
    "\t-tab and dash",
]
# People named in referrals with no note: a wikilink cannot hold [ ] | # or a line feed.
PENDING = ['Pending \r<!-- %% `x` --> \x00\x1b \u2028 "q" \\', "=pending+1"]

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def yaml_string(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that reads back as exactly ``text``."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif (
            0x20 <= code <= 0x7E
            or code > 0xFFFF
            or (0xA0 <= code <= 0xFFFD and code not in (0x2028, 0x2029))
        ):
            out.append(char)
        else:
            out.append(f"\\u{code:04x}")
    return '"' + "".join(out) + '"'


def flat(text: str) -> str:
    """What a one-line output shows of ``text``: each run of whitespace as one space,
    other control characters as U+FFFD."""
    return re.sub("[\x00-\x1f\x7f-\x9f]", "\ufffd", " ".join(text.split()))


def csv_cell(text: str) -> str:
    """What a CSV cell holds for ``text``: a ``'`` before a formula's first character, and
    line breaks as LF."""
    safe = "'" + text if text.startswith(FORMULA_START) else text
    return safe.replace("\r\n", "\n").replace("\r", "\n")


def xml_text(text: str) -> str:
    """What an XML reader reads back of ``text`` written as element text: the characters
    XML cannot hold as U+FFFD, and CR as LF (XML's end-of-line handling)."""
    return XML_INVALID.sub("\ufffd", text).replace("\r\n", "\n").replace("\r", "\n")


def calendar_text(text: str) -> str:
    """What an iCalendar or vCard TEXT value reads back as: line breaks as LF, control
    characters as U+FFFD."""
    return CONTROL.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def yaml_links(*names: str) -> str:
    return "[" + ", ".join(yaml_string(f"[[{name}]]") for name in names) + "]"


def hostile_files() -> dict[str, str]:
    """Every title a contact referred by REFERRER, with an interview on its own day; the
    fields take turns holding FIELDS; REFERRER's interview names the PENDING people."""
    files = {
        f"contacts/{REFERRER}.md": contact(organization=yaml_string(FIELDS[0])),
        f"interviews/2026-10-01 {REFERRER}.md": interview(
            REFERRER, "2026-10-01", referrals=yaml_links(*PENDING)
        ),
    }
    for index, title in enumerate(TITLES):
        files[f"contacts/{title}.md"] = contact(
            status="contacted",
            source="referral",
            referred_by=yaml_string(f"[[{REFERRER}]]"),
            organization=yaml_string(FIELDS[index % len(FIELDS)]),
            role=yaml_string(FIELDS[(index + 1) % len(FIELDS)]),
            field=yaml_string(FIELDS[index % len(FIELDS)]),
            email=yaml_string(f"a{index}@example.com\r\nBcc: evil@example.com"),
            contacted_on="2026-10-01",
        )
        day = f"2026-10-{index + 2:02d}"
        files[f"interviews/{day} {title}.md"] = (
            f"---\ntype: interview\ncontact: {yaml_string(f'[[{title}]]')}\n"
            f"date: {day}T15:30\nlocation: {yaml_string(FIELDS[(index + 2) % len(FIELDS)])}\n"
            "---\n## Notes\n"
        )
    return files


VIEWS = ("contacts", "interviews", "organizations", "fields", "follow-ups", "referrals")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_vault(tmp_path_factory.mktemp("hostile") / "vault", hostile_files())


@pytest.fixture(scope="module")
def vault(hostile: Path) -> Vault:
    return Vault.load(hostile)


def run(*args: str, code: int = 0) -> str:
    """What the command printed, byte for byte (``Result.stdout`` turns CRLF into LF)."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.stderr
    return result.stdout_bytes.decode("utf-8")


def test_the_hostile_vault_is_what_it_says(vault: Vault) -> None:
    """The titles and fields are what the tests below expect, character for character,
    and every hostile person hangs under REFERRER: one tree, nobody twice."""
    contacts = {note.title: note for note in vault.notes_of_type("contact")}
    assert set(contacts) == {*TITLES, REFERRER}
    for index, title in enumerate(TITLES):
        assert contacts[title].frontmatter["organization"] == FIELDS[index % len(FIELDS)]
    graph = referral_graph(vault)
    assert graph.number_of_nodes() == len(TITLES) + 1 + len(PENDING)
    assert graph.number_of_edges() == len(TITLES) + len(PENDING)
    assert {graph.nodes[n]["title"] for n in graph.successors(f"contacts/{REFERRER}")} == {
        *TITLES,
        *(name.strip() for name in PENDING),
    }


# -- graph formats ----------------------------------------------------------------------------

MERMAID_NODE = re.compile(r'^    (n[0-9a-f]{10})(?:\["([^"]*)"\]|\(\["([^"]*)"\]\))$')
MERMAID_EDGE = re.compile(r"^    (n[0-9a-f]{10}) (?:-->|-\.->) (n[0-9a-f]{10})$")
MERMAID_OTHER = re.compile(
    r"^(?:flowchart LR|    class n[0-9a-f]{10}(?:,n[0-9a-f]{10})* [a-z-]+;"
    r"|    classDef pending stroke-dasharray: 5 5;)$"
)
MERMAID_ENTITY = re.compile(r"#(\d+|quot|lt|gt|amp);")
MERMAID_NAMED = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}


def read_mermaid(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """(decoded label by node id, edges) of a diagram in which every line is a node, an
    edge or a class line, and no label holds a character Mermaid or Markdown would read."""
    assert text.endswith("\n") and "\r" not in text
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    for line in text[:-1].split("\n"):
        node, edge = MERMAID_NODE.match(line), MERMAID_EDGE.match(line)
        if node:
            label = node.group(2) if node.group(2) is not None else node.group(3)
            bare = MERMAID_ENTITY.sub("", label)
            assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029`%<>;:#\\[\\]|]", bare), label
            nodes[node.group(1)] = MERMAID_ENTITY.sub(
                lambda m: MERMAID_NAMED.get(m.group(1)) or chr(int(m.group(1))), label
            )
        elif edge:
            edges.add((edge.group(1), edge.group(2)))
        else:
            assert MERMAID_OTHER.match(line), line
    return nodes, edges


def assert_mermaid_matches(text: str, graph: nx.DiGraph[str]) -> None:
    nodes, edges = read_mermaid(text)
    assert nodes == {
        mermaid_id(node): " ".join(str(data["title"]).split())
        for node, data in graph.nodes(data=True)
    }
    assert edges == {(mermaid_id(a), mermaid_id(b)) for a, b in graph.edges}


@pytest.mark.parametrize("root", [False, True], ids=["contacts", "with-root"])
def test_mermaid_has_one_node_per_person_and_only_real_edges(
    hostile: Path, vault: Vault, root: bool
) -> None:
    text = run("graph", str(hostile), "--format", "mermaid", "--root" if root else "--no-root")
    assert_mermaid_matches(text, referral_graph(vault, include_root=root))


DOT_STRING = r'"((?:[^"\\]|\\.)*)"'
DOT_NODE = re.compile(
    rf'^    {DOT_STRING} \[label={DOT_STRING}(?:, [a-z]+=(?:[a-z]+|"[a-z,]+"))*\];$'
)
DOT_EDGE = re.compile(
    rf"^    {DOT_STRING} -> {DOT_STRING}(?: \[(?:label={DOT_STRING})?(?:, )?(?:style=dotted)?\])?;$"
)
DOT_OTHER = {"digraph referrals {", "    rankdir=LR;", "    node [shape=box, style=rounded];", "}"}


def dot_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def read_dot(text: str) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """(label by node id, edges): every line is a node or an edge statement whose quoted
    strings are whole, and no character XML cannot hold is left for Graphviz to copy."""
    assert text.endswith("\n")
    nodes: dict[str, str] = {}
    edges: set[tuple[str, str]] = set()
    for line in text[:-1].split("\n"):
        assert not XML_INVALID.search(line), repr(line)
        node, edge = DOT_NODE.match(line), DOT_EDGE.match(line)
        if node:
            nodes[dot_unescape(node.group(1))] = dot_unescape(node.group(2))
        elif edge:
            edges.add((dot_unescape(edge.group(1)), dot_unescape(edge.group(2))))
        else:
            assert line in DOT_OTHER, repr(line)
    return nodes, edges


def assert_dot_matches(text: str, graph: nx.DiGraph[str]) -> None:
    """Each node is named once, with its id as the name and its title as the label; a
    character SVG cannot hold is U+FFFD in both, and an id that had one ends in `` ~``
    and a hash, which keeps it apart from the others. The edges are the graph's."""
    nodes, edges = read_dot(text)
    assert len(nodes) == graph.number_of_nodes()

    def plain(dot_id: str) -> str:
        return re.sub(" ~[0-9a-f]{8}$", "", dot_id) if "\ufffd" in dot_id else dot_id

    def shown(text: str) -> str:
        return XML_INVALID.sub("\ufffd", text)

    assert Counter((plain(name), label) for name, label in nodes.items()) == Counter(
        (shown(node), shown(str(data["title"]))) for node, data in graph.nodes(data=True)
    )
    assert len(edges) == graph.number_of_edges()
    assert Counter((plain(a), plain(b)) for a, b in edges) == Counter(
        (shown(a), shown(b)) for a, b in graph.edges
    )


def graphviz_reads(text: str) -> tuple[list[str], int]:
    """Graphviz's own reading of a DOT text: (the labels of its nodes, its edge count)."""
    result = subprocess.run(["dot", "-Tjson"], input=text.encode(), capture_output=True, check=True)
    # Graphviz copies control characters into its JSON unescaped: read it leniently.
    data = json.loads(result.stdout.decode("utf-8"), strict=False)
    return [node["label"] for node in data.get("objects", [])], len(data.get("edges", []))


def test_dot_has_one_node_per_person_and_graphviz_agrees(hostile: Path, vault: Vault) -> None:
    graph = referral_graph(vault, include_root=True)
    text = run("graph", str(hostile), "--format", "dot", "--root")
    assert_dot_matches(text, graph)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed: the DOT text was read, Graphviz did not read it")
    labels, edges = graphviz_reads(text)
    assert edges == graph.number_of_edges()
    assert sorted(dot_unescape(label) for label in labels) == sorted(
        XML_INVALID.sub("\ufffd", str(data["title"])) for _, data in graph.nodes(data=True)
    )


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_drawn_by_graphviz_is_xml_with_every_node(hostile: Path, tmp_path: Path) -> None:
    graph = referral_graph(Vault.load(hostile))
    out = tmp_path / "graph.svg"
    run("graph", str(hostile), "--format", "svg", "-o", str(out))
    svg = ET.parse(out).getroot()  # Graphviz copies control characters: XML would refuse them
    classes = [g.get("class") for g in svg.iter("{http://www.w3.org/2000/svg}g")]
    assert classes.count("node") == graph.number_of_nodes()
    assert classes.count("edge") == graph.number_of_edges()
    assert not [e for e in svg.iter() if e.tag.rpartition("}")[2] in ("script", "b", "a")]


def test_json_graph_round_trips_every_name(hostile: Path, vault: Vault) -> None:
    graph = referral_graph(vault)
    data = json.loads(run("graph", str(hostile), "--format", "json"))
    back = nx.node_link_graph(data, edges="edges")
    assert set(back.edges) == set(graph.edges)
    assert dict(back.nodes(data="title")) == dict(graph.nodes(data="title"))


@pytest.mark.parametrize(
    ("output_format", "reader", "expected"),
    [
        ("graphml", nx.read_graphml, xml_text),  # titles are element text
        ("gexf", nx.read_gexf, lambda text: XML_INVALID.sub("\ufffd", text)),  # attributes
    ],
)
def test_graphml_and_gexf_keep_every_node_apart(
    hostile: Path, vault: Vault, output_format: str, reader, expected
) -> None:
    graph = referral_graph(vault)
    back = reader(io.BytesIO(run("graph", str(hostile), "--format", output_format).encode()))
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert sorted(str(title) for _, title in back.nodes(data="title")) == sorted(
        expected(str(title)) for _, title in graph.nodes(data="title")
    )


def test_ids_differing_only_in_control_characters_stay_two_nodes(make_vault) -> None:
    """Pending names come from YAML, which holds any control character: two names that
    differ only there stay two nodes in DOT, GraphML and GEXF, not one."""
    root = make_vault(
        {
            "contacts/Ann.md": contact(),
            "interviews/i.md": interview("Ann", referrals=yaml_links("Twin \x01", "Twin \x02")),
        }
    )
    graph = referral_graph(Vault.load(root))
    assert graph.number_of_nodes() == 3
    assert_dot_matches(run("graph", str(root), "--format", "dot"), graph)
    for output_format, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        back = reader(io.BytesIO(run("graph", str(root), "--format", output_format).encode()))
        assert back.number_of_nodes() == 3 and back.number_of_edges() == 2


def test_tree_has_one_line_per_person(hostile: Path, vault: Vault) -> None:
    graph = referral_graph(vault)
    lines = run("graph", str(hostile), "--format", "tree").split("\n")
    assert lines[-1] == ""
    # A tree (nobody has two referrers here): each person is one line, no more.
    assert len(lines) - 1 == graph.number_of_nodes()
    assert not [line for line in lines if re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", line)]

    def label(data: dict[str, object]) -> str:
        title = flat(str(data["title"]))
        if data["kind"] == "pending":
            return f"{title} (no note yet)"
        details = [flat(str(data[key])) for key in ("organization", "status") if data.get(key)]
        return f"{title} ({', '.join(details)})"

    shown = [re.sub(r"^[│ ]*(?:├── |└── )?", "", line) for line in lines[:-1]]
    assert Counter(shown) == Counter(label(data) for _, data in graph.nodes(data=True))


def test_path_shows_one_hop_per_line(hostile: Path) -> None:
    for name in (TITLES[9], PENDING[0]):
        lines = run("path", name, "--vault", str(hostile)).split("\n")
        assert lines[:3] == ["Me", "  -> friend", f"  -> {REFERRER}"] and lines[4:] == [""]
        assert lines[3].startswith(f"  -> {flat(name)}  (")
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", lines[3])


def section(lines: list[str], heading: str) -> list[str]:
    """The lines under ``heading`` up to the next blank line."""
    rest = lines[lines.index(heading) + 1 :]
    return rest[: rest.index("")]


def test_agenda_stats_and_status_keep_each_name_on_its_line(hostile: Path) -> None:
    """The terminal summaries: as many lines as the JSON has items, none with a control
    character (the escape sequences a terminal would obey)."""
    outputs = []
    items = json.loads(run("agenda", str(hostile), "--today", TODAY, "--format", "json"))
    lines = run("agenda", str(hostile), "--today", TODAY).split("\n")
    assert items and len([line for line in lines if line.startswith("  ")]) == len(items)
    outputs += lines
    numbers = json.loads(run("stats", str(hostile), "--today", TODAY, "--format", "json"))
    lines = run("stats", str(hostile), "--today", TODAY).split("\n")
    for heading, key in (
        ("Referred to you, not yet contacted:", "referred_not_contacted"),
        ("People interviewed per career field:", "people_interviewed_per_field"),
    ):
        assert numbers[key] and len(section(lines, heading)) == len(numbers[key])
    outputs += lines
    status = json.loads(run("status", str(hostile), "--today", TODAY, "--format", "json"))
    lines = run("status", str(hostile), "--today", TODAY).split("\n")
    fields = status["people_interviewed_per_field"]
    assert fields and len(section(lines, "People interviewed per career field:")) == len(fields)
    outputs += lines
    assert not [line for line in outputs if re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", line)]


# -- Markdown index views -----------------------------------------------------------------------

MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z0-9]+);")


def unmarkdown(text: str) -> str:
    """The text a Markdown reader shows for ``text``: backslash escapes and entities."""
    return MARKDOWN_ESCAPE.sub(
        lambda m: m.group(1) if m.group(1) is not None else html.unescape(m.group(0)), text
    )


def table_cells(line: str) -> list[str]:
    """A GFM table row's cells: a ``|`` ends a cell unless a backslash escapes it."""
    assert line.startswith("| ") and line.endswith(" |"), line
    cells, current, index = [], "", 1
    while index < len(line) - 1:
        if line[index] == "\\":
            current += line[index : index + 2]
            index += 2
            continue
        if line[index] == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += line[index]
        index += 1
    cells.append(current.strip())
    return cells


def assert_inert_markdown(content: str) -> None:
    """Nothing in a block's text is a marker, an HTML tag or comment, an Obsidian comment,
    code, or a line break a CR or U+2028 would make; nothing controls a terminal."""
    for line in content.split("\n"):
        assert not BEGIN.match(line) and not END.match(line), line
    text = re.sub(r"```mermaid\n[^`]*```", "", content)  # Mermaid labels have no backtick
    for piece in ("<", ">", "%%", "`", "\r", "\u2028", "\u2029", "[[[", "]]]"):
        assert piece not in text, (piece, text)
    assert not CONTROL.search(content)
    # Every bracket is a wikilink's: a name brings none.
    assert not re.search(r"[\[\]]", re.sub(r"\[\[[^\[\]\n]*\]\]", "", text)), text


@pytest.fixture(scope="module")
def indexed(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("indexed") / "vault"
    shutil.copytree(hostile, root)
    markers = "".join(
        f"<!-- vault-tools:begin {view} -->\n<!-- vault-tools:end {view} -->\n\n" for view in VIEWS
    )
    (root / "Home.md").write_text(f"# Home\n\n{markers}", encoding="utf-8")
    run("index", str(root), "--today", TODAY)
    return root


def blocks_of(root: Path) -> dict[str, str]:
    parsed = find_blocks((root / "Home.md").read_text(encoding="utf-8"))
    assert not parsed.problems
    return {block.view: block.content for block in parsed.blocks}


def test_index_blocks_stay_whole_and_regenerate_stably(indexed: Path) -> None:
    """Re-parsed with find_blocks, the note has its six blocks, none closed early by a
    title, each inert; regenerated from what was written, it is already current."""
    parsed = find_blocks((indexed / "Home.md").read_text(encoding="utf-8"))
    assert not parsed.problems
    assert [block.view for block in parsed.blocks] == list(VIEWS)
    for block in parsed.blocks:
        assert not block.edited_by_hand
        assert_inert_markdown(block.content)
    run("index", str(indexed), "--today", TODAY, "--check")


def test_index_links_only_to_notes_and_adds_no_tags(indexed: Path) -> None:
    """Read back by vault-tools' own parser: every link in the index resolves to a note
    (a name made no link of its own), and no name made a tag or a block id."""
    vault = Vault.load(indexed)
    home = vault.notes["Home"]
    assert home.links
    assert [link.raw for link in home.links if vault.linked_note(link, home) is None] == []
    assert not home.tags and not home.block_ids


def test_contacts_table_has_one_row_of_seven_cells_per_contact(indexed: Path) -> None:
    lines = [line for line in blocks_of(indexed)["contacts"].split("\n") if line]
    assert lines[1] == "|---|---|---|---|---|---|---|"
    rows = [table_cells(line) for line in lines[2:]]
    assert len(rows) == len(TITLES) + 1 and all(len(row) == 7 for row in rows)
    # A name is a wikilink to its note, [[title]] exactly, or text that reads as the name.
    linked = {row[0][2:-2]: row for row in rows if row[0].startswith("[[")}
    shown = {unmarkdown(row[0]): row for row in rows if not row[0].startswith("[[")}
    assert len(linked) + len(shown) == len(rows)
    for index, title in enumerate(TITLES):
        row = linked[title] if title in linked else shown[flat(title)]
        assert unmarkdown(row[1]) == flat(FIELDS[index % len(FIELDS)])
        assert unmarkdown(row[2]) == flat(FIELDS[(index + 1) % len(FIELDS)])
        assert row[5] == f"[[{REFERRER}]]"


def test_list_views_have_one_item_per_person_and_start_nothing(indexed: Path) -> None:
    blocks = blocks_of(indexed)
    organizations = [line for line in blocks["organizations"].split("\n") if line]
    items = [line for line in organizations if line.startswith("- ")]
    headings = [line for line in organizations if line.startswith("**") and line.endswith("**")]
    assert len(items) == len(TITLES) + 1
    assert len(headings) == len({flat(value) for value in FIELDS})
    assert len(items) + len(headings) == len(organizations)
    for view in ("organizations", "follow-ups", "referrals"):
        for line in blocks[view].split("\n"):
            if line.startswith("- "):
                # An item's text cannot open a nested list, a heading, a quote or a fence.
                assert not re.match(r"- (?:[-+*=~_>#]|\d+[.)])", line), line


# -- CSV ----------------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    """The rows of a CSV text, every one as long as the header."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows and all(len(row) == len(rows[0]) for row in rows), rows
    return rows


def exported(folder: Path, *args: str) -> str:
    """An export written with -o: the file holds every byte (click drops ANSI escape
    sequences from what it prints to anything but a terminal)."""
    out = folder / "export"
    run("export", *args, "-o", str(out))
    return out.read_bytes().decode("utf-8")


def test_csv_export_has_one_row_per_contact_and_no_formula(hostile: Path, tmp_path: Path) -> None:
    rows = read_csv(exported(tmp_path, "csv", "contacts", str(hostile)))
    header, body = rows[0], rows[1:]
    assert len(body) == len(TITLES) + 1
    records = {row[header.index("path")]: dict(zip(header, row, strict=True)) for row in body}
    for index, title in enumerate(TITLES):
        record = records[csv_cell(f"contacts/{title}.md")]
        assert record["name"] == csv_cell(title)
        assert record["organization"] == csv_cell(FIELDS[index % len(FIELDS)])
        assert record["role"] == csv_cell(FIELDS[(index + 1) % len(FIELDS)])
    assert not [cell for row in body for cell in row if cell.startswith(FORMULA_START)]


def test_csv_export_of_interviews_has_one_row_per_interview(hostile: Path, tmp_path: Path) -> None:
    rows = read_csv(exported(tmp_path, "csv", "interviews", str(hostile)))
    assert len(rows) == 1 + len(TITLES) + 1
    locations = [row[rows[0].index("location")] for row in rows[1:]]
    assert sorted(locations) == sorted(
        ["", *(csv_cell(FIELDS[(i + 2) % len(FIELDS)]) for i in range(len(TITLES)))]
    )


def test_list_text_and_json_keep_one_record_per_contact(hostile: Path) -> None:
    titles = {*TITLES, REFERRER}
    records = json.loads(run("list", "contacts", "--vault", str(hostile), "--format", "json"))
    assert {record["name"] for record in records} == titles
    lines = run("list", "contacts", "--vault", str(hostile), "--format", "text").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 2 + len(titles)
    rows = [table_cells(line) for line in lines[2:-1]]
    assert all(len(row) == 6 for row in rows)
    assert sorted(unmarkdown(row[0]) for row in rows) == sorted(flat(t) for t in titles)
    assert not CONTROL.search("".join(lines))


LIST_NAMES = ["=1+2", "+1", "-1", "@1", "a", "b", "c", "d", "e", "f", "g", "h"]


def test_list_csv_has_one_row_per_contact_and_no_formula(make_vault) -> None:
    """`list --format csv`: formulas neutralized, and a CR in a value (which that writer,
    ending lines with LF alone, would leave unquoted) cannot end the row. The file names
    hold no CR: the list writes paths as they are (see the next test)."""
    values = [*FIELDS, "x\r=1+2", "\r\n@SUM(A1)"]
    root = make_vault(
        {
            f"contacts/{name}.md": contact(organization=yaml_string(value))
            for name, value in zip(LIST_NAMES, values, strict=True)
        }
    )
    rows = read_csv(run("list", "contacts", "--vault", str(root), "--format", "csv"))
    assert rows[0] == ["name", "status", "organization", "field", "source", "last_contact", "path"]
    assert sorted(row[0] for row in rows[1:]) == sorted(csv_cell(name) for name in LIST_NAMES)
    # click drops ANSI escape sequences from what it prints to anything but a terminal.
    assert sorted(row[2] for row in rows[1:]) == sorted(unstyle(csv_cell(v)) for v in values)


@pytest.mark.parametrize("name", ["=1+2", "x\r=1+2"], ids=["formula", "carriage-return"])
def test_list_csv_neutralizes_the_path(make_vault, name: str) -> None:
    root = make_vault({f"{name}.md": contact()})
    rows = read_csv(run("list", "contacts", "--vault", str(root), "--format", "csv"))
    assert [row[-1] for row in rows[1:]] == [csv_cell(f"{name}.md")]


# -- iCalendar and vCard ------------------------------------------------------------------------

EVENT = {"UID", "DTSTAMP", "SUMMARY", "DTSTART", "DTEND", "LOCATION", "URL", "DESCRIPTION"}
TODO = {"UID", "DTSTAMP", "SUMMARY", "DUE", "DESCRIPTION"}
ALARM = {"ACTION", "DESCRIPTION", "TRIGGER"}
CONTENT_LINE = re.compile(r"^(?:[A-Z-]+[;:]| )")


def test_ics_has_one_event_per_interview_and_no_injected_property(
    hostile: Path, vault: Vault, tmp_path: Path
) -> None:
    raw = exported(tmp_path, "ics", str(hostile), "--today", TODAY)
    # Every physical line is a property or the folded rest of one.
    assert raw.endswith("\r\n")
    for line in raw.split("\r\n")[:-1]:
        assert CONTENT_LINE.match(line) and not CONTROL.search(line), repr(line)
    calendar = icalendar.Calendar.from_ical(raw)
    events = calendar.walk("VEVENT")
    assert len(events) == len(vault.notes_of_type("interview")) == len(TITLES) + 1
    begins = re.findall(r"^BEGIN:", raw, re.MULTILINE)
    assert len(begins) == 1 + len(events) + 2 * len(calendar.walk("VTODO"))
    for event in events:
        assert set(event) <= EVENT and not event.subcomponents, set(event)
    for todo in calendar.walk("VTODO"):
        assert set(todo) <= TODO and [set(alarm) for alarm in todo.subcomponents] == [ALARM]
    expected = []
    for note in vault.notes_of_type("interview"):
        person = contact_of(vault, note)
        organization = person.frontmatter.get("organization") if person else None
        summary = f"Informational interview: {person.title if person else note.title}"
        expected.append(calendar_text(summary + (f" ({organization})" if organization else "")))
    assert sorted(str(event["SUMMARY"]) for event in events) == sorted(expected)
    assert sorted(str(event["LOCATION"]) for event in events if "LOCATION" in event) == sorted(
        calendar_text(FIELDS[(i + 2) % len(FIELDS)].strip()) for i in range(len(TITLES))
    )


VCARD = {"VERSION", "FN", "N", "ORG", "TITLE", "EMAIL", "TEL", "URL", "NOTE"}


def test_vcard_has_one_card_per_contact_and_no_injected_property(
    hostile: Path, tmp_path: Path
) -> None:
    text = exported(tmp_path, "vcard", str(hostile))
    assert len(re.findall(r"^BEGIN:", text, re.MULTILINE)) == len(TITLES) + 1
    for line in text.split("\r\n")[:-1]:
        assert CONTENT_LINE.match(line) and not CONTROL.search(line), repr(line)
    cards = list(vobject.readComponents(text))
    assert len(cards) == len(TITLES) + 1
    by_name = {}
    for card in cards:
        names = [child.name for child in card.getChildren()]
        assert set(names) <= VCARD and names.count("FN") == 1 and names.count("EMAIL") <= 1, names
        by_name[card.fn.value] = card
    for index, title in enumerate(TITLES):
        card = by_name[calendar_text(title)]
        assert card.org.value == [calendar_text(FIELDS[index % len(FIELDS)].strip())]
        assert card.email.value == calendar_text(f"a{index}@example.com\r\nBcc: evil@example.com")


# -- drafts --------------------------------------------------------------------------------------

TEMPLATE = (
    "Subject: Hello {{name}} of {{organization}}\n\n"
    "Dear {{first_name}},\n\n{{how_found}}\n\n{{my_name}}\n"
)


def test_draft_fills_names_on_one_line_and_mailto_is_one_address(make_vault) -> None:
    title = "Line\nbreak\rBcc: evil@example.com"
    referrer = "Return\r<!-- x -->\x1b(B %%"
    email = "a@example.com\r\nBcc: evil@example.com?cc=evil@example.com&body=x"
    root = make_vault(
        {
            f"contacts/{referrer}.md": contact(),
            f"contacts/{title}.md": contact(
                source="referral",
                referred_by=yaml_string(f"[[{referrer}]]"),
                organization=yaml_string("Org\nSubject: injected"),
                email=yaml_string(email),
            ),
            "templates/outreach.md": TEMPLATE,
        }
    )
    lines = run("draft", "outreach", title, "--vault", str(root)).split("\n")
    assert lines == [
        f"Subject: Hello {flat(title)} of Org Subject: injected",
        "",
        "Dear Line,",
        "",
        f"{flat(referrer)} suggested I get in touch with you.",
        "",
        "[Your name]",
        "",
    ]
    link = run("draft", "outreach", title, "--vault", str(root), "--mailto")
    assert link.endswith("\n") and not re.search(r"\s", link[:-1])
    parts = urlsplit(link[:-1])
    assert parts.scheme == "mailto" and unquote(parts.path) == flat(email)
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert sorted(query) == ["body", "subject"] and all(len(v) == 1 for v in query.values())
    assert query["subject"] == [lines[0].removeprefix("Subject: ")]
    assert query["body"] == ["\r\n".join(lines[2:])]


def test_thank_you_names_suggested_people_on_one_line(make_vault) -> None:
    pending = "Pending\r\x1b(B <!-- -->"
    root = make_vault(
        {
            "contacts/Ann.md": contact(),
            "interviews/2026-10-01 Ann.md": interview("Ann", referrals=yaml_links(pending)),
        }
    )
    text = run("draft", "thank-you", "Ann", "--vault", str(root), "--today", TODAY)
    assert f"suggesting I speak with {flat(pending)};" in text
    assert not CONTROL.search(text) and "\r" not in text


# -- lint ----------------------------------------------------------------------------------------


def lint(root: Path, output_format: str) -> str:
    return run("lint", str(root), "--no-cache", "--format", output_format, "--today", TODAY, code=1)


def escaped(text: str) -> str:
    return re.sub(
        "[\x00-\x1f\x7f-\x9f\u2028\u2029]",
        lambda m: m.group().encode("unicode_escape").decode("ascii"),
        text,
    )


def github_unescape(text: str) -> str:
    for escape, char in (("%3A", ":"), ("%2C", ","), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        text = text.replace(escape, char)
    return text


TEXT_RECORD = re.compile(r"^(.*):(\d+):(\d+): (error|warning|info) (VT\d+) \[([a-z-]+)\] (.*)$")
GITHUB_COMMAND = re.compile(
    r"^::(error|warning|notice) file=([^,:]*),line=(\d+),col=(\d+),title=([^,:]*)::(.*)$"
)


def test_lint_formats_have_one_record_per_diagnostic(hostile: Path) -> None:
    """A path or message with a line break, a CR, a control character or "::" is one
    record in every format: text shows escapes, github escapes what workflow commands
    read, and each parses back to what the JSON says."""
    found = json.loads(lint(hostile, "json"))
    paths = {item["path"] for item in found}
    assert {f"contacts/{TITLES[9]}.md", f"contacts/{TITLES[21]}.md"} <= paths
    text = lint(hostile, "text").split("\n")
    assert text[-1] == ""
    records = [line for line in text[:-1] if not line.startswith("    fix: ")]
    assert len(records) == len(found) and len(text) - 1 == len(found) + sum(
        1 for item in found if item.get("fix")
    )
    for line, item in zip(records, found, strict=True):
        match = TEXT_RECORD.match(line)
        assert match, line
        assert match.group(1) == escaped(item["path"])
        assert match.group(7) == escaped(item["message"])
    github = lint(hostile, "github").split("\n")
    assert github[-1] == "" and len(github) - 1 == len(found)
    for line, item in zip(github[:-1], found, strict=True):
        match = GITHUB_COMMAND.match(line)
        assert match, line
        # click drops ANSI escape sequences from what it prints to anything but a terminal.
        path = posixpath.normpath(posixpath.join(str(hostile), item["path"]))
        assert github_unescape(match.group(2)) == unstyle(path)
        fix = f" (fix: {item['fix']})" if item.get("fix") else ""
        assert github_unescape(match.group(6)) == unstyle(item["message"] + fix)


# -- any name, generated ------------------------------------------------------------------------

PIECES = [
    '"]',
    "</script>",
    "%%",
    "-->",
    "<!--",
    "`",
    "|",
    "[[",
    "]]",
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "=",
    "+",
    "-",
    "@",
    "\\",
    "#",
    "&#91;",
    "&amp;",
    "::",
    "$",
    "~~~",
    "<!-- vault-tools:end contacts -->",
    "\n<!-- vault-tools:end contacts -->\n",
]
texts = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), min_size=1, max_size=6
).map("".join)
TAKEN = {"plain person", "home", "2026-10-01 i"}


def file_name(text: str) -> str:
    """``text`` as a note's file name: no "/" or NUL, not hidden, not too long."""
    name = text.replace("/", "\u2215").replace("\x00", "\u2400")[:60]
    return "x" + name if name.startswith(".") or not name.strip() else name


names = texts.map(file_name).filter(
    lambda name: unicodedata.normalize("NFC", name).casefold() not in TAKEN
)
GENERATED = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def generated_vault(folder: str, name: str, value: str) -> Path:
    """A contact ``name`` (of organization ``value``) referred by REFERRER, whose interview
    names ``value`` as a referral, and a note with a contacts block."""
    return write_vault(
        Path(folder) / "vault",
        {
            f"contacts/{REFERRER}.md": contact(),
            f"contacts/{name}.md": contact(
                source="referral",
                referred_by=yaml_string(f"[[{REFERRER}]]"),
                organization=yaml_string(value),
            ),
            "interviews/2026-10-01 i.md": interview(REFERRER, referrals=yaml_links(value)),
            "Home.md": "<!-- vault-tools:begin contacts -->\n<!-- vault-tools:end contacts -->\n",
        },
    )


@given(name=names, value=texts)
@GENERATED
def test_any_name_is_one_mermaid_node_and_one_dot_node(name: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = generated_vault(folder, name, value)
        graph = referral_graph(Vault.load(root))
        assert graph.nodes[f"contacts/{name}"]["title"] == name
        assert_mermaid_matches(run("graph", str(root), "--format", "mermaid"), graph)
        dot = run("graph", str(root), "--format", "dot")
        assert_dot_matches(dot, graph)
        if shutil.which("dot"):
            labels, edges = graphviz_reads(dot)
            assert len(labels) == graph.number_of_nodes() and edges == graph.number_of_edges()


@given(name=names, value=texts)
@GENERATED
def test_any_name_and_field_is_one_markdown_table_row(name: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = generated_vault(folder, name, value)
        run("index", str(root), "--today", TODAY)
        content = blocks_of(root)["contacts"]
        assert_inert_markdown(content)
        rows = [table_cells(line) for line in [line for line in content.split("\n") if line][2:]]
        assert len(rows) == 2 and all(len(row) == 7 for row in rows)
        row = next(row for row in rows if row[0] != f"[[{REFERRER}]]")
        if row[0].startswith("[["):
            assert row[0] == f"[[{name}]]"
        else:
            assert unmarkdown(row[0]) == flat(name)
        assert unmarkdown(row[1]) == flat(value)
        home = Vault.load(root).notes["Home"]
        assert {link.target for link in home.links} <= {REFERRER, name}
        assert not home.tags and not home.block_ids
        run("index", str(root), "--today", TODAY, "--check")


@given(name=names, value=texts)
@GENERATED
def test_any_name_and_field_is_one_csv_cell(name: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = generated_vault(folder, name, value)
        rows = read_csv(exported(Path(folder), "csv", "contacts", str(root)))
        assert len(rows) == 3 and len(rows[0]) == 13
        record = next(
            dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0] != REFERRER
        )
        assert record["name"] == csv_cell(name)
        assert record["organization"] == csv_cell(value)
        assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]
