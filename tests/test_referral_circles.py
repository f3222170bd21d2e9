"""The referral-cycle rule's graph work, against networkx on random referral graphs:
the same groups of people who lead to each other, and the shortest circle in each."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from vault_tools.rules.contacts import _circles, _shortest_circle

PEOPLE = [f"p{number}" for number in range(9)]
LINKS = st.lists(
    st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE)).filter(lambda e: e[0] != e[1]),
    max_size=30,
    unique=True,
)


def successors_of(links: list[tuple[str, str]]) -> dict[str, list[str]]:
    successors: dict[str, list[str]] = {}
    for referrer, referred in links:
        successors.setdefault(referrer, []).append(referred)
    return successors


@settings(max_examples=400, deadline=None)
@given(links=LINKS)
def test_circles_and_their_shortest_ways_round_agree_with_networkx(links) -> None:
    graph = nx.DiGraph(links)
    successors = successors_of(links)
    expected = sorted(
        sorted(group) for group in nx.strongly_connected_components(graph) if len(group) > 1
    )
    found = _circles(successors)
    assert sorted(sorted(group) for group in found) == expected
    for group in found:
        start = min(group)
        people = _shortest_circle(successors, start, group)
        assert people[0] == people[-1] == start
        assert set(people) <= group
        assert all(graph.has_edge(a, b) for a, b in zip(people, people[1:], strict=False))
        shortest = min(
            nx.shortest_path_length(graph.subgraph(group), following, start) + 1
            for following in graph.successors(start)
            if following in group
        )
        assert len(people) - 1 == shortest


def test_a_long_chain_closed_into_one_circle_needs_no_recursion() -> None:
    people = [f"p{number}" for number in range(5000)]
    links = list(zip(people, people[1:] + people[:1], strict=True))
    (group,) = _circles(successors_of(links))
    assert group == set(people)
    assert _shortest_circle(successors_of(links), "p0", group) == [*people, "p0"]


def test_lint_reports_circles_without_loading_networkx(tmp_path) -> None:
    """networkx takes a tenth of a second to import: lint, which reports the circles, does
    without it (graph, which draws them, loads it)."""
    import subprocess
    import sys
    from pathlib import Path

    vault = Path(__file__).parent / "fixtures" / "rules" / "referral-cycle"
    code = (
        "import sys\n"
        "from vault_tools.cli import cli\n"
        f"try:\n    cli(['--no-cache', 'lint', {str(vault)!r}], prog_name='vault-tools')\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED=' + str('networkx' in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert "referral-cycle" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "LOADED=False"
