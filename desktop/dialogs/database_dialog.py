""""Add database…": connect, browse the tables, try a query, and pick what to read.

Every call to the database (finding drivers, testing the connection, listing tables, the
100-row preview, saving the password in the keychain) runs as a task; the answers come back
in words under the buttons. The dialog reads nothing into the project itself: on "Add to
project" it keeps :attr:`DatabaseDialog.source` (a DatabaseSource, never holding a
password) and :attr:`DatabaseDialog.password` (for this session only), and the Data panel
loads the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.tasks import Task, TaskRunner
from desktop.theme import error_style
from desktop.widgets.db_browser import TableBrowser
from desktop.widgets.db_drivers import Environment, check_drivers
from desktop.widgets.db_form import ConnectionForm
from desktop.widgets.db_preview import PREVIEW_ROWS, PreviewBox, answer_label
from engine.sources.base import DatabaseSource

if TYPE_CHECKING:
    from engine.sources.base import LoadedTable

_TABLE_TAB, _QUERY_TAB = 0, 1


class DatabaseDialog(QDialog):
    """Driver and connection, "Test connection", tables, SQL box, preview, "Add to project"."""

    environment_checked = Signal(object)  # Environment
    connection_checked = Signal(bool, str)  # worked?, the answer in words
    tables_listed = Signal(list)  # list[TableInfo]
    preview_done = Signal(bool, str)  # worked?, what the preview shows or why it failed

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a database table")
        self._runner = runner
        self._tasks: list[Task] = []
        self._generation = 0  # bumped when the form changes: late answers are dropped
        self.source: DatabaseSource | None = None
        self.password: str | None = None
        self.remembered = False
        self._previewed: DatabaseSource | None = None

        self.form = ConnectionForm()
        self.form.changed.connect(self._form_changed)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Connect read-only and list the tables and views.")
        self.test_button.clicked.connect(self.test_connection)
        self.status = answer_label("Choose the database, then press Test connection.")
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.status, 1)

        self.browser = TableBrowser()
        self.browser.table_chosen.connect(lambda _info: self.preview())
        self.sql_edit = QPlainTextEdit()
        self.sql_edit.setPlaceholderText("SELECT * FROM customers WHERE country = 'FR'")
        self.sql_edit.setToolTip(
            "One read-only SELECT query (WITH … SELECT is fine); the result becomes the table."
        )
        self.sql_preview_button = QPushButton("Preview the query")
        self.sql_preview_button.clicked.connect(self.preview)
        self.sql_edit.textChanged.connect(self._choice_changed)
        query_page = QWidget()
        query_layout = QVBoxLayout(query_page)
        query_layout.addWidget(self.sql_edit, 1)
        query_layout.addWidget(self.sql_preview_button)
        self.choice_tabs = QTabWidget()
        self.choice_tabs.addTab(self.browser, "Pick a table")
        self.choice_tabs.addTab(query_page, "Write a query")
        self.choice_tabs.currentChanged.connect(self._choice_changed)

        self.preview_box = PreviewBox()
        self.preview_label = self.preview_box.label
        self.preview_model = self.preview_box.model
        splitter = QSplitter()
        splitter.addWidget(self.choice_tabs)
        splitter.addWidget(self.preview_box)
        splitter.setSizes([300, 600])

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.addButton(
            "Add to project", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.add_button.setToolTip("Read the whole table or query result into the project.")
        self.add_button.clicked.connect(self.add_to_project)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addLayout(test_row)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.buttons)
        self.resize(960, 640)
        self._update_buttons()
        self._run("Looking for database drivers", check_drivers, self._environment_found)

    # -- actions -----------------------------------------------------------------------------

    def test_connection(self) -> Task | None:
        """Connect read-only; on success, list the tables (both in tasks)."""
        from engine import api

        connection = self._connection()
        if connection is None:
            return None
        url, password = connection
        self._say("Connecting…")

        def checked(answer: str) -> None:
            self._say(answer + ". Reading the list of tables…")
            self.connection_checked.emit(True, answer)
            self._run(
                "Listing the tables",
                lambda _progress, _cancel: api.list_tables(url, password=password),
                lambda tables: self._tables_found(answer, tables),
            )

        return self._run(
            "Testing the database connection",
            lambda _progress, _cancel: api.check_connection(url, password=password),
            checked,
            failed=lambda message: self.connection_checked.emit(False, message),
        )

    def preview(self) -> Task | None:
        """Show the first rows of the chosen table or query (in a task)."""
        from engine import api

        source = self.chosen_source()
        connection = self._connection()
        if source is None or connection is None:
            return None
        password = connection[1]
        self._previewed = None
        self._update_buttons()
        self.preview_label.setText("Reading the first rows…")

        def shown(loaded: LoadedTable) -> None:
            self._previewed = source
            text = self.preview_box.show_rows(loaded, _what(source))
            self._update_buttons()
            self.preview_done.emit(True, text)

        def failed(message: str) -> None:
            self.preview_box.show_error(message)
            self.preview_done.emit(False, message)

        return self._run(
            "Previewing the database table",
            lambda _progress, _cancel: api.preview_table(
                source, PREVIEW_ROWS, password=password
            ),
            shown,
            failed=failed,
            speak=False,
        )

    def add_to_project(self) -> None:
        """Keep the choice (and save the password in the keychain if asked), then close."""
        source = self.chosen_source()
        connection = self._connection()
        if source is None or connection is None:
            return
        self.source, self.password = source, connection[1]
        if not (self.form.remember.isChecked() and self.form.remember.isEnabled()
                and self.password):
            self.accept()
            return
        from engine.sources.credentials import store_password

        url, password = source.url, self.password

        def stored(saved: bool) -> None:
            self.remembered = bool(saved)
            self.accept()

        self._run(
            "Saving the password in the keychain",
            lambda _progress, _cancel: store_password(url, password),
            stored,
        )

    def chosen_source(self) -> DatabaseSource | None:
        """The table picked or the query typed, as a source (None: nothing chosen yet)."""
        connection = self._connection(quiet=True)
        if connection is None:
            return None
        url = connection[0]
        if self.choice_tabs.currentIndex() == _QUERY_TAB:
            sql = self.sql_edit.toPlainText().strip()
            return DatabaseSource(url=url, sql=sql) if sql else None
        table = self.browser.current_table()
        if table is None:
            return None
        return DatabaseSource(url=url, table=table.name, schema=table.schema)

    # -- plumbing ----------------------------------------------------------------------------

    def _connection(self, *, quiet: bool = False) -> tuple[str, str | None] | None:
        from engine.errors import GristmillError

        if self.form.driver_missing:
            if not quiet:
                self._say(
                    f"The {self.form.driver.name} driver is not installed. "
                    f"{self.form.driver.install_hint}",
                    error=True,
                )
            return None
        missing = self.form.location_missing()
        if missing is not None:
            if not quiet:
                self._say(missing, error=True)
            return None
        try:
            return self.form.connection()
        except GristmillError as error:
            if not quiet:
                self._say(str(error), error=True)
            return None

    def _run(
        self,
        label: str,
        work: Any,
        done: Any,
        *,
        failed: Any = None,
        speak: bool = True,
    ) -> Task:
        """Run ``work`` as a task; drop its answer if the form changed meanwhile."""
        generation = self._generation

        def finished(result: object) -> None:
            if generation == self._generation:
                done(result)

        def went_wrong(error: BaseException | None) -> None:
            if generation != self._generation:
                return
            message = _message(error)
            if speak:
                self._say(message, error=True)
            if failed is not None:
                failed(message)

        task = self._runner.run(label, work, finished, on_failed=went_wrong, shows_errors=True)
        self._tasks = [*(t for t in self._tasks if not t.done), task]
        return task

    def _environment_found(self, environment: Environment) -> None:
        self.form.set_environment(environment)
        self._update_buttons()
        self.environment_checked.emit(environment)

    def _tables_found(self, answer: str, tables: list) -> None:
        self.browser.set_tables(tables)
        count = len(tables)
        what = f"{count} table{'s' if count != 1 else ''} and views" if count else "no tables"
        self._say(f"{answer}. Found {what}: pick one, or write a query.")
        self.tables_listed.emit(tables)

    def _form_changed(self) -> None:
        self._generation += 1
        self.browser.set_tables([])
        self.preview_box.clear()
        self._previewed = None
        if self.form.driver_missing:
            self._connection()  # says which pip command installs the driver
        else:
            self._say("Press Test connection to check the settings.")
        self._update_buttons()

    def _choice_changed(self, *_args: object) -> None:
        self._previewed = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.test_button.setEnabled(not self.form.driver_missing)
        chosen = self.chosen_source()
        self.add_button.setEnabled(chosen is not None and chosen == self._previewed)
        self.add_button.setToolTip(
            "Read the whole table or query result into the project."
            if self.add_button.isEnabled()
            else "Pick a table, or write a query and preview it, first."
        )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setStyleSheet(error_style() if error else "")
        self.status.setText(text)

    def done(self, result: int) -> None:  # accept, reject and Escape all end here
        for task in self._tasks:
            task.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        for task in self._tasks:
            task.cancel()
        super().closeEvent(event)


def _what(source: DatabaseSource) -> str:
    return f"table {source.table}" if source.table else "the query"


def _message(error: BaseException | None) -> str:
    from engine.errors import GristmillError

    if isinstance(error, GristmillError):
        return str(error)
    return "Something went wrong while talking to the database; the details are in the log."
