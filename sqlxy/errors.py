"""The error types sqlxy raises; the CLI maps them to exit codes."""

from __future__ import annotations


class SqlxyError(Exception):
    """A user error: bad spec, bad input, unreachable target. CLI exit code 1.

    `param` names the API parameter at fault (`stale_if`, `samples`, `where`). The message names
    it once, as `stale_if=`, before any user text, so a caller with other names for it (the CLI's
    `--stale-if`) can say it in its own words with `naming`.
    """

    param: str | None = None

    def __init__(self, message: str = "", *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param

    def naming(self, names: dict[str, str]) -> str:
        """The message with the parameter called by its name in `names` (parameter → name)."""
        text = str(self)
        if self.param is None or self.param not in names:
            return text
        return text.replace(f"{self.param}=", f"{names[self.param]}=", 1)


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
