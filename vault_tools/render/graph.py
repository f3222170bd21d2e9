"""The referral graph as Mermaid, Graphviz DOT, a terminal tree, JSON, GraphML and GEXF.

Every function takes a graph from ``vault_tools.graph.referral_graph`` and returns text.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import TYPE_CHECKING, Any

from vault_tools.render.text import one_line

if TYPE_CHECKING:
    import networkx as nx

MERMAID_MAX_EDGES = 500
"""Mermaid refuses to render more edges than this by default (its maxEdges setting)."""


FORMATS = ("mermaid", "dot", "json", "graphml", "gexf", "tree", "svg", "png")
PICTURE_FORMATS = ("svg", "png")


class TooManyEdges(ValueError):
    """The diagram would exceed Mermaid's edge limit; a filter is needed."""


class GraphvizError(RuntimeError):
    """Graphviz is missing or failed; the message says how to go on."""


def render_graph(
    graph: nx.DiGraph[str], output_format: str, *, max_edges: int = MERMAID_MAX_EDGES
) -> str:
    """``graph`` as text in one of the text formats (every format but svg and png)."""
    renderers = {
        "mermaid": lambda: to_mermaid(graph, max_edges=max_edges),
        "dot": lambda: to_dot(graph),
        "json": lambda: to_json(graph),
        "graphml": lambda: to_graphml(graph),
        "gexf": lambda: to_gexf(graph),
        "tree": lambda: to_tree(graph),
    }
    return renderers[output_format]()


def draw_with_graphviz(graph: nx.DiGraph[str], output_format: str) -> bytes:
    """``graph`` drawn as svg or png by Graphviz's ``dot`` (the caller saves the bytes,
    so that a failed drawing never leaves half a picture behind)."""
    import shutil
    import subprocess

    executable = shutil.which("dot")
    if executable is None:
        raise GraphvizError(
            "Graphviz's `dot` is not installed, so svg and png cannot be drawn. Install it "
            "(Debian/Ubuntu: sudo apt install graphviz; macOS: brew install graphviz; "
            "Windows: winget install graphviz), or use --format dot or mermaid."
        )
    result = subprocess.run(
        [executable, f"-T{output_format}"],
        input=to_dot(graph).encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise GraphvizError(f"Graphviz failed: {result.stderr.decode('utf-8', 'replace').strip()}")
    return result.stdout


# -- Mermaid ---------------------------------------------------------------------------

_MERMAID_ESCAPES = {
    '"': "#quot;",
    "#": "#35;",
    ";": "#59;",
    "|": "#124;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "(": "#40;",
    ")": "#41;",
    "`": "#96;",
    "&": "#amp;",
    "\\": "#92;",
    "%": "#37;",
    # Before parsing, Mermaid drops the last ";" of any line matching `style.*:\S*#.*;` or
    # `classDef.*:\S*#.*;` (so "style a:(b)" became "style a:(b#41"), and it turns
    # "fa:fa-NAME" into an icon, losing the text: with no ":" in a label neither can match.
    ":": "#58;",
}


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def mermaid_label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label: entity codes for every special character,
    for the ":" that Mermaid's own preprocessing would misread (see the table) and for
    control characters; whitespace, line breaks included, becomes single spaces."""
    flat = " ".join(text.split())
    escaped = "".join(_MERMAID_ESCAPES.get(char, char) for char in flat)
    return _CONTROL.sub(lambda match: f"#{ord(match.group())};", escaped)


def mermaid_id(node: str) -> str:
    """A node id that depends only on the node's own id, so diagrams diff cleanly."""
    return "n" + hashlib.sha1(node.encode("utf-8")).hexdigest()[:10]


def to_mermaid(graph: nx.DiGraph[str], *, max_edges: int = MERMAID_MAX_EDGES) -> str:
    """A ``flowchart`` that Obsidian and GitHub render; a click on a contact opens its note.

    Raises TooManyEdges above ``max_edges``.
    """
    if graph.number_of_edges() > max_edges:
        raise TooManyEdges(
            f"the graph has {graph.number_of_edges()} edges, more than Mermaid renders "
            f"({max_edges}); narrow it with --from NAME, --depth N, --organization, --field "
            "or --status, or use --format dot, svg or gexf"
        )
    ids = {node: mermaid_id(node) for node in graph}
    lines = ["flowchart LR"]
    for node in sorted(graph):
        data = graph.nodes[node]
        label = mermaid_label(str(data.get("title", node)))
        shape = '(["{0}"])' if data.get("kind") in ("root", "source") else '["{0}"]'
        lines.append(f"    {ids[node]}{shape.format(label)}")
    for referrer, referred in sorted(graph.edges):
        arrow = "-.->" if graph.nodes[referrer].get("kind") in ("root", "source") else "-->"
        lines.append(f"    {ids[referrer]} {arrow} {ids[referred]}")
    for kind, css_class in (("contact", "internal-link"), ("pending", "pending")):
        members = sorted(
            ids[node] for node, data in graph.nodes(data=True) if data.get("kind") == kind
        )
        if members:
            lines.append(f"    class {','.join(members)} {css_class};")
    lines.append("    classDef pending stroke-dasharray: 5 5;")
    return "\n".join(lines) + "\n"


# -- Graphviz ---------------------------------------------------------------------------


def dot_string(text: str) -> str:
    """``text`` as a quoted DOT string; characters that SVG (XML) cannot hold, which
    Graphviz would copy into the SVG it draws, become U+FFFD."""
    escaped = _xml_safe(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(graph: nx.DiGraph[str]) -> str:
    lines = ["digraph referrals {", "    rankdir=LR;", "    node [shape=box, style=rounded];"]
    for node in sorted(graph):
        data = graph.nodes[node]
        attributes = [f"label={dot_string(str(data.get('title', node)))}"]
        if data.get("kind") == "pending":
            attributes.append('style="rounded,dashed"')
        elif data.get("kind") in ("root", "source"):
            attributes.append("shape=ellipse")
        lines.append(f"    {dot_string(_xml_safe_id(node))} [{', '.join(attributes)}];")
    for referrer, referred in sorted(graph.edges):
        data = graph.edges[referrer, referred]
        attributes = []
        if data.get("date"):
            attributes.append(f"label={dot_string(str(data['date']))}")
        if graph.nodes[referrer].get("kind") in ("root", "source"):
            attributes.append("style=dotted")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        ends = f"{dot_string(_xml_safe_id(referrer))} -> {dot_string(_xml_safe_id(referred))}"
        lines.append(f"    {ends}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- terminal tree ------------------------------------------------------------------------


def to_tree(graph: nx.DiGraph[str]) -> str:
    """An indented tree from each root; a person seen before is marked, not repeated."""
    from vault_tools.graph import roots

    lines: list[str] = []
    seen: set[str] = set()
    for root in roots(graph):
        if root in seen:
            continue
        lines.append(_tree_label(graph, root))
        seen.add(root)
        # Iterative depth-first walk: referral chains can be long, and cycles must not hang.
        stack: list[tuple[str, str, bool]] = [
            (child, "", index == 0) for index, child in enumerate(_children(graph, root)[::-1])
        ]
        while stack:
            node, indent, last = stack.pop()
            branch = "└── " if last else "├── "
            if node in seen:
                lines.append(f"{indent}{branch}{_tree_label(graph, node)} (see above)")
                continue
            seen.add(node)
            lines.append(f"{indent}{branch}{_tree_label(graph, node)}")
            children = _children(graph, node)
            deeper = indent + ("    " if last else "│   ")
            for index, child in enumerate(reversed(children)):
                stack.append((child, deeper, index == 0))
    return "".join(line + "\n" for line in lines)


def _children(graph: nx.DiGraph[str], node: str) -> list[str]:
    return sorted(graph.successors(node), key=lambda n: (str(graph.nodes[n].get("title")), n))


def _tree_label(graph: nx.DiGraph[str], node: str) -> str:
    data = graph.nodes[node]
    title = one_line(str(data.get("title", node)))
    if data.get("kind") == "pending":
        return f"{title} (no note yet)"
    if data.get("kind") == "source":
        return f"[{title}]"
    details = [one_line(str(data[key])) for key in ("organization", "status") if data.get(key)]
    return f"{title} ({', '.join(details)})" if details else title


# -- data formats ---------------------------------------------------------------------------


def to_json(graph: nx.DiGraph[str]) -> str:
    """networkx node-link data, edges under the key ``edges``."""
    import networkx as nx

    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def to_graphml(graph: nx.DiGraph[str]) -> str:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_graphml(_flat(graph), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


def to_gexf(graph: nx.DiGraph[str]) -> str:
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_gexf(_flat(graph), buffer, encoding="utf-8")
    return buffer.getvalue().decode("utf-8")


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: replace them."""
    return _XML_INVALID.sub("\ufffd", text)


def _xml_safe_id(node: str) -> str:
    """``node`` as an id XML can hold: unchanged if it can, else ``_xml_safe`` and a short
    hash of the original, so that ids differing only in such characters stay apart."""
    safe = _xml_safe(node)
    if safe == node:
        return node
    digest = hashlib.sha1(node.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe} ~{digest}"


def _flat(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """A copy whose attributes GraphML and GEXF can hold: lists joined, empty values dropped,
    characters XML cannot hold replaced."""
    import networkx as nx

    flat = graph.copy()

    def simplify(attributes: dict[str, Any]) -> None:
        for key, value in list(attributes.items()):
            if value is None:
                del attributes[key]
            elif isinstance(value, (list, tuple)):
                attributes[key] = _xml_safe(", ".join(str(item) for item in value))
            elif isinstance(value, str) or not isinstance(value, (int, float, bool)):
                attributes[key] = _xml_safe(str(value))

    renamed = {node: _xml_safe_id(node) for node in flat if _xml_safe_id(node) != node}
    if renamed:
        flat = nx.relabel_nodes(flat, renamed)
    for _, attributes in flat.nodes(data=True):
        simplify(attributes)
    for _, _, attributes in flat.edges(data=True):
        simplify(attributes)
    return flat


# -- paths ----------------------------------------------------------------------------------


def paths_text(graph: nx.DiGraph[str], target: str, chains: list[list[Any]]) -> str:
    """Chains of hops (from ``vault_tools.graph.paths_to``), one hop per line."""
    blocks = []
    for chain in chains:
        if not chain:
            blocks.append(
                f"{one_line(str(graph.nodes[target]['title']))}: nobody leads here "
                "(no source and no referrer)\n"
            )
            continue
        lines = [one_line(str(graph.nodes[chain[0].referrer]["title"]))]
        for hop in chain:
            title = one_line(str(graph.nodes[hop.referred]["title"]))
            if graph.nodes[hop.referrer].get("kind") in ("root", "source"):
                lines.append(f"  -> {title}")
                continue
            when = f", {hop.date}" if hop.date else ""
            lines.append(f"  -> {title}  ({', '.join(one_line(n) for n in hop.notes)}{when})")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
