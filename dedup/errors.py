"""The project's exceptions: one base class, mapped to exit codes by the CLI."""


class DedupError(Exception):
    """Base class of every error newsdedup raises on purpose."""


class InputError(DedupError):
    """Bad input: a missing file, an unreadable file or a missing column (exit code 2)."""


class ConfigError(DedupError):
    """A bad configuration value or option combination (exit code 2)."""


class StateError(DedupError):
    """The state store is busy, corrupt or of an unknown version (exit code 2)."""
