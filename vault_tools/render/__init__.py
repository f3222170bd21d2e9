"""Views of the vault as text: pure functions from records to strings."""
