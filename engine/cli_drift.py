"""``gristmill drift``: is the model still fit for this data? For people and for schedulers.

Exit codes (stable, for cron and Windows Task Scheduler; :mod:`engine.exit_codes`): 0 when
no drift at or above the ``--fail-on`` level (default: changed) was found, 1 when it was, 6
when the file was read but holds too few rows to judge (under 30), 2 for anything the user
can fix (bad model or data, a damaged history), 3 for an internal error. Ctrl-C stops with
130 and records nothing. ``--json -`` writes the JSON report to stdout (the summary for
people then goes to stderr). The check is kept in the history: the project given with
``--project``, else ``--history FILE``, else ``NAME.drift-history.json`` beside the model.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.cli_sources import add_data_arguments, data_source
from engine.errors import InputError
from engine.exit_codes import DRIFT_FOUND, NOT_JUDGED, OK, USER_ERROR

EXIT_STABLE = OK
EXIT_DRIFT = DRIFT_FOUND
EXIT_ERROR = USER_ERROR
EXIT_NOT_JUDGED = NOT_JUDGED


def add_commands(commands: Any, common: argparse.ArgumentParser | None = None) -> None:
    """Register ``drift`` on the main parser's subcommands."""
    drift = commands.add_parser(
        "drift",
        parents=[common] if common is not None else [],
        help="check new data for drift against an exported model (exit 1 when drift is found)",
        description=(
            "Compare DATA with the description of the training data stored inside the "
            "exported model: every column and the model's scores, with effect size and a "
            "statistical test, plus missing values, unknown categories and values outside "
            "the training range. Exits 0 when stable, 1 when drift is found, 6 when there "
            "are too few rows to judge, 2 on bad input, 3 on an internal error."
        ),
    )
    drift.add_argument("model", metavar="MODEL.onnx", help="the model exported by Gristmill")
    add_data_arguments(drift, "check")
    drift.add_argument("--report", metavar="FILE.html", help="write the report for people")
    drift.add_argument("--json", metavar="FILE.json", dest="json_out",
                       help="write the report for machines ('-': to stdout)")
    where = drift.add_mutually_exclusive_group()
    where.add_argument("--history", metavar="FILE",
                       help="history file (default: NAME.drift-history.json beside the model)")
    where.add_argument("--project", metavar="FILE.gristmill",
                       help="keep the history in this project file instead")
    where.add_argument("--no-history", action="store_true", help="do not record this check")
    drift.add_argument(
        "--fail-on", choices=("changed", "major"), default="changed",
        help="the level that makes the exit code 1 (default: changed)",
    )
    drift.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="change a threshold of the drift rule, e.g. --set psi_changed=0.15 "
        "(names: see the README's Monitor section)",
    )
    drift.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    drift.set_defaults(handler=run_drift)


def run_drift(args: argparse.Namespace) -> int:
    from engine import api
    from engine.cli import _StderrProgress
    from engine.cli_score import _on_ctrl_c
    from engine.jobs import CancelToken
    from engine.monitor.report import MAJOR, SEVERITY, TOO_FEW
    from engine.monitor.settings import DriftSettings

    settings = DriftSettings.from_dict(_settings(args.set))
    _refuse_clobber(args)
    source, password = data_source(args)
    project = api.open_project(args.project) if args.project else None
    progress = _StderrProgress(sys.stderr, enabled=not args.quiet)
    token = CancelToken()
    previous = _on_ctrl_c(lambda number, frame: token.cancel())
    to_stdout = args.json_out == "-"
    try:
        result = api.check_drift(
            args.model, source, project=project, history_path=args.history,
            record=not args.no_history, html_path=args.report,
            json_path=None if to_stdout else args.json_out,
            settings=settings, password=password, progress=progress, cancel=token,
        )
    finally:
        _on_ctrl_c(previous)
        progress.finish()
        if project is not None:
            project.close()
    report = result.report
    if to_stdout:
        from engine.project.store_drift import json_text

        sys.stdout.write(json_text(report.to_dict(), indent=2) + "\n")
        sys.stderr.write(format_result(result))
    else:
        sys.stdout.write(format_result(result))
    if report.level == TOO_FEW:
        return EXIT_NOT_JUDGED
    threshold = SEVERITY[MAJOR] if args.fail_on == "major" else 1
    return EXIT_DRIFT if SEVERITY[report.level] >= threshold else EXIT_STABLE


def _refuse_clobber(args: argparse.Namespace) -> None:
    """No output (report, JSON, history) may be the model, the data or the project."""
    from engine.cli_checks import file_location, refuse_clobber
    from engine.monitor.history import history_path_for

    history = None
    if not args.no_history and not args.project:
        history = args.history or history_path_for(args.model)
    refuse_clobber(
        {"--report": args.report, "--json": args.json_out, "the history": history},
        {"the model": args.model, "the data": file_location(args.location),
         "the project": args.project},
    )


def _settings(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set expects NAME=VALUE, not {pair!r}.",
                             "For example: --set psi_changed=0.15")
        values[name.strip()] = value.strip()
    return values


def format_result(result: Any) -> str:
    """The plain-text summary the command prints."""
    report = result.report
    lines = [f"{report.level_words.upper()}: {report.headline}", report.advice, ""]
    lines.append(f"Checked {report.rows:,} rows of {report.source} with {report.model} "
                 f"in {report.seconds:.1f} s.")
    if report.performance is not None:
        lines.append(f"Performance: {report.performance.sentence}.")
    elif report.estimate is not None:
        lines.append(f"Performance (no labels): {report.estimate.sentence}.")
    if report.outcome is not None:
        lines.append(f"Outcomes: {report.outcome.sentence}.")
    if report.scores is not None and report.scores.findings:
        lines.append(f"Model scores ({report.scores.status}): "
                     + "; ".join(report.scores.findings) + ".")
    flagged = report.flagged_columns()
    if flagged:
        lines.append("Columns that changed (most important first):")
        for column in sorted(flagged, key=lambda c: (-c.weight, c.name)):
            problems = [column.status] if column.status in ("changed", "major") else []
            problems += list(column.integrity)
            lines.append(f"  - {column.name} [{', '.join(problems)}; "
                         f"{column.weight:.0%} of importance]: " + "; ".join(column.findings))
    newer = [c for c in report.columns if c.newer_period]
    for column in newer:
        lines.append(f"Newer period in {column.name}: " + "; ".join(column.findings) + ".")
    if report.notes:
        lines.append("Notes:")
        lines.extend(f"  - {note}" for note in report.notes)
    if result.stored_in:
        lines.append(f"Recorded in {result.stored_in} ({len(result.history)} check(s) so far).")
    for label, path in (("Report", result.html_path), ("JSON", result.json_path)):
        if path is not None:
            lines.append(f"{label}: {path}")
    return "\n".join(lines) + "\n"
