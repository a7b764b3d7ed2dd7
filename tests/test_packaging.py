"""The packaging scripts' own logic, without building (CI builds and self-tests the real app).

No Qt here: these run in the engine's Qt-free test environment too.
"""

from __future__ import annotations

import configparser
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"packaging_{name}", PACKAGING / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("argv0", "program"), [
    ("/opt/Gristmill/gristmill", "gristmill"),
    ("/opt/Gristmill/gristmill-desktop", "gristmill-desktop"),
    ("gristmill.exe", "gristmill"),
    ("Gristmill.app/Contents/MacOS/gristmill-desktop", "gristmill-desktop"),
])
def test_the_launcher_picks_the_program_by_the_name_it_was_started_as(
    argv0: str, program: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    launcher = load("launcher")
    monkeypatch.setattr(sys, "argv", [argv0])
    assert launcher._program() == program


def test_the_launcher_calls_freeze_support_before_any_of_the_app_is_imported() -> None:
    """A spawned training process in the frozen app must never open a second window."""
    source = (PACKAGING / "launcher.py").read_text()
    main_block = source[source.index('if __name__ == "__main__":'):]
    lines = [line.strip() for line in main_block.splitlines()]
    support = lines.index("multiprocessing.freeze_support()")
    first_app_import = min(i for i, line in enumerate(lines) if line.startswith("from "))
    assert support < first_app_import
    assert lines[1:support] == ["_streams_for_windowed_programs()"]


def test_a_windowed_program_gets_streams_it_can_write_to(monkeypatch: pytest.MonkeyPatch) -> None:
    launcher = load("launcher")
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    launcher._streams_for_windowed_programs()
    # What libraries call, and what raises on None: write, flush, fileno, isatty.
    assert sys.stdout.write("goes nowhere") == len("goes nowhere")
    sys.stderr.flush()
    assert sys.stderr.fileno() >= 0 and not sys.stdout.isatty()
    sys.stdout.close()
    sys.stderr.close()


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and shell scripts")
def test_the_command_line_is_a_link_to_the_desktop_program(tmp_path: Path) -> None:
    build = load("build")
    (tmp_path / "gristmill-desktop").write_text("#!/bin/sh\n")
    build.add_command_line(tmp_path)
    build.add_command_line(tmp_path)  # a second build replaces the link
    link = tmp_path / "gristmill"
    assert link.is_symlink() and os.readlink(link) == "gristmill-desktop"


def fake_bundle(folder: Path) -> Path:
    """A folder shaped like dist/Gristmill: executables that say who they are."""
    folder.mkdir(parents=True)
    desktop = folder / "gristmill-desktop"
    desktop.write_text('#!/bin/sh\necho "desktop $*"\n')
    desktop.chmod(0o755)
    (folder / "_internal").mkdir()
    (folder / "_internal" / "library.so").write_bytes(b"\0" * 1000)
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and shell scripts")
def test_the_linux_tarball_holds_the_app_the_desktop_entry_and_the_installer(
    tmp_path: Path
) -> None:
    build = load("build")
    folder = fake_bundle(tmp_path / "dist" / "Gristmill")
    build.add_command_line(folder)
    build.add_linux_files(folder)
    archive = build.make_tarball(folder, tmp_path, "1.2.3")
    assert archive.name.startswith("Gristmill-1.2.3-linux-")
    with tarfile.open(archive) as tar:
        members = {member.name: member for member in tar.getmembers()}
    top = "Gristmill-1.2.3/"
    for name in ("gristmill-desktop", "gristmill.desktop", "gristmill.svg", "install.sh",
                 "uninstall.sh", "common.sh", "README-linux.txt", "_internal/library.so"):
        assert top + name in members, name
    assert members[top + "gristmill"].issym()
    assert members[top + "install.sh"].mode & 0o111
    assert {(member.uid, member.gid, member.uname) for member in members.values()} == {
        (0, 0, "root")}
    assert build.folder_size(folder) >= 1000
    digest, name = (archive.parent / (archive.name + ".sha256")).read_text().split()
    assert name == archive.name
    assert digest == hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_links_to_files_the_spec_left_out_are_found(tmp_path: Path) -> None:
    build = load("build")
    bundle = fake_bundle(tmp_path / "Gristmill")
    (bundle / "_internal" / "kept.so").symlink_to("library.so")
    assert build.dangling_links(bundle) == []
    (bundle / "_internal" / "gone.so").symlink_to("left_out.so")
    assert build.dangling_links(bundle) == [bundle / "_internal" / "gone.so"]


def test_the_build_pins_every_library_it_bundles() -> None:
    """The constraints file pins (==) each package; the packaging extra's own pins agree."""
    lines = [line for line in (PACKAGING / "constraints.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    pins = dict(line.split("==") for line in lines)
    assert len(pins) == len(lines)
    for needed in ("numpy", "pandas", "pyarrow", "scikit-learn", "onnxruntime", "pyinstaller",
                   "lightgbm", "PySide6_Essentials", "skl2onnx", "onnx"):
        assert needed in pins, needed
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name in ("scikit-learn", "skl2onnx", "onnx", "onnxruntime", "pyinstaller", "lightgbm"):
        assert f'"{name}=={pins[name]}"' in pyproject, name


def test_the_desktop_entry_is_complete() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(PACKAGING / "linux" / "gristmill.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Terminal"] == "false"
    assert section["Exec"].split()[0] == "gristmill-desktop"
    assert (ROOT / "resources" / "icons" / f"{section['Icon']}.svg").is_file()
    assert section["Categories"].endswith(";") and section["MimeType"].endswith(";")


def unpacked_tarball(folder: Path) -> Path:
    """What a user has after unpacking the Linux tarball (with the fake programs)."""
    build = load("build")
    fake_bundle(folder)
    build.add_command_line(folder)
    build.add_linux_files(folder)
    return folder


def user_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is ``home`` (no XDG data folder of the tests)."""
    env = dict(os.environ, HOME=str(home))
    env.pop("XDG_DATA_HOME", None)
    return env


@pytest.mark.skipif(shutil.which("sh") is None or sys.platform == "win32", reason="needs sh")
def test_install_and_uninstall_for_one_user_without_admin_rights(tmp_path: Path) -> None:
    unpacked = unpacked_tarball(tmp_path / "Gristmill-1.2.3")
    prefix = tmp_path / "my prefix"  # a space, as in many Windows-minded home folders
    env = user_env(tmp_path / "home")

    def run(script: str) -> str:
        done = subprocess.run([str(unpacked / script), "--prefix", str(prefix)], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "Gristmill is installed" in run("install.sh")
    app_dir = prefix / "opt" / "Gristmill"
    assert (app_dir / "_internal" / "library.so").is_file()
    command = prefix / "bin" / "gristmill"
    assert command.is_symlink()
    # Through both links (bin/gristmill -> app/gristmill -> gristmill-desktop) it still runs.
    assert subprocess.run([str(command), "drift"], capture_output=True, text=True,
                          check=True).stdout == "desktop drift\n"
    menu = (prefix / "share" / "applications" / "gristmill.desktop").read_text()
    assert f'Exec="{app_dir}/gristmill-desktop" %f' in menu
    assert menu.count("Exec=") == 1
    icons = prefix / "share" / "icons" / "hicolor" / "scalable" / "apps"
    assert (icons / "gristmill.svg").is_file()
    assert "*.gristmill" in (prefix / "share" / "mime" / "packages" / "gristmill.xml").read_text()

    (unpacked / "_internal" / "new.so").write_bytes(b"new")
    run("install.sh")  # installing again replaces the old copy
    assert (app_dir / "_internal" / "new.so").is_file()
    assert not (prefix / "opt" / "Gristmill.new").exists()

    assert "removed" in run("uninstall.sh")
    assert not app_dir.exists() and not command.exists()
    assert not (prefix / "share" / "applications" / "gristmill.desktop").exists()


def test_install_refuses_to_run_outside_the_unpacked_app(tmp_path: Path) -> None:
    if shutil.which("sh") is None or sys.platform == "win32":
        pytest.skip("needs sh")
    script = tmp_path / "install.sh"
    shutil.copy2(PACKAGING / "linux" / "install.sh", script)
    done = subprocess.run([str(script), "--prefix", str(tmp_path / "p")], capture_output=True,
                          text=True, env=dict(os.environ, HOME=str(tmp_path)))
    assert done.returncode == 1
    assert "run me from the unpacked Gristmill folder" in done.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.skipif(shutil.which("sh") is None or sys.platform == "win32", reason="needs sh")
def test_install_takes_a_relative_prefix_and_refuses_unknown_arguments(tmp_path: Path) -> None:
    unpacked = unpacked_tarball(tmp_path / "Gristmill-1.2.3")
    env = user_env(tmp_path / "home")
    done = subprocess.run([str(unpacked / "install.sh"), "--prefix", "relative"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    link = tmp_path / "relative" / "bin" / "gristmill"
    assert os.readlink(link) == str(tmp_path / "relative" / "opt" / "Gristmill" / "gristmill")
    assert subprocess.run([str(link), "x"], capture_output=True, text=True).stdout == "desktop x\n"
    for wrong in (["--prefix=/elsewhere"], ["--prefix"], ["--help", "me"]):
        done = subprocess.run([str(unpacked / "install.sh"), *wrong], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "usage" in done.stderr, wrong
