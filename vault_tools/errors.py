"""Exceptions that end a command with exit 2: light to import, so the CLI can catch them."""


class ConfigError(Exception):
    """A problem in the configuration; the message names the file and the key."""


class VaultError(Exception):
    """The vault cannot be opened at all (missing folder, not a folder)."""
