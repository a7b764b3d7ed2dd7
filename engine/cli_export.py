"""``gristmill export``: write a stored run's model package (ONNX, metadata, golden, card).

Exit codes: 0 exported; 2 bad input (no project, no such run, a folder that cannot be
written); 4 the export was refused because the parity gate failed (the message names the
recipe step and rows); 3 a bug.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli_checks import at_least_one
from engine.errors import InputError

EXIT_REFUSED = 4


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``export`` on the main parser's subcommands."""
    export = commands.add_parser(
        "export",
        parents=[common],
        help="export a trained run as one ONNX file with its metadata, golden rows and card",
        description=(
            "Convert a stored run's whole pipeline to ONNX, check that it predicts exactly what "
            "the trained model predicts (the parity gate), and write NAME.onnx, NAME.model.json, "
            "NAME.golden.csv and NAME.card.md into the output folder."
        ),
    )
    export.add_argument("--project", type=Path, required=True, metavar="P")
    export.add_argument(
        "--run", type=at_least_one, metavar="R", help="run number (default: latest)"
    )
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    export.add_argument("--name", help="model name (default: table-target-runN)")
    export.add_argument(
        "--force", action="store_true",
        help="replace files of the same names in --out that Gristmill did not write",
    )
    export.add_argument("--json", action="store_true", help="print JSON instead of text")
    export.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from engine import api
    from engine.cli import EXIT_OK, _StderrProgress
    from engine.errors import ExportError, ProjectError

    if not args.project.exists():
        raise InputError(
            f"There is no project file at {args.project}.",
            "Train with --project first, or check the path.",
        )
    if args.name is not None:
        from engine.export.package import safe_name

        safe_name(args.name)  # a name that cannot be a file name is refused before any work
    if args.out.exists() and not args.out.is_dir():  # refused before the long conversion
        raise InputError(
            f"The folder {str(args.out)!r} cannot be created: a file of that name is there.",
            "Choose a folder for --out (it is created if missing).",
        )
    progress = _StderrProgress(sys.stderr, enabled=not args.quiet)
    project = api.open_project(args.project)
    try:
        result = api.export_model(
            project, args.run, args.out, name=args.name, progress=progress, force=args.force
        )
    except ExportError as error:
        progress.finish()
        sys.stderr.write(f"gristmill: export refused: {error}\n")
        return EXIT_REFUSED
    except ProjectError as error:  # e.g. no such run: the user typed it, so it is input
        raise InputError(error.message, error.hint) from None
    finally:
        project.close()
    progress.finish()
    if args.json:
        import json

        document = {
            "run_id": result.run_id,
            "export_id": result.export_id,
            "files": {role: str(path) for role, path in _roles(result.files).items()},
            "parity": result.exported.parity.to_dict(),
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    out = sys.stdout
    out.write(f"Exported run {result.run_id} as {result.exported.metadata.name!r}\n")
    out.write(f"{result.files.parity}\n")
    for role, path in _roles(result.files).items():
        out.write(f"  {role:<9} {path}\n")
    if result.files.golden_raw_note:
        out.write(f"No raw golden rows: {result.files.golden_raw_note}.\n")
    return EXIT_OK


def _roles(files: Any) -> dict[str, Path]:
    roles = {
        "model": files.model,
        "metadata": files.metadata,
        "golden": files.golden,
        "card": files.card,
    }
    if files.golden_raw is not None:
        roles["golden_raw"] = files.golden_raw
    return roles
