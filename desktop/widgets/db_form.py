"""Where the database is: driver, file or server fields (or a URL), user and password.

The form only gathers text; it never connects. :meth:`ConnectionForm.connection` gives the
URL without a password and the password apart (a password typed into a URL is taken out of
it), so the URL can be saved in the project and the password cannot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets.db_drivers import DRIVERS, FILE_FILTERS, Driver, Environment, build_url

_FILE_PAGE, _SERVER_PAGE, _URL_PAGE = 0, 1, 2


class ConnectionForm(QWidget):
    """Driver choice, location fields, password and "Remember in the keychain"."""

    changed = Signal()  # any field changed: earlier answers no longer apply

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._missing: frozenset[str] = frozenset()
        self.driver_combo = QComboBox()
        for driver in DRIVERS:
            self.driver_combo.addItem(driver.name, driver.key)
        self.driver_combo.setToolTip("The kind of database to read from.")
        self.use_url = QCheckBox("Type a connection address (URL) instead")
        self.use_url.setToolTip(
            "For special set-ups: a SQLAlchemy address such as "
            "postgresql://ana@db.example.com:5432/crm."
        )

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("The database file")
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.setContentsMargins(0, 0, 0, 0)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        file_page = QWidget()
        file_layout = QFormLayout(file_page)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.addRow("File:", file_row)

        self.host_edit = QLineEdit()
        self.host_edit.setPlaceholderText("e.g. db.example.com")
        self.port_edit = QLineEdit()
        self.port_edit.setValidator(QIntValidator(1, 65535, self))
        self.database_edit = QLineEdit()
        self.database_edit.setPlaceholderText("e.g. crm")
        self.user_edit = QLineEdit()
        server_page = QWidget()
        server_layout = QFormLayout(server_page)
        server_layout.setContentsMargins(0, 0, 0, 0)
        server_layout.addRow("Server:", self.host_edit)
        server_layout.addRow("Port:", self.port_edit)
        server_layout.addRow("Database:", self.database_edit)
        server_layout.addRow("User:", self.user_edit)

        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("postgresql://user@server:5432/database")
        url_page = QWidget()
        url_layout = QFormLayout(url_page)
        url_layout.setContentsMargins(0, 0, 0, 0)
        url_layout.addRow("Address:", self.url_edit)

        # Only the page in use is shown (hidden pages take no room, unlike a QStackedWidget).
        self.pages = [file_page, server_page, url_page]
        pages = QWidget()
        pages_layout = QVBoxLayout(pages)
        pages_layout.setContentsMargins(0, 0, 0, 0)
        for page in self.pages:
            pages_layout.addWidget(page)

        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Leave empty to use the saved one, if any")
        self.password_edit.setToolTip(
            "Used to connect; never written into the project file."
        )
        self.remember = QCheckBox("Remember in the keychain")
        self.remember.setToolTip(
            "Save the password in this computer's keychain (not in the project), "
            "so you are not asked again."
        )

        layout = QFormLayout(self)
        self._layout = layout
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addRow("Database:", self.driver_combo)
        layout.addRow("", self.use_url)
        layout.addRow(pages)
        layout.addRow("Password:", self.password_edit)
        layout.addRow("", self.remember)

        self.driver_combo.currentIndexChanged.connect(self._driver_changed)
        self.use_url.toggled.connect(self._update_page)
        for edit in (self.path_edit, self.host_edit, self.port_edit, self.database_edit,
                     self.user_edit, self.url_edit, self.password_edit):
            edit.textChanged.connect(self.changed)
        self._driver_changed()

    # -- what the user chose -----------------------------------------------------------------

    @property
    def driver(self) -> Driver:
        return DRIVERS[max(self.driver_combo.currentIndex(), 0)]

    def set_driver(self, key: str) -> None:
        self.driver_combo.setCurrentIndex(self.driver_combo.findData(key))

    def set_environment(self, environment: Environment) -> None:
        """Mark the drivers that are not installed, and the keychain's availability."""
        self._missing = environment.missing
        for position, driver in enumerate(DRIVERS):
            missing = driver.key in environment.missing
            self.driver_combo.setItemText(
                position, driver.name + (" (not installed)" if missing else "")
            )
            self.driver_combo.setItemData(
                position, driver.install_hint if missing else None, Qt.ItemDataRole.ToolTipRole
            )
        self.remember.setEnabled(environment.keychain)
        if not environment.keychain:
            self.remember.setChecked(False)
            self.remember.setToolTip(
                "This computer has no keychain Gristmill can use: "
                "the password will be asked for each time."
            )

    @property
    def driver_missing(self) -> bool:
        return self.driver.key in self._missing

    def connection(self) -> tuple[str, str | None]:
        """(URL without password, password or None); raises DatabaseError for a bad URL."""
        from engine.sources.credentials import split_password

        driver = self.driver
        if self.use_url.isChecked():
            typed = self.url_edit.text().strip()
        else:
            typed = build_url(
                driver,
                path=self.path_edit.text(),
                host=self.host_edit.text(),
                port=self.port_edit.text(),
                database=self.database_edit.text(),
                user=self.user_edit.text(),
            )
        url, in_url = split_password(typed)
        password = self.password_edit.text() or in_url
        return url, password or None

    def location_missing(self) -> str | None:
        """What the user still has to fill in before connecting, in words (None: nothing)."""
        if self.use_url.isChecked():
            return None if self.url_edit.text().strip() else "Type the connection address."
        if self.driver.file_based:
            return None if self.path_edit.text().strip() else "Choose the database file."
        return None if self.host_edit.text().strip() else "Type the server's name."

    # -- private -----------------------------------------------------------------------------

    def _driver_changed(self, *_args: object) -> None:
        driver = self.driver
        self.port_edit.setPlaceholderText(str(driver.default_port or ""))
        self._update_page()
        self.changed.emit()

    def _update_page(self, *_args: object) -> None:
        if self.use_url.isChecked():
            shown = _URL_PAGE
        else:
            shown = _FILE_PAGE if self.driver.file_based else _SERVER_PAGE
        for position, page in enumerate(self.pages):
            page.setVisible(position == shown)
        file_based = self.driver.file_based and not self.use_url.isChecked()
        # A database file has no password: the rows go away rather than sit greyed out.
        self._layout.setRowVisible(self.password_edit, not file_based)
        self._layout.setRowVisible(self.remember, not file_based)
        self.changed.emit()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a database file", "", FILE_FILTERS.get(self.driver.key, "")
        )
        if path:
            self.path_edit.setText(path)
