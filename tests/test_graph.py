"""The referral graph: edges, pending people, filters, questions and every format parsed back."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLE_VAULT, contact, interview
from vault_tools.cli import cli
from vault_tools.graph import (
    ROOT,
    GraphFilter,
    filter_graph,
    longest_chain,
    paths_to,
    reach_sizes,
    referral_graph,
    referral_stats,
    roots,
)
from vault_tools.render import graph as views
from vault_tools.vault import Vault

EXAMPLE_EDGES = {
    ("contacts/Maya Chen", "contacts/Jordan Alvarez"),
    ("contacts/Jordan Alvarez", "contacts/Lena Fischer"),
    ("contacts/Lena Fischer", "contacts/Tomas Reyes"),
    ("contacts/Ruth Abernathy", "contacts/Daniel Osei"),
    ("contacts/Daniel Osei", "contacts/Hannah Brooks"),
    ("contacts/Hannah Brooks", "contacts/Marcus Webb"),
    ("contacts/Sofia Marquez", "contacts/Nadia Petrova"),
    ("contacts/Denise Okafor", "Priya Raman"),
}


@pytest.fixture(scope="module")
def example() -> Vault:
    return Vault.load(EXAMPLE_VAULT)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_example_vault_edges(example):
    graph = referral_graph(example)
    assert set(graph.edges) == EXAMPLE_EDGES
    assert graph.nodes["Priya Raman"]["pending"] is True
    maya = graph.nodes["contacts/Maya Chen"]
    assert maya["title"] == "Maya Chen" and maya["source"] == "alumni-directory"
    assert {"organization", "field", "status", "source"} <= set(maya)


def test_an_edge_stated_twice_records_both_notes(example):
    edge = referral_graph(example).edges["contacts/Maya Chen", "contacts/Jordan Alvarez"]
    assert edge["notes"] == ["contacts/Jordan Alvarez", "interviews/2026-09-17 Maya Chen"]
    assert sorted(edge["via"]) == ["referrals", "referred_by"]
    assert edge["date"] == "2026-09-17T15:30"


def test_root_groups_self_found_contacts_by_source(example):
    graph = referral_graph(example, include_root=True)
    assert "@source:alumni-directory" in graph.successors(ROOT)
    assert list(graph.successors("@source:alumni-directory")) == ["contacts/Maya Chen"]
    # people someone referred hang under their referrer, not under the root
    assert not graph.has_edge("@source:referral", "contacts/Jordan Alvarez")


def vault_with_cycle(make_vault):
    return Vault.load(
        make_vault(
            {
                "A.md": contact(source="referral", referred_by='"[[B]]"'),
                "B.md": contact(source="referral", referred_by='"[[A]]"'),
                "C.md": contact(source="referral", referred_by='"[[B]]"'),
            }
        )
    )


def test_cycles_do_not_hang_tree_path_or_stats(make_vault):
    vault = vault_with_cycle(make_vault)
    graph = referral_graph(vault)
    tree = views.to_tree(graph)
    assert "(see above)" in tree
    assert tree.count("\n") == 4  # A, B, A (see above), C
    assert paths_to(referral_graph(vault, include_root=True), "C")
    numbers = referral_stats(vault, graph)
    assert numbers["referrals"] == 3
    assert {item["id"] for item in numbers["longest_chain"]} == {"A", "B", "C"}


def test_pending_people_are_kept_with_the_name_as_written(make_vault):
    vault = Vault.load(
        make_vault(
            {
                "contacts/Ann.md": contact(),
                "interviews/i.md": interview("Ann", referrals='["[[Zoë Ng]]", "[[zoë ng]]"]'),
                "contacts/Bo.md": contact(source="referral", referred_by='"[[Zoë Ng]]"'),
            }
        )
    )
    graph = referral_graph(vault)
    assert graph.nodes["Zoë Ng"]["kind"] == "pending"
    assert set(graph.edges) == {("contacts/Ann", "Zoë Ng"), ("Zoë Ng", "contacts/Bo")}


def test_filters(example):
    graph = referral_graph(example)
    from_jordan = filter_graph(graph, GraphFilter(start="contacts/Jordan Alvarez"))
    assert set(from_jordan) == {
        "contacts/Jordan Alvarez",
        "contacts/Lena Fischer",
        "contacts/Tomas Reyes",
    }
    one_hop = filter_graph(graph, GraphFilter(start="contacts/Jordan Alvarez", depth=1))
    assert set(one_hop) == {"contacts/Jordan Alvarez", "contacts/Lena Fischer"}
    ux = filter_graph(graph, GraphFilter(field="ux research"))
    assert ux.number_of_nodes() > 0
    assert all(data["field"] == "UX research" for _, data in ux.nodes(data=True))
    thanked = filter_graph(graph, GraphFilter(status="thanked"))
    assert all(data["status"] == "thanked" for _, data in thanked.nodes(data=True))
    roots_only = filter_graph(graph, GraphFilter(depth=0))
    assert roots_only.number_of_edges() == 0
    assert "contacts/Maya Chen" in roots_only and "contacts/Jordan Alvarez" not in roots_only


def test_longest_chain(example):
    chain = longest_chain(referral_graph(example))
    assert len(chain) == 4
    assert chain[0] in ("contacts/Maya Chen", "contacts/Ruth Abernathy")


# -- formats parsed back ------------------------------------------------------------------


def test_json_is_node_link_data_with_edges_key(example):
    data = json.loads(views.to_json(referral_graph(example)))
    assert "edges" in data
    back = nx.node_link_graph(data, edges="edges")
    assert set(back.edges) == EXAMPLE_EDGES


def test_graphml_and_gexf_read_back(example):
    graph = referral_graph(example)
    graphml = nx.read_graphml(io.BytesIO(views.to_graphml(graph).encode("utf-8")))
    gexf = nx.read_gexf(io.BytesIO(views.to_gexf(graph).encode("utf-8")))
    for back in (graphml, gexf):
        assert set(back.edges) == EXAMPLE_EDGES
    assert graphml.nodes["contacts/Maya Chen"]["title"] == "Maya Chen"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_dot_is_read_by_graphviz(example):
    source = views.to_dot(referral_graph(example, include_root=True))
    result = subprocess.run(
        ["dot", "-Tplain"], input=source.encode(), capture_output=True, check=True
    )
    edges = [line for line in result.stdout.decode().splitlines() if line.startswith("edge ")]
    assert len(edges) == referral_graph(example, include_root=True).number_of_edges()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_and_png_are_drawn(tmp_path):
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    assert run("graph", str(EXAMPLE_VAULT), "--format", "svg", "-o", str(svg)).exit_code == 0
    assert run("graph", str(EXAMPLE_VAULT), "--format", "png", "-o", str(png)).exit_code == 0
    assert ET.parse(svg).getroot().tag.endswith("svg")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_svg_needs_a_file():
    result = run("graph", str(EXAMPLE_VAULT), "--format", "svg")
    assert result.exit_code == 2 and "-o" in result.stderr


def test_svg_without_graphviz_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = run("graph", str(EXAMPLE_VAULT), "--format", "svg", "-o", str(tmp_path / "g.svg"))
    assert result.exit_code == 2
    assert "apt install graphviz" in result.stderr


# -- Mermaid ----------------------------------------------------------------------------------

MERMAID_NODE = re.compile(r'^    (n[0-9a-f]{10})(?:\["([^"]*)"\]|\(\["([^"]*)"\]\))$')
MERMAID_EDGE = re.compile(r"^    (n[0-9a-f]{10}) (-->|-\.->) (n[0-9a-f]{10})$")
MERMAID_CLASS = re.compile(r"^    class (n[0-9a-f]{10}(?:,n[0-9a-f]{10})*) [a-z-]+;$")


def assert_valid_mermaid(text: str) -> list[str]:
    """Every line is a node, an edge, a class line or the header; returns the labels."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    labels = []
    for line in lines[1:]:
        node = MERMAID_NODE.match(line)
        if node:
            labels.append(node.group(2) if node.group(2) is not None else node.group(3))
            continue
        assert (
            MERMAID_EDGE.match(line)
            or MERMAID_CLASS.match(line)
            or line == "    classDef pending stroke-dasharray: 5 5;"
        ), line
    return labels


def test_example_mermaid_is_valid_and_clickable(example):
    text = views.to_mermaid(referral_graph(example, include_root=True))
    labels = assert_valid_mermaid(text)
    assert "Maya Chen" in labels
    assert "internal-link;" in text


def test_mermaid_ids_are_stable_across_runs_and_vaults(example, make_vault):
    first = views.to_mermaid(referral_graph(example))
    assert first == views.to_mermaid(referral_graph(Vault.load(EXAMPLE_VAULT)))
    other = Vault.load(make_vault({"contacts/Maya Chen.md": contact()}))
    assert views.mermaid_id("contacts/Maya Chen") in views.to_mermaid(referral_graph(other))


@given(st.text(min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_name_yields_an_escaped_mermaid_label(name):
    label = views.mermaid_label(name)
    entity = re.compile(r"#(\d+|quot|lt|gt|amp);")
    assert not set(entity.sub("", label)) & set('"#[]{}()<>|;`\\\n\r')
    named = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
    decoded = entity.sub(lambda m: named.get(m.group(1)) or chr(int(m.group(1))), label)
    assert decoded == " ".join(name.split())


def test_hostile_names_stay_valid_mermaid(make_vault):
    names = [
        'Quote "Q" Person',
        "Bracket [x] {y} (z)",
        "Hash #1; semi",
        "Pipe | < > ok",
        "Emoji 🚀 Person",
        "Ünïcödé 名前 Имя",
        "end",
        "A & B",
    ]
    vault = Vault.load(make_vault({f"contacts/{n}.md": contact() for n in names}))
    labels = assert_valid_mermaid(views.to_mermaid(referral_graph(vault)))
    assert len(labels) == len(names)


def test_mermaid_edge_limit(example):
    graph = referral_graph(example)
    with pytest.raises(views.TooManyEdges, match="--from"):
        views.to_mermaid(graph, max_edges=3)
    result = run("graph", str(EXAMPLE_VAULT), "--max-edges", "3")
    assert result.exit_code == 2 and "--from" in result.stderr and result.stdout == ""


# -- CLI ----------------------------------------------------------------------------------


def test_graph_formats_through_the_cli(tmp_path):
    for output_format in ("mermaid", "dot", "json", "graphml", "gexf", "tree"):
        result = run("graph", str(EXAMPLE_VAULT), "--format", output_format)
        assert result.exit_code == 0, (output_format, result.output)
        assert result.stdout.strip()
    out = tmp_path / "g.json"
    assert run("graph", str(EXAMPLE_VAULT), "--format", "json", "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["edges"]


def test_from_matches_title_alias_or_id_case_insensitively():
    for name in ("maya chen", "contacts/Maya Chen", "Maya"):
        result = run("graph", str(EXAMPLE_VAULT), "--from", name, "--format", "tree")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Maya Chen")


def test_from_with_no_match_lists_candidates():
    result = run("graph", str(EXAMPLE_VAULT), "--from", "Maya Chn")
    assert result.exit_code == 2
    assert "contacts/Maya Chen" in result.stderr


def test_from_with_several_matches_is_exit_2(make_vault):
    root = make_vault({"a/Sam Lee.md": contact(), "b/Sam Lee.md": contact()})
    result = run("graph", str(root), "--from", "sam lee")
    assert result.exit_code == 2
    assert "a/Sam Lee" in result.stderr and "b/Sam Lee" in result.stderr


def test_path_prints_one_hop_per_line_with_notes_and_dates():
    result = run("path", "tomas reyes", "--vault", str(EXAMPLE_VAULT))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Me", "  -> alumni-directory", "  -> Maya Chen"]
    assert lines[-1] == (
        "  -> Tomas Reyes  (contacts/Tomas Reyes, interviews/2026-11-12 Lena Fischer, 2026-11-12)"
    )


def test_path_finds_the_vault_upwards(monkeypatch):
    monkeypatch.chdir(EXAMPLE_VAULT / "contacts")
    result = run("path", "Marcus Webb")
    assert result.exit_code == 0, result.output
    assert "Hannah Brooks" in result.stdout


def test_path_all_prints_every_chain(make_vault):
    root = make_vault(
        {
            "A.md": contact(source="family"),
            "B.md": contact(source="friend"),
            "C.md": contact(source="referral", referred_by='"[[A]]"'),
            "i.md": interview("B", referrals='["[[C]]"]'),
        }
    )
    result = run("path", "C", "--vault", str(root), "--all")
    assert result.exit_code == 0
    assert result.stdout.count("  -> C") == 2
    shortest = run("path", "C", "--vault", str(root))
    assert shortest.stdout.count("  -> C") == 1


def test_stats_text_and_json():
    result = run("stats", str(EXAMPLE_VAULT), "--format", "json", "--today", "2026-12-01")
    assert result.exit_code == 0
    numbers = json.loads(result.stdout)
    assert numbers["contacts"] == 16 and numbers["pending"] == 1 and numbers["referrals"] == 8
    assert numbers["interviewed"] == 10  # the 2026-12-08 interview has not happened yet
    assert [item["title"] for item in numbers["longest_chain"]] == [
        "Maya Chen",
        "Jordan Alvarez",
        "Lena Fischer",
        "Tomas Reyes",
    ]
    assert {item["title"] for item in numbers["referred_not_contacted"]} == {
        "Priya Raman",
        "Nadia Petrova",
    }
    assert numbers["sources"]["linkedin"] == {"contacts": 1, "interviewed": 0}
    assert sum(numbers["people_interviewed_per_field"].values()) == 10
    text = run("stats", str(EXAMPLE_VAULT), "--today", "2026-12-01").stdout
    assert "Longest referral chain (4 people)" in text


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40))
@settings(max_examples=200, deadline=None)
def test_reach_sizes_match_descendants_on_any_graph(edges):
    graph = nx.DiGraph()
    for node in range(13):
        graph.add_node(str(node), kind="contact")
    graph.add_edges_from((str(a), str(b)) for a, b in edges)
    sizes = reach_sizes(graph)
    for node in graph:
        assert sizes[node] == len(nx.descendants(graph, node) - {node})
    reached = set()
    for root in roots(graph):
        reached |= {root} | nx.descendants(graph, root)
    assert reached == set(graph)
