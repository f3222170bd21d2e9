"""vault-tools: a vault of informational-interview notes, parsed, checked and drawn."""

__version__ = "0.1.0"
