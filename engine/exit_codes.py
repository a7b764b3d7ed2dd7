"""Every exit code of the ``gristmill`` command, in one table (a contract for schedulers).

The README's "Exit codes" table is written from this one; a test keeps the two in step.
Codes 0-3 and 130 mean the same for every command; the others belong to one command each.
"""

from __future__ import annotations

OK = 0
DRIFT_FOUND = 1  # drift: drift at or above --fail-on was found
USER_ERROR = 2  # anything the user can fix: bad input, usage, a file that cannot be read
INTERNAL_ERROR = 3  # a bug in Gristmill, only ever a bug
EXPORT_REFUSED = 4  # export: the parity gate refused the model
NO_MODEL = 5  # train: no candidate produced any score, only the baseline was kept
NOT_JUDGED = 6  # drift: the file was read but holds too little to judge
INTERRUPTED = 130  # Ctrl-C (SIGINT): the work was cancelled, nothing half-written

MEANINGS: dict[int, str] = {
    OK: "success (drift: no drift at or above --fail-on)",
    DRIFT_FOUND: "drift: drift at or above --fail-on was found",
    USER_ERROR: "something the user can fix: bad input, usage, unreadable or unwritable file",
    INTERNAL_ERROR: "an internal error (a bug; please report it with the log)",
    EXPORT_REFUSED: "export: refused by the parity gate",
    NO_MODEL: "train: no candidate produced a score, only the baseline was kept",
    NOT_JUDGED: "drift: too little data to judge",
    INTERRUPTED: "interrupted (Ctrl-C); nothing was half-written",
}


def markdown_table() -> str:
    """The README's "Exit codes" table, written from :data:`MEANINGS`."""
    lines = ["| code | meaning |", "|---|---|"]
    lines += [f"| {code} | {meaning} |" for code, meaning in sorted(MEANINGS.items())]
    return "\n".join(lines) + "\n"
