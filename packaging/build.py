"""Build Gristmill's one-folder app with PyInstaller, and check it.

    python3 packaging/build.py [--self-test] [--python PY] [--out build]

1. Makes a build environment (``OUT/packaging-venv``; ``--fresh`` makes it again) with the
   app's runtime dependencies, LightGBM and PyInstaller (``pip install -e ".[packaging]"``),
   at the exact versions of ``packaging/constraints.txt``, so the bundle holds what users
   need and nothing a developer happens to have installed (test tools, DuckDB...), and a new
   library release cannot change it unnoticed. ``--python`` builds with an existing
   environment instead; ``--unpinned`` takes the newest versions, ``--freeze`` writes them
   to the constraints file.
2. Renders the application icon (resources/icons/gristmill.svg) to a PNG for the executables.
3. Runs ``packaging/gristmill.spec``: ``OUT/dist/Gristmill/`` (``Gristmill.app`` on macOS).
4. Adds the ``gristmill`` command line beside the window (a symlink on Linux and macOS; the
   spec builds a console ``gristmill.exe`` on Windows).
5. Checks the bundle has no dangling link; writes ``OUT/packaging-freeze.txt`` (what the
   environment held). Linux: adds the desktop entry, the icon and ``install.sh``, and packs
   ``OUT/Gristmill-VERSION-linux-ARCH.tar.gz`` (owner root, with its ``.sha256``).
6. Prints the bundle's size; with ``--self-test`` runs the frozen app's ``--self-test``, then
   the frozen ``gristmill drift`` on the model it exported (next quarter must exit 0, the
   shifted quarter 1), and fails if anything differs.

Exit code 0 when everything above worked. Windows installers and the macOS DMG are made
from this folder by packaging/windows/ and packaging/macos/ (see packaging/README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
import venv
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
APP_NAME = "Gristmill"
SAMPLE = ROOT / "resources" / "sample"
CONSTRAINTS = PACKAGING / "constraints.txt"
SELF_TEST_TIMEOUT = 1200
"""Seconds the frozen self-test may take (it ends itself after 900 s; about 30 s normally)."""
LINUX_FILES = ("gristmill.desktop", "install.sh", "uninstall.sh", "common.sh", "README-linux.txt")


def log(message: str) -> None:
    """A line of the build's own output (prefixed, so it stands out from PyInstaller's)."""
    print(f"[build] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> None:
    """Run ``command``, saying it first; raises CalledProcessError when it fails."""
    log("$ " + " ".join(str(part) for part in command))
    subprocess.run(command, check=True, **kwargs)


def venv_python(folder: Path) -> Path:
    """The Python of the virtual environment in ``folder``, on this system."""
    scripts = "Scripts" if sys.platform == "win32" else "bin"
    return folder / scripts / ("python.exe" if sys.platform == "win32" else "python")


def build_environment(out: Path, *, fresh: bool, pinned: bool) -> Path:
    """A virtual environment with the app and the packaging tools; returns its Python."""
    folder = out / "packaging-venv"
    python = venv_python(folder)
    if fresh and folder.exists():
        log(f"removing the old build environment {folder}")
        shutil.rmtree(folder)
    if not python.exists():
        log(f"making the build environment {folder}")
        venv.create(folder, with_pip=True)
    pins = ["-c", str(CONSTRAINTS)] if pinned else []
    run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins,
         "-e", f"{ROOT}[packaging]"])
    return python


def freeze(python: Path) -> str:
    """``pip freeze`` of the build environment, without the app itself."""
    result = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                            check=True, capture_output=True, text=True)
    return "".join(line + "\n" for line in result.stdout.splitlines()
                   if line and not line.startswith(("-e ", "#")))


def version_of(python: Path) -> str:
    """The app's version, as the build environment sees it."""
    result = subprocess.run([str(python), "-c", "import engine; print(engine.__version__)"],
                            check=True, capture_output=True, text=True, cwd=ROOT)
    return result.stdout.strip()


def folder_size(path: Path) -> int:
    """Bytes in ``path``, symlinks counted once (as links)."""
    return sum(item.lstat().st_size for item in path.rglob("*") if not item.is_dir()
               or item.is_symlink())


def app_folder(dist: Path) -> Path:
    """The folder holding the executables (inside the .app on macOS)."""
    if sys.platform == "darwin":
        return dist / f"{APP_NAME}.app" / "Contents" / "MacOS"
    return dist / APP_NAME


def add_command_line(folder: Path) -> None:
    """``gristmill`` beside ``gristmill-desktop``: the launcher picks the CLI by that name."""
    if sys.platform == "win32":
        return  # the spec built gristmill.exe, a console program
    link = folder / "gristmill"
    link.unlink(missing_ok=True)
    link.symlink_to("gristmill-desktop")


def dangling_links(bundle: Path) -> list[Path]:
    """Links in ``bundle`` whose target is missing (a file the spec left out)."""
    return [path for path in bundle.rglob("*") if path.is_symlink() and not path.exists()]


def add_linux_files(folder: Path) -> None:
    """The desktop entry, its icon and the per-user install scripts, beside the programs."""
    for name in LINUX_FILES:
        shutil.copy2(PACKAGING / "linux" / name, folder / name)
    shutil.copy2(ROOT / "resources" / "icons" / "gristmill.svg", folder / "gristmill.svg")
    for script in ("install.sh", "uninstall.sh"):
        (folder / script).chmod(0o755)


def make_tarball(folder: Path, out: Path, version: str) -> Path:
    """Pack ``folder`` as ``Gristmill-VERSION/`` and write its SHA-256 beside it.

    Every member is owned by root (uid 0), never by whoever built it: a ``sudo tar x`` into
    /opt must not leave files that some local account may rewrite.
    """
    machine = platform.machine().lower() or "unknown"
    archive = out / f"{APP_NAME}-{version}-linux-{machine}.tar.gz"
    log(f"packing {archive.name}")

    def owned_by_root(member: tarfile.TarInfo) -> tarfile.TarInfo:
        member.uid = member.gid = 0
        member.uname = member.gname = "root"
        return member

    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=f"{APP_NAME}-{version}", filter=owned_by_root)
    digest = hashlib.sha256()
    with archive.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    checksum = archive.with_name(archive.name + ".sha256")
    checksum.write_text(f"{digest.hexdigest()}  {archive.name}\n", encoding="utf-8")
    return archive


def self_test(folder: Path, work: Path) -> None:
    """Check the frozen app: its self-test, then its command line as a scheduler runs it.

    The command line must find the drift the self-test's model was trained without: exit 0
    on next quarter (stable) and 1 on the shifted quarter. Raises if anything differs.
    """
    suffix = ".exe" if sys.platform == "win32" else ""
    # The self-test runs its steps offscreen by itself, and checks the screen when there is
    # one (under Xvfb, for example): leave QT_QPA_PLATFORM as the caller has it.
    env = dict(os.environ)
    started = time.perf_counter()
    cli = str(folder / f"gristmill{suffix}")
    run([cli, "--version"], env=env)
    shutil.rmtree(work, ignore_errors=True)
    run([str(folder / f"gristmill-desktop{suffix}"), "--self-test", "--self-test-keep", str(work)],
        env=env, timeout=SELF_TEST_TIMEOUT)
    model = work / "model" / "churn.onnx"
    for data, expected in (("churn_next_quarter.csv", 0), ("churn_next_quarter_shifted.csv", 1)):
        command = [cli, "drift", str(model), str(SAMPLE / data), "--no-history", "--quiet"]
        log("$ " + " ".join(command))
        code = subprocess.run(command, env=env, timeout=SELF_TEST_TIMEOUT).returncode
        if code != expected:
            raise subprocess.CalledProcessError(code, command)
    log(f"frozen self-test and command line passed in {time.perf_counter() - started:.1f} s")
    shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build Gristmill's one-folder app.")
    parser.add_argument("--out", type=Path, default=ROOT / "build",
                        help="where the build environment, work files and results go")
    parser.add_argument("--python", type=Path,
                        help="build with this Python environment (it needs PyInstaller) "
                        "instead of a clean one made for the build")
    parser.add_argument("--self-test", action="store_true",
                        help="run the built app's --self-test afterwards")
    parser.add_argument("--fresh", action="store_true",
                        help="make the build environment again from nothing")
    parser.add_argument("--unpinned", action="store_true",
                        help="install the newest versions instead of packaging/constraints.txt")
    parser.add_argument("--environment-only", action="store_true",
                        help="make the clean build environment and stop (CI makes it first, "
                        "then builds with --python beside the test run)")
    parser.add_argument("--freeze", action="store_true",
                        help="write the build environment's versions to packaging/constraints.txt")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    # absolute(), not resolve(): resolving a venv's python symlink would leave the venv.
    python = (args.python.absolute() if args.python
              else build_environment(out, fresh=args.fresh, pinned=not args.unpinned))
    if args.environment_only:
        log(f"build environment ready: {python}")
        return 0
    versions = freeze(python)
    (out / "packaging-freeze.txt").write_text(versions, encoding="utf-8")
    if args.freeze:
        header = "".join(line + "\n" for line in CONSTRAINTS.read_text().splitlines()
                         if line.startswith("#"))
        CONSTRAINTS.write_text(header + versions, encoding="utf-8")
        log(f"wrote {CONSTRAINTS}")
    version = version_of(python)
    log(f"building Gristmill {version} with {python}")
    icon_dir = out / "icon"
    run([str(python), str(PACKAGING / "render_icon.py"), str(icon_dir / "gristmill.png")])
    dist = out / "dist"
    run([str(python), "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(out / "work"),
         str(PACKAGING / "gristmill.spec")],
        env=dict(os.environ, GRISTMILL_ICON_DIR=str(icon_dir), QT_QPA_PLATFORM="offscreen"),
        cwd=ROOT)
    folder = app_folder(dist)
    add_command_line(folder)
    bundle = dist / (f"{APP_NAME}.app" if sys.platform == "darwin" else APP_NAME)
    dangling = dangling_links(bundle)
    if dangling:
        log("FAILED: links to files the spec left out: "
            + ", ".join(str(path.relative_to(bundle)) for path in dangling))
        return 1
    log(f"built {bundle} in {time.perf_counter() - started:.0f} s: "
        f"{folder_size(bundle) / 2**20:.0f} MiB")
    if sys.platform.startswith("linux"):
        add_linux_files(folder)
        archive = make_tarball(folder, out, version)
        log(f"{archive}: {archive.stat().st_size / 2**20:.0f} MiB")
    if args.self_test:
        self_test(folder, out / "self-test")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:
        log(f"FAILED: {' '.join(str(part) for part in error.cmd)} exited with {error.returncode}")
        sys.exit(1)
    except subprocess.TimeoutExpired as error:
        log(f"FAILED: {' '.join(str(part) for part in error.cmd)} ran over {error.timeout:.0f} s")
        sys.exit(1)
