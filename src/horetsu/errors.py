"""Typed errors.

Every error horetsu raises on purpose derives from :class:`HoretsuError`; each
subclass also inherits the matching builtin so that callers who catch
``ValueError`` or ``FileNotFoundError`` keep working.  The CLI and the web layer
turn any ``HoretsuError`` into one friendly line (see ``horetsu.cli.app``).

An error may carry a bilingual message: pass ``ja=`` alongside the English text.
"""

from __future__ import annotations


class HoretsuError(Exception):
    """Root of all horetsu errors."""

    exit_code: int = 1

    def __init__(self, message: str, *, ja: str | None = None) -> None:
        super().__init__(message)
        self.message_en = message
        self.message_ja = ja or message

    def message(self, lang: str = "en") -> str:
        return self.message_ja if lang == "ja" else self.message_en


class ConfigError(HoretsuError, ValueError):
    """A setting, horetsu.toml or a policy file is invalid."""

    exit_code = 2


class WorkspaceError(HoretsuError, RuntimeError):
    """The workspace is missing, not initialised or damaged."""

    exit_code = 3


class InputFileError(HoretsuError, ValueError):
    """An input file cannot be read as a table (missing, not a table, wrong columns)."""

    exit_code = 4


class MissingFileError(InputFileError, FileNotFoundError):
    """An input file does not exist."""


class UnknownPresetError(InputFileError, LookupError):
    """An import preset name is not known."""


class AnalysisError(HoretsuError, ValueError):
    """Analytics cannot be computed on the given data (e.g. no orders)."""

    exit_code = 5


class NotFittedError(HoretsuError, AttributeError):
    """A model was used before ``fit``."""

    exit_code = 6


class ConvergenceError(HoretsuError, ArithmeticError):
    """A model fit did not converge."""

    exit_code = 6


class PolicyError(ConfigError):
    """A stage / tactic policy is invalid."""


class UnknownTacticError(HoretsuError, LookupError):
    """A tactic name is not in the catalogue."""

    exit_code = 7


class UnknownCustomerError(HoretsuError, LookupError):
    """An audience names customers that do not exist in the workspace."""

    exit_code = 7


class GateBlockedError(HoretsuError, RuntimeError):
    """A plan would reach customers a rule forbids."""

    exit_code = 8


class MailError(HoretsuError, RuntimeError):
    """Step mails cannot be planned or sent (see the subclasses)."""

    exit_code = 9


class SequenceError(MailError, ValueError):
    """A sequence file in WORKSPACE/sequences/ is invalid (names the file and key)."""


class TemplateError(MailError, ValueError):
    """A mail template is missing, uses an undefined variable or lacks the legal footer."""


class MailSettingsError(MailError, ValueError):
    """A ``[mail]`` setting needed before anything is sent is missing or invalid."""


class TokenError(MailError, ValueError):
    """An unsubscribe link is forged, damaged or not for this workspace."""
