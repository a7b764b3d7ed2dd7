"""The Data step: the project's sources, the table itself and its profile.

Every engine call runs as a task (:mod:`desktop.tasks`): opening a source reads its kept copy
(or the original) and profiles it; "Add file…" (and "Add database…") loads the table,
then profiles it and saves source, column types, fingerprint and a copy of the table into
the project. Changing a column's kind in the profile re-profiles the table, saves the kinds
and publishes the table again. The "All columns" tab draws a small chart of every column (built
in a task when the tab is shown). Each step is saved the moment it completes; a cancelled step
leaves the project as it was. Database passwords are kept in memory for this session only.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.tasks import Task, TaskRunner
from desktop.widgets.column_detail import ColumnDetail, warnings_html
from desktop.widgets.column_overview import TIP as OVERVIEW_TIP
from desktop.widgets.column_overview import ColumnOverview, overview_figure
from desktop.widgets.profile_view import ProfileView
from desktop.widgets.table_model import DataFrameModel, data_grid
from engine.errors import GristmillError
from engine.jobs import CancelToken, Job, ProgressCallback

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from engine.profile.result import TableProfile
    from engine.profile.schema import Schema
    from engine.project.store import Project, SourceRecord
    from engine.sources.base import DatabaseSource, LoadedTable, Source

FILE_FILTER = (
    "Tables (*.csv *.tsv *.txt *.tab *.xlsx *.xlsm *.parquet *.pq *.jsonl *.ndjson *.json);;"
    "All files (*)"
)
_SOURCE_ID = Qt.ItemDataRole.UserRole


class DataPanel(QWidget):
    """Sources on the left, the data grid and the profile on the right."""

    source_shown = Signal(bool)  # True when a source's table is on screen
    table_opened = Signal(object)  # an ActiveTable (or None) for the later steps

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._project: Project | None = None
        self._opening: Task | None = None
        self._passwords: dict[str, str] = {}  # database URL -> password, this session only
        self._current: tuple[Project, int, str, pd.DataFrame] | None = None

        self.sources = QListWidget()
        self.sources.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sources.currentItemChanged.connect(self._source_selected)
        self.add_button = QPushButton("Add file…")
        self.add_button.setToolTip(
            "Read a CSV, Excel, Parquet or JSON lines file into the project."
        )
        self.add_button.clicked.connect(self.choose_file)
        self.add_database_button = QPushButton("Add database…")
        self.add_database_button.setToolTip(
            "Read a table, a view or a SELECT query from SQLite, PostgreSQL, MySQL/MariaDB, "
            "SQL Server or DuckDB into the project."
        )
        self.add_database_button.clicked.connect(self.choose_database)
        # Stacked, not side by side: two buttons in a row made the pane 195 px wide, taken
        # from the profile's Summary column at 1,280 px.
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.add_database_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Data sources</b>"))
        left.addWidget(self.sources, 1)
        left.addLayout(buttons)
        left_widget = QWidget()
        left_widget.setLayout(left)

        self.summary = QLabel("Add a file to start.")
        self.summary.setWordWrap(True)
        self.grid_model = DataFrameModel(parent=self)
        self.grid = data_grid(self.grid_model)
        # Fixed row heights: the view never measures rows, which keeps a million rows smooth.
        self.grid.verticalHeader().setSectionResizeMode(
            self.grid.verticalHeader().ResizeMode.Fixed
        )
        self.profile_view = ProfileView()
        self.profile_view.kind_override_requested.connect(self.override_kind)
        self.column_detail = ColumnDetail()
        self.column_detail.kind_override_requested.connect(self.override_kind)
        self.profile_view.column_selected.connect(self._column_selected)
        self.table_warnings = QLabel()
        self.table_warnings.setWordWrap(True)
        self.table_warnings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        profile_split = QSplitter()
        profile_split.addWidget(self.profile_view)
        profile_split.addWidget(self.column_detail)
        profile_split.setChildrenCollapsible(False)
        # The table first (its Summary column must stay readable at 1,280 px); the chart
        # takes what is left, and everything extra on a wide screen is shared 2:1.
        profile_split.setStretchFactor(0, 2)
        profile_split.setStretchFactor(1, 1)
        profile_split.setSizes([700, 280])
        profile_page = QWidget()
        profile_layout = QVBoxLayout(profile_page)
        profile_layout.setContentsMargins(0, 0, 0, 0)
        profile_layout.addWidget(self.table_warnings)
        profile_layout.addWidget(profile_split, 1)
        self.overview = ColumnOverview()
        self._overview_of: TableProfile | None = None  # the profile drawn or being drawn
        self._drawing: Task | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(profile_page, "Profile")
        index = self.tabs.addTab(self.overview, "All columns")
        self.tabs.setTabToolTip(index, OVERVIEW_TIP)
        self.tabs.addTab(self.grid, "Data")
        self.tabs.currentChanged.connect(lambda _index: self._draw_overview())
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.tabs, 1)
        right_widget = QWidget()
        right_widget.setLayout(right)

        splitter = QSplitter()
        splitter.addWidget(left_widget)
        splitter.addWidget(right_widget)
        splitter.setChildrenCollapsible(False)  # the sources and their buttons stay in reach
        left_widget.setMinimumWidth(left_widget.minimumSizeHint().width())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([left_widget.minimumWidth(), 1000])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.set_project(None)

    # -- project ---------------------------------------------------------------------------

    def set_project(self, project: Project | None) -> None:
        """Show ``project``'s sources and open the one last shown (or the first)."""
        self._project = project
        self.add_button.setEnabled(project is not None)
        self.add_database_button.setEnabled(project is not None)
        self._current = None
        self._show(None, None, "Add a file to start." if project else "No project is open.")
        self.table_opened.emit(None)
        self.refresh_sources()

    def refresh_sources(self, select: int | None = None, *, open_selected: bool = True) -> None:
        """Reload the list of sources; select ``select`` (an id), else the active one.

        The selected source is opened (read and profiled) unless ``open_selected`` is False.
        """
        self.sources.blockSignals(True)
        self.sources.clear()
        records: list[SourceRecord] = self._project.list_sources() if self._project else []
        if select is None and self._project is not None:
            from engine.project.store import ACTIVE_SOURCE

            select = self._project.get_setting(ACTIVE_SOURCE)
        chosen: QListWidgetItem | None = None
        for record in records:
            item = QListWidgetItem(record.name)
            item.setData(_SOURCE_ID, record.id)
            rows = f"{record.fingerprint.rows:,} rows, " if record.fingerprint else ""
            item.setToolTip(f"{record.source.label}\n{rows}added {record.created_at:%Y-%m-%d}")
            self.sources.addItem(item)
            if chosen is None or record.id == select:
                chosen = item
        if chosen is not None:
            self.sources.setCurrentItem(chosen)
        self.sources.blockSignals(False)
        if chosen is not None and open_selected:
            self._source_selected(chosen)

    def _source_selected(self, item: QListWidgetItem | None, _previous: Any = None) -> None:
        if item is None or self._project is None:
            return
        source_id = int(item.data(_SOURCE_ID))
        record = next(r for r in self._project.list_sources() if r.id == source_id)
        self.open_source(record)

    def open_source(self, record: SourceRecord) -> None:
        """Read a source's table and profile it, in a task; the result replaces the view."""
        assert self._project is not None
        project = self._project
        if self._opening is not None:
            self._opening.cancel()  # the user chose another source: drop the earlier one
        self.summary.setText(f"Opening {record.name}…")
        password = self._passwords.get(getattr(record.source, "url", ""))

        def finished(result: tuple[pd.DataFrame, TableProfile, list[str]]) -> None:
            if self._opening is task and self._project is project:
                self._opening = None
                frame, profile, notes = result
                self._show(frame, profile, _describe(record.name, frame, profile, notes))
                from engine.project.store import ACTIVE_SOURCE

                project.set_setting(ACTIVE_SOURCE, record.id)
                self._publish(project, record.id, record.name, frame)

        def ended(*_args: object) -> None:
            if self._opening is task:
                self._opening = None
                self.summary.setText(f"{record.name} was not opened.")

        task = self._runner.run(
            f"Opening {record.name}",
            lambda progress, cancel: open_source_job(
                project, record, progress, cancel, password
            ),
            finished,
            on_failed=ended,
            on_cancelled=ended,
        )
        self._opening = task

    # -- adding a file ---------------------------------------------------------------------

    def choose_file(self) -> None:
        """Ask for a file, then add it (the "Add file…" button)."""
        path, _ = QFileDialog.getOpenFileName(self, "Add a data file", "", FILE_FILTER)
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> Task:
        """Load ``path`` in a task, then profile it and save it into the project in another."""
        from engine.api import source_for

        return self._add(source_for(str(path)), path.stem, path.name, None)

    def choose_database(self) -> None:
        """Ask for a database table or query, then add it (the "Add database…" button)."""
        from desktop.dialogs.database_dialog import DatabaseDialog

        dialog = DatabaseDialog(self._runner, self)
        if dialog.exec() == DatabaseDialog.DialogCode.Accepted and dialog.source is not None:
            self.add_database(dialog.source, dialog.password)
        dialog.deleteLater()

    def add_database(self, source: DatabaseSource, password: str | None) -> Task:
        """Load a database table or query in a task, then profile and save it like a file.

        ``password`` (None: the keychain's, if any) is kept in memory for this session, so
        reopening the source does not ask again; it is never written to the project.
        """
        if password:
            self._passwords[source.url] = password
        name = source.table or "SQL query"
        return self._add(source, name, source.label, password)

    def _add(self, source: Source, name: str, label: str, password: str | None) -> Task:
        from engine.api import load_table

        assert self._project is not None
        project = self._project
        self.summary.setText(f"Reading {label}…")

        def loaded(table: LoadedTable) -> None:
            if self._project is not project:
                return
            self._runner.run(
                f"Profiling {name}",
                lambda progress, cancel: save_source_job(
                    project, name, source, table, progress, cancel
                ),
                saved,
                on_failed=stopped,
                on_cancelled=stopped,
            )

        def saved(result: tuple[int, pd.DataFrame, TableProfile, list[str]]) -> None:
            source_id, frame, profile, notes = result
            if self._project is project:
                self.refresh_sources(select=source_id, open_selected=False)
                shown = self.sources.currentItem().text()
                self._show(frame, profile, _describe(shown, frame, profile, notes))
                self._publish(project, source_id, shown, frame)

        def stopped(*_args: object) -> None:
            self.summary.setText(f"{label} was not added.")

        return self._runner.run(
            f"Reading {label}",
            lambda progress, cancel: load_table(
                source, password=password, progress=progress, cancel=cancel
            ),
            loaded,
            on_failed=stopped,
            on_cancelled=stopped,
        )

    # -- column kinds ----------------------------------------------------------------------

    def override_kind(self, column: str, kind: str) -> Task | None:
        """Use ``kind`` for ``column``: re-infer keeping it, re-profile, save, publish again."""
        if self._current is None:
            return None
        project, source_id, name, frame = self._current
        self.summary.setText(f"Treating {column} as {kind}…")
        # One change at a time: each starts from the kinds the previous one saved.
        self.profile_view.setEnabled(False)
        self.column_detail.setEnabled(False)

        def finished(result: tuple[Schema, TableProfile]) -> None:
            self.profile_view.setEnabled(True)
            self.column_detail.setEnabled(True)
            if self._current is None or self._current[:2] != (project, source_id):
                return
            _schema, profile = result
            self._show(frame, profile, _describe(name, frame, profile, []))
            self._publish(project, source_id, name, frame)

        def stopped(error: BaseException | None = None) -> None:
            self.profile_view.setEnabled(True)
            self.column_detail.setEnabled(True)
            if self._current is not None and self._current[:2] == (project, source_id):
                reason = f" {error}" if isinstance(error, GristmillError) else ""
                self.summary.setText(f"The kind of {column} was not changed.{reason}")

        return self._runner.run(
            f"Changing the kind of {column}",
            lambda progress, cancel: override_kind_job(
                project, source_id, frame, column, kind, progress, cancel
            ),
            finished,
            on_failed=stopped,
            on_cancelled=stopped,
            shows_errors=True,  # the summary line says why the kind was not changed
        )

    # -- display ---------------------------------------------------------------------------

    def _show(
        self, frame: pd.DataFrame | None, profile: TableProfile | None, summary: str
    ) -> None:
        self.grid_model.set_frame(frame)
        self._fit_columns()
        self.profile_view.set_profile(profile)
        if profile is not None and self.profile_view.selected_column() is None and profile.columns:
            self.profile_view.selectRow(0)  # a chart from the start, not an empty pane
        self._column_selected(self.profile_view.selected_column())
        self.table_warnings.setText(warnings_html(profile.warnings) if profile else "")
        self.table_warnings.setVisible(bool(profile and profile.warnings))
        self.summary.setText(summary)
        self._draw_overview()
        self.source_shown.emit(frame is not None)

    def show_overview(self) -> Task | None:
        """Bring the all-columns charts to the front (one click: the "All columns" tab)."""
        self.tabs.setCurrentWidget(self.overview)
        return self._drawing

    def _draw_overview(self) -> None:
        """Draw every column's small chart in a task, when the tab is on show and the
        profile changed since the last drawing (the figure is built off the GUI thread)."""
        profile = self.profile_view.profile_model.profile
        if self.tabs.currentWidget() is not self.overview or profile is self._overview_of:
            return
        if self._drawing is not None:
            self._drawing.cancel()
            self._drawing = None
        self._overview_of = profile
        if profile is None or not profile.columns:
            self.overview.show_figure(None)
            return
        columns = list(profile.columns)
        names = tuple(column.name for column in columns)
        self.overview.show_figure(None, message="Drawing every column…")

        def drawn(figure: Figure) -> None:
            if self._drawing is task:
                self._drawing = None
                self.overview.show_figure(figure, names)

        def stopped(*_args: object) -> None:
            if self._drawing is task:
                self._drawing = None
                self._overview_of = None  # drawn again next time the tab is shown
                self.overview.show_figure(None, message="The charts were not drawn.")

        task = self._runner.run(
            "Drawing every column",
            lambda _progress, cancel: overview_figure(columns, cancel),
            drawn,
            on_failed=stopped,
            on_cancelled=stopped,
        )
        self._drawing = task

    def _column_selected(self, column: Any) -> None:
        profile = self.profile_view.profile_model.profile
        reason = ""
        if column is not None and profile is not None:
            try:
                reason = profile.schema[column.name].reason
            except KeyError:
                reason = ""
        self.column_detail.show_column(column, reason)

    def _fit_columns(self, sample_rows: int = 50, widest: int = 320) -> None:
        # Sized from the header and the first rows only: measuring every row of a large
        # table would format all of it.
        metrics = self.grid.fontMetrics()
        model = self.grid_model
        rows = min(model.rowCount(), sample_rows)
        for column in range(model.columnCount()):
            texts = [str(model.headerData(column, Qt.Orientation.Horizontal))]
            texts += [str(model.index(row, column).data()) for row in range(rows)]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 24
            self.grid.setColumnWidth(column, min(width, widest))

    def _publish(self, project: Project, source_id: int, name: str, frame: pd.DataFrame) -> None:
        """Tell the later steps which table is on screen (with its column kinds)."""
        from desktop.panels.context import ActiveTable

        self._current = (project, source_id, name, frame)
        schema = project.load_schema(source_id)
        if schema is None:
            from engine.api import infer_schema

            schema = infer_schema(frame)
        self.table_opened.emit(ActiveTable(project, source_id, name, frame, schema))

    @property
    def has_data(self) -> bool:
        """True when a source's table is on screen."""
        return self.grid_model.frame is not None


def _describe(name: str, frame: pd.DataFrame, profile: TableProfile, notes: list[str]) -> str:
    warnings = len(profile.all_warnings)
    text = f"<b>{name}</b>: {len(frame):,} rows, {frame.shape[1]} columns"
    if warnings:
        text += f", {warnings} warning{'s' if warnings != 1 else ''} to check"
    text += ". Saved in the project."
    for note in notes:  # e.g. "the original file is no longer there; using the kept copy"
        text += f"<br><i>{html.escape(note)}</i>"
    return text


# -- engine jobs (run on a worker thread; no Qt below this line) ----------------------------


def open_source_job(
    project: Project,
    record: SourceRecord,
    progress: ProgressCallback,
    cancel: CancelToken,
    password: str | None = None,
) -> tuple[pd.DataFrame, TableProfile, list[str]]:
    """Read a project table (its kept copy, or the source itself) and profile it."""
    from engine import api

    job = Job(progress, cancel)
    opened = api.open_table(
        project, record.id, password=password, progress=job.sub(0.0, 0.4).step, cancel=cancel
    )
    profile = api.profile_table(
        opened.frame, opened.schema, progress=job.sub(0.4, 1.0).step, cancel=cancel
    )
    job.done("Ready")
    return opened.frame, profile, opened.notes


def save_source_job(
    project: Project,
    name: str,
    source: Any,
    table: Any,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[int, pd.DataFrame, TableProfile, list[str]]:
    """Profile a loaded table, then save it into the project (all or nothing).

    Profiling comes first so that a Cancel at any point means "not added", as the window
    then says; the save itself is one transaction.
    """
    from engine import api

    job = Job(progress, cancel)
    frame = table.frame
    schema = api.infer_schema(frame, progress=job.sub(0.0, 0.1).step, cancel=cancel)
    profile = api.profile_table(frame, schema, progress=job.sub(0.1, 0.5).step, cancel=cancel)
    source_id = api.add_table(
        project, name, source, table, schema=schema, progress=job.sub(0.5, 1.0).step,
        cancel=cancel,
    )
    job.done("Saved")
    return source_id, frame, profile, list(table.report.notes)


def override_kind_job(
    project: Project,
    source_id: int,
    frame: pd.DataFrame,
    column: str,
    kind: str,
    progress: ProgressCallback,
    cancel: CancelToken,
) -> tuple[Schema, TableProfile]:
    """Record the user's kind for ``column``, infer the rest again, profile, save the kinds.

    The override is marked as the user's (``overridden``), so later re-inferences (a
    refresh, a reopened project) keep it. The kinds are saved after the profile, so a
    Cancel leaves the project as it was.
    """
    from desktop.panels.context import note_kinds_changed
    from engine import api
    from engine.profile.kind_check import check_kind

    job = Job(progress, cancel)
    check_kind(frame[column], kind, column)  # refuse what cannot work, before any change
    stored = project.load_schema(source_id) or api.infer_schema(frame)
    chosen = stored.override(column, kind=kind)
    schema = api.infer_schema(frame, chosen, progress=job.sub(0.0, 0.2).step, cancel=cancel)
    profile = api.profile_table(frame, schema, progress=job.sub(0.2, 0.95).step, cancel=cancel)
    job.check()
    project.save_schema(source_id, schema)
    note_kinds_changed(project, source_id)  # models trained before used the old kinds
    job.done("Saved")
    return schema, profile
