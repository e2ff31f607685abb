"""The kit's one error family: what it cannot do, said in one line, with an exit status.

Every command maps a :class:`KitError` to its ``exit_status`` in one place
(``autograder/cli.py``); integrations catch these types, never read another process's
words. A :class:`Misuse` is the user's to fix (a bad path, option or config): status 2.
"""

from __future__ import annotations


class KitError(Exception):
    """Something the kit could not do (the message says what, for its reader)."""

    exit_status = 1


class Misuse(KitError, ValueError):
    """A bad path, option or config value: one line for the user, exit status 2."""

    exit_status = 2


class ConfigError(Misuse):
    """The config file is missing, not TOML, or lacks a field the kit needs."""


class SubmissionError(KitError):
    """The submission file cannot be read as code (the reason is for the student)."""


class SandboxUnavailable(KitError, RuntimeError):
    """No tier could run a child on this host (the reasons are in the message)."""


class ChecksError(KitError):
    """The checks could not run at all (not a verdict on the submission)."""


class DeadlinePassed(ChecksError):
    """Grading did not finish before its deadline (a submission that runs forever)."""


class FolderRefused(Misuse):
    """The output folder cannot be this run's: another run holds it, or it cannot be written."""


class ReleaseError(Misuse):
    """The release cannot be built, or would leak something hidden."""


class PackageError(Misuse):
    """The Gradescope zip cannot be written where asked (a folder is there)."""


class ExportError(Misuse):
    """The assignment cannot be exported (no reference, a stub it does not solve)."""


class NotGraded(KitError, RuntimeError):
    """An nbgrader test cell's checks could not run (no notebook, no hidden side here, no
    sandbox): the cell errors, so nbgrader gives it 0 and validate fails."""
