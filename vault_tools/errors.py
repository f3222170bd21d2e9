"""Exceptions the CLI turns into an exit code and a message: light to import.

ConfigError and VaultError end a command with exit 2; NotWritten with exit 1.
"""


class ConfigError(Exception):
    """A problem in the configuration; the message names the file and the key."""


class VaultError(Exception):
    """The vault cannot be opened at all (missing folder, not a folder)."""


class NotWritten(Exception):
    """A file could not be written (disk full, read-only, permissions); the message names
    it, and it was left as it was."""
