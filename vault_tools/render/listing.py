"""``vault-tools list``: the selected notes as a text table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from vault_tools.exporters import spreadsheet_safe
from vault_tools.model import Note
from vault_tools.query import field_value
from vault_tools.render.views import table
from vault_tools.rules.fields import json_value

FORMATS = ("text", "json", "csv")
COLUMNS = {
    "contacts": ("name", "status", "organization", "field", "source", "last_contact"),
    "interviews": ("date", "contact", "format", "thank_you_sent"),
}


def render_list(notes: Sequence[Note], kind: str, output_format: str) -> str:
    """``notes`` (of ``kind``: contacts or interviews) in ``output_format``."""
    columns = COLUMNS[kind]
    if output_format == "json":
        rows = [
            {"path": note.path, "name": note.title, **json_value(note.frontmatter)}
            for note in notes
        ]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if output_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*columns, "path"])
        for note in notes:
            writer.writerow(
                [spreadsheet_safe(field_value(note, column)) for column in columns]
                + [spreadsheet_safe(note.path)]
            )
        return out.getvalue()
    cells = [[json_value(field_value(note, column)) for column in columns] for note in notes]
    return (table(list(columns), cells) if cells else f"No {kind} match.") + "\n"
