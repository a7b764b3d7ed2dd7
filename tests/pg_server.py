"""Start and stop a throwaway PostgreSQL cluster for the tests (standard library only).

Used two ways:

- from the shell (``.ci/run``), before the virtualenv exists::

      URL="$(python3 tests/pg_server.py start --state DIR)"   # prints a SQLAlchemy URL
      python3 tests/pg_server.py stop --state DIR

- from pytest (``tests/conftest.py``): :func:`start` and :func:`stop`.

The cluster lives in a fresh temporary folder, listens on 127.0.0.1 only, on a free port,
with its Unix socket inside that folder. Host connections need a password (scram-sha-256)
for the superuser ``gristmill_test``, whose password is generated per cluster, so a
wrong-password test is real. PostgreSQL refuses to run as root; when we are root the server
commands run as the ``postgres`` user (``runuser``). Nothing here is a system service and
``stop`` removes every file the cluster wrote.

The state folder holds ``pg.json`` (mode 0600: it contains the test password).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

USER = "gristmill_test"
DATABASE = "gristmill_test"
DEFAULT_STATE = Path(tempfile.gettempdir()) / "gristmill-test-pg"
STATE_FILE = "pg.json"


class PgServerError(RuntimeError):
    """PostgreSQL could not be started here (no binaries, no postgres user, initdb failed)."""


def find_bindir() -> Path:
    """The folder holding initdb and pg_ctl: $GRISTMILL_PG_BIN, else the newest Debian one,
    else the one on PATH."""
    candidates: list[str] = []
    if os.environ.get("GRISTMILL_PG_BIN"):  # when given, the only place looked at
        given = Path(os.environ["GRISTMILL_PG_BIN"])
        if (given / "initdb").exists() and (given / "pg_ctl").exists():
            return given
        raise PgServerError(f"GRISTMILL_PG_BIN={given} holds no initdb and pg_ctl.")

    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PgServerError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found; install PostgreSQL "
        "(Debian: apt-get install postgresql) or set GRISTMILL_PG_BIN."
    )


def _run_as() -> list[str]:
    """Command prefix that runs the server tools as a non-root user."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PgServerError(
            "Running as root and there is no 'postgres' user to run PostgreSQL as."
        ) from exc
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--"]
    return ["su", "postgres", "-s", "/bin/sh", "-c"]  # pragma: no cover - no runuser


def _command(prefix: list[str], args: list[str]) -> list[str]:
    if prefix and prefix[0] == "su":  # su -c wants one shell string
        import shlex

        return [*prefix, shlex.join(args)]
    return [*prefix, *args]


def _check(prefix: list[str], args: list[str], what: str, timeout: float = 120) -> None:
    result = subprocess.run(
        _command(prefix, args), capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise PgServerError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chown_to_server_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def start(state: Path = DEFAULT_STATE) -> str:
    """Create and start a cluster; return its SQLAlchemy URL (with the test password)."""
    state = Path(state)
    existing = state / STATE_FILE
    if existing.exists():
        raise PgServerError(f"A test cluster is already recorded in {existing}; stop it first.")
    bindir = find_bindir()
    prefix = _run_as()
    root = Path(tempfile.mkdtemp(prefix="gristmill-pg-"))
    try:
        _chown_to_server_user(root)
        password = secrets.token_urlsafe(18)
        pwfile = root / "pw"
        pwfile.write_text(password + "\n", encoding="utf-8")
        pwfile.chmod(0o600)
        _chown_to_server_user(pwfile)
        data = root / "data"
        _check(
            prefix,
            [
                str(bindir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                "--locale=C", "--no-sync",
            ],
            "initdb",
        )
        pwfile.unlink()
        port = _start_server(prefix, bindir, root, data)
        # The test database, created over the Unix socket (trusted for local connections).
        _check(
            prefix,
            [str(bindir / "createdb"), "-h", str(root), "-p", str(port), "-U", USER, DATABASE],
            "createdb",
        )
    except BaseException:
        _stop_cluster(prefix, bindir, root)
        raise
    url = f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{port}/{DATABASE}"
    state.mkdir(parents=True, exist_ok=True)
    record = {"root": str(root), "bindir": str(bindir), "port": port, "url": url}
    descriptor = os.open(existing, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(record, out)
    return url


def _start_server(prefix: list[str], bindir: Path, root: Path, data: Path) -> int:
    """Start the server on a free loopback port; retry if another process took the port."""
    last_error: PgServerError | None = None
    for _attempt in range(3):
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=50"
        )
        try:
            _check(
                prefix,
                [
                    str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
                    "-o", options, "-w", "-t", "60", "start",
                ],
                "pg_ctl start",
            )
            return port
        except PgServerError as error:
            last_error = error
    assert last_error is not None
    log = root / "server.log"
    detail = log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
    raise PgServerError(f"{last_error}\n{detail}")


def _stop_cluster(prefix: list[str], bindir: Path, root: Path) -> None:
    data = root / "data"
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(subprocess.SubprocessError, PgServerError):
            _check(
                prefix,
                [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                "pg_ctl stop",
                timeout=60,
            )
    shutil.rmtree(root, ignore_errors=True)


def stop(state: Path = DEFAULT_STATE) -> bool:
    """Stop the cluster recorded in ``state`` and delete its files; False if none was."""
    record_path = Path(state) / STATE_FILE
    if not record_path.exists():
        return False
    record = json.loads(record_path.read_text(encoding="utf-8"))
    _stop_cluster(_run_as(), Path(record["bindir"]), Path(record["root"]))
    record_path.unlink()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument(
        "--state", type=Path, default=DEFAULT_STATE,
        help=f"folder recording the running cluster (default {DEFAULT_STATE})",
    )
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            print(start(args.state))
        elif args.action == "url":
            record = json.loads((args.state / STATE_FILE).read_text(encoding="utf-8"))
            print(record["url"])
        elif not stop(args.state):
            print(f"no test cluster recorded in {args.state}", file=sys.stderr)
    except (PgServerError, OSError, subprocess.SubprocessError) as error:
        print(f"pg_server: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
