"""The error types sqlxy raises; the CLI maps them to exit codes."""

from __future__ import annotations


class SqlxyError(Exception):
    """A user error: bad spec, bad input, unreachable target. CLI exit code 1."""


class SpecError(SqlxyError):
    """A feature spec or project configuration that breaks a SPEC §3 rule."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 feature: str | None = None) -> None:
        self.file, self.line, self.feature, self.detail = file, line, feature, message
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        who = f"{feature}: " if feature else ""
        super().__init__(f"{where}{who}{message}")


class InputError(SqlxyError):
    """Rows handed to write/resolve that cannot be stored as they are."""


class TargetError(SqlxyError):
    """A target that cannot be reached or has no driver installed."""
