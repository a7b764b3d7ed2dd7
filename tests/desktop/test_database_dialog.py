""""Add database…": a real SQLite file (and a real PostgreSQL server when one can run).

The dialog's calls to the database run as tasks; the tests wait on its signals and read what
the widgets say, like a user would.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from keychain_double import MemoryKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop.dialogs.database_dialog import PREVIEW_ROWS, DatabaseDialog
from desktop.panels.data_panel import DataPanel
from desktop.tasks import TaskRunner
from desktop.widgets.db_drivers import Environment
from engine import api
from engine.sources.base import DatabaseSource

WAIT = 30_000  # ms; generous for a loaded 2-core machine, never slept
ROWS = 300


@pytest.fixture
def crm_file(tmp_path: Path) -> Path:
    """A SQLite file with a 300-row ``customers`` table and a view over it."""
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, plan TEXT, spend REAL, "
            "tenure INTEGER, churned TEXT)"
        )
        connection.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, ?)",
            [
                (i, ("basic", "plus", "pro")[i % 3], round(10 + i * 1.7, 2), i % 48,
                 "yes" if i % 4 == 0 else "no")
                for i in range(1, ROWS + 1)
            ],
        )
        connection.execute("CREATE VIEW pro_customers AS SELECT * FROM customers "
                           "WHERE plan = 'pro'")
    connection.close()
    return path


@pytest.fixture
def dialog(qtbot, runner: TaskRunner) -> DatabaseDialog:
    dialog = DatabaseDialog(runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.environment_checked, timeout=WAIT):
        dialog.show()
    return dialog


def connect_sqlite(qtbot, dialog: DatabaseDialog, path: Path) -> None:
    dialog.form.set_driver("sqlite")
    dialog.form.path_edit.setText(str(path))
    with qtbot.waitSignal(dialog.tables_listed, timeout=WAIT):
        dialog.test_button.click()


def test_sqlite_connect_browse_preview_refuse_and_choose(
    qtbot, dialog: DatabaseDialog, crm_file: Path
) -> None:
    assert not dialog.add_button.isEnabled()  # nothing chosen yet
    connect_sqlite(qtbot, dialog, crm_file)
    assert dialog.status.text().startswith("Connected to SQLite ")
    assert "read-only" in dialog.status.text()
    assert dialog.browser.row_text_of("customers") == f"{ROWS:,}"
    assert dialog.browser.row_text_of("pro_customers") == "—"  # a view: not run to count

    with qtbot.waitSignal(dialog.preview_done, timeout=WAIT) as shown:
        assert dialog.browser.select("customers")
    assert shown.args[0] is True
    assert dialog.preview_model.rowCount() == PREVIEW_ROWS
    assert dialog.add_button.isEnabled()

    dialog.choice_tabs.setCurrentIndex(1)
    dialog.sql_edit.setPlainText("SELECT plan, spend FROM customers WHERE tenure < 10")
    assert not dialog.add_button.isEnabled()  # the query is not previewed yet
    with qtbot.waitSignal(dialog.preview_done, timeout=WAIT) as shown:
        dialog.sql_preview_button.click()
    assert shown.args[0] is True
    expected = sum(1 for i in range(1, ROWS + 1) if i % 48 < 10)
    assert dialog.preview_model.rowCount() == min(expected, PREVIEW_ROWS)
    assert dialog.preview_model.columnCount() == 2

    dialog.sql_edit.setPlainText("DELETE FROM customers")
    with qtbot.waitSignal(dialog.preview_done, timeout=WAIT) as refused:
        dialog.sql_preview_button.click()
    assert refused.args[0] is False
    assert "Write a single SELECT query" in refused.args[1]
    assert refused.args[1] == dialog.preview_label.text()
    assert dialog.preview_model.rowCount() == 0
    assert not dialog.add_button.isEnabled()
    with sqlite3.connect(crm_file) as connection:  # nothing was deleted
        assert connection.execute("SELECT count(*) FROM customers").fetchone()[0] == ROWS
    connection.close()

    dialog.choice_tabs.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.preview_done, timeout=WAIT):
        dialog.browser.select("pro_customers")
    dialog.add_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.source == DatabaseSource(
        url=f"sqlite:///{crm_file}", table="pro_customers", schema=None
    )
    assert dialog.password is None


def test_a_missing_file_and_a_missing_driver_are_said_in_words(
    qtbot, dialog: DatabaseDialog, tmp_path: Path
) -> None:
    dialog.form.set_driver("sqlite")
    dialog.form.path_edit.setText(str(tmp_path / "nowhere" / "crm.db"))
    with qtbot.waitSignal(dialog.connection_checked, timeout=WAIT) as checked:
        dialog.test_button.click()
    assert checked.args[0] is False
    assert checked.args[1] == dialog.status.text()
    assert checked.args[1].startswith("There is no SQLite file at ")

    dialog.form.set_environment(Environment(frozenset({"mysql"}), keychain=False))
    dialog.form.set_driver("mysql")
    assert dialog.form.driver_combo.currentText() == "MySQL / MariaDB (not installed)"
    assert 'pip install "gristmill[mysql]"' in dialog.status.text()
    tip = dialog.form.driver_combo.itemData(
        dialog.form.driver_combo.currentIndex(), Qt.ItemDataRole.ToolTipRole
    )
    assert 'pip install "gristmill[mysql]"' in tip
    assert not dialog.test_button.isEnabled()
    assert not dialog.form.remember.isEnabled()  # no keychain here


def test_add_database_adds_the_table_to_the_project_and_shows_it(
    qtbot, runner: TaskRunner, crm_file: Path, tmp_path: Path
) -> None:
    project = api.create_project(tmp_path / "crm.gristmill")
    panel = DataPanel(runner)
    qtbot.addWidget(panel)
    panel.set_project(project)
    assert panel.add_database_button.isEnabled()
    source = DatabaseSource(url=f"sqlite:///{crm_file}", table="customers")
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT) as opened:
        panel.add_database(source, None)
    table = opened.args[0]
    assert table is not None and table.name == "customers"
    assert len(table.frame) == ROWS
    assert panel.grid_model.rowCount() == ROWS
    assert "300 rows" in panel.summary.text()
    [record] = api.open_project(project.path).list_sources()
    assert record.source == source
    assert record.fingerprint.rows == ROWS


@pytest.mark.postgres
def test_postgresql_wrong_password_then_remembered_in_the_keychain(
    qtbot, runner: TaskRunner, use_keyring, pg_url: str, tmp_path: Path
) -> None:
    memory_keyring = use_keyring(MemoryKeyring())
    from sqlalchemy.engine import make_url

    dialog = DatabaseDialog(runner)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.environment_checked, timeout=WAIT):
        dialog.show()
    url = make_url(pg_url)
    dialog.form.set_driver("postgresql")
    dialog.form.host_edit.setText(url.host or "")
    dialog.form.port_edit.setText(str(url.port or ""))
    dialog.form.database_edit.setText(url.database or "")
    dialog.form.user_edit.setText(url.username or "")
    dialog.form.password_edit.setText("not-the-password")
    with qtbot.waitSignal(dialog.connection_checked, timeout=WAIT) as checked:
        dialog.test_button.click()
    assert checked.args[0] is False
    assert "password" in checked.args[1].lower()
    assert "not-the-password" not in checked.args[1]
    assert dialog.status.text() == checked.args[1]

    password = str(url.password)
    dialog.form.password_edit.setText(password)
    with qtbot.waitSignal(dialog.tables_listed, timeout=WAIT):
        dialog.test_button.click()
    assert dialog.status.text().startswith("Connected to PostgreSQL ")
    dialog.choice_tabs.setCurrentIndex(1)
    dialog.sql_edit.setPlainText(
        "SELECT i AS id, i % 3 AS grp, i * 1.5 AS amount FROM generate_series(1, 250) AS i"
    )
    with qtbot.waitSignal(dialog.preview_done, timeout=WAIT) as shown:
        dialog.sql_preview_button.click()
    assert shown.args[0] is True, shown.args[1]
    assert dialog.form.remember.isEnabled()
    dialog.form.remember.setChecked(True)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT):
        dialog.add_button.click()
    assert dialog.remembered
    assert list(memory_keyring.entries.values()) == [password]
    source = dialog.source
    assert source is not None and password not in source.url

    # Loaded with the keychain's password (none given), saved without it.
    project = api.create_project(tmp_path / "pg.gristmill")
    panel = DataPanel(runner)
    qtbot.addWidget(panel)
    panel.set_project(project)
    with qtbot.waitSignal(panel.table_opened, timeout=WAIT) as opened:
        panel.add_database(source, None)
    assert len(opened.args[0].frame) == 250
    assert password.encode() not in project.path.read_bytes()
