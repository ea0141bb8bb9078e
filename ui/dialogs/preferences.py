"""Edit → Preferences…: the server's settings and the window's, without an editor.

The server page edits what the config file holds. Every value is checked by ``check``, which
the composition root gives: the server's own Settings model, so the dialog accepts exactly
what the server would, and says what is wrong under the field, in words. A setting that a flag
or an environment variable sets is shown read-only with where it comes from (``locked``): the
file could not change it. When watching a server elsewhere the whole page is read-only.
When the port changes, ``listen_check`` (also the composition root's) tries whether the
server could listen on it at the address chosen, and a port another program holds is said
under the port field like any other mistake: Save waits until it is free or another is chosen.
With the port unchanged, the server restarts on the port it holds: nothing to try.

Save emits ``saved(server_changes, window_values)`` and closes; the window owns what follows
(writing the file, restarting the server when a server setting changed, which the dialog
announces before Save is pressed). Show it with ``open()``, not ``exec()`` (qasync).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from ui.dialogs.share import listens_on_loopback_only as loopback_only
from ui.theme import CHOICES, style

#: (errors by field, the values as the server would hold them) for the server page's values.
ServerCheck = Callable[[Mapping[str, Any]], tuple[dict[str, str], dict[str, Any]]]
#: Probe one check target URL now; a line saying how it went.
TargetTest = Callable[[str], Awaitable[str]]
#: Why the server could not listen on (host, port) now, in one line; None when it could.
ListenCheck = Callable[[str, int], str | None]

LOCAL_HOST, LAN_HOST = "127.0.0.1", "0.0.0.0"
AUTH_CHOICES = (
    ("auto", "Automatic: required beyond this computer"),
    ("required", "Always required"),
    ("off", "Never: anyone who can reach the server"),
)
#: The server page: (group, [(setting, label, kind)]). kind: text, number, list, auth, host,
#: targets.
SERVER_PAGE: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Where it listens", (("host", "Reachable from", "host"), ("port", "Port", "number"))),
    (
        "What it says it is",
        (("service_name", "Service name", "text"), ("environment", "Environment", "text")),
    ),
    (
        "Who may connect",
        (
            ("auth", "Tokens", "auth"),
            ("cors_origins", "Allowed origins (CORS)", "list"),
            ("allowed_hosts", "Allowed host names", "list"),
        ),
    ),
    ("Health checks", (("check_targets", "Check targets", "targets"),)),
    (
        "Message store",
        (
            ("store_max_messages", "Keep at most (messages)", "number"),
            ("store_max_age_days", "Keep for (days)", "number"),
        ),
    ),
    (
        "Limits",
        (
            ("max_frame_bytes", "Largest frame (bytes)", "number"),
            ("rate_limit", "Messages per second per client", "number"),
            ("rate_burst", "Burst (messages)", "number"),
            ("queue_limit", "Queue per client (frames)", "number"),
            ("max_connections", "Connections at most", "number"),
        ),
    ),
)
SERVER_KEYS = tuple(key for _, rows in SERVER_PAGE for key, _, _ in rows)
LIST_KEYS = frozenset(key for _, rows in SERVER_PAGE for key, _, kind in rows if kind == "list")
NOTIFICATIONS = (
    ("notify_down", "The server goes DOWN"),
    ("notify_up", "It is back UP"),
    ("notify_slow_client", "A slow client is dropped"),
    ("notify_new_channel", "A new channel appears"),
)
ERROR_CSS = "color:#c62828;"
#: Said while the choices leave the server open to its network with no token asked for.
OPEN_TO_ALL = (
    "Reachable from other devices with Tokens set to Never: anyone on the network can read "
    "every message and send their own."
)
LABEL_WIDTH = 220
WINDOW_FIELD_WIDTH = 200
NOTE_CSS = "color:#616161;"


class HostChoice(QWidget):
    """ "This computer only" or "Local network", with the exact address behind "Advanced"."""

    def __init__(self, host: str, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.local = QRadioButton("This computer only")
        self.lan = QRadioButton("Local network (other devices; tokens are then required)")
        self.group = QButtonGroup(self)
        self.group.addButton(self.local)
        self.group.addButton(self.lan)
        self.advanced = QCheckBox("Advanced: an exact address")
        self.exact = QLineEdit(host)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for widget in (self.local, self.lan, self.advanced, self.exact):
            column.addWidget(widget)
        plain = host in (LOCAL_HOST, LAN_HOST)
        (self.lan if host == LAN_HOST else self.local).setChecked(True)
        self.advanced.setChecked(not plain)
        self._show_mode()
        self.advanced.toggled.connect(self._show_mode)
        for signal in (self.local.toggled, self.advanced.toggled, self.exact.textChanged):
            signal.connect(on_change)

    def _show_mode(self) -> None:
        advanced = self.advanced.isChecked()
        self.exact.setVisible(advanced)
        self.local.setEnabled(not advanced)
        self.lan.setEnabled(not advanced)

    def value(self) -> str:
        if self.advanced.isChecked():
            return self.exact.text().strip()
        return LAN_HOST if self.lan.isChecked() else LOCAL_HOST

    def set_value(self, host: str) -> None:
        self.advanced.setChecked(host not in (LOCAL_HOST, LAN_HOST))
        self.exact.setText(host)
        (self.lan if host == LAN_HOST else self.local).setChecked(True)


class TargetsEditor(QWidget):
    """Named check targets: add, edit in place, remove, and test one now."""

    def __init__(
        self, targets: Mapping[str, str], on_change: Callable[[], None], test: TargetTest | None
    ) -> None:
        super().__init__()
        self._test = test
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Name", "URL (http(s)://… or tcp://host:port)"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(110)
        self.table.setMaximumHeight(160)
        self.table.verticalHeader().hide()
        for name, url in targets.items():
            self.add_row(name, url)
        self.add = QPushButton("Add")
        self.remove = QPushButton("Remove")
        self.test_now = QPushButton("Test now")
        self.test_now.setEnabled(test is not None)
        self.result = QLabel()
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add, self.remove, self.test_now):
            buttons.addWidget(button)
        buttons.addWidget(self.result, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self.add.clicked.connect(lambda: self.add_row("", ""))
        self.remove.clicked.connect(self._remove)
        self.test_now.clicked.connect(self.test_selected)
        self.table.itemChanged.connect(lambda _item: on_change())
        self.add.clicked.connect(on_change)
        self.remove.clicked.connect(on_change)

    def add_row(self, name: str, url: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(url))

    def _remove(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def value(self) -> dict[str, str]:
        targets: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            name, url = (self.table.item(row, column) for column in (0, 1))
            if name is not None and name.text().strip():
                targets[name.text().strip()] = url.text().strip() if url is not None else ""
        return targets

    @asyncSlot()
    async def test_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}) or [0]
        item = self.table.item(rows[0], 1)
        if self._test is None or item is None or not item.text().strip():
            self.result.setText("Select a target with a URL to test.")
            return
        self.result.setText(f"testing {item.text()}…")
        self.result.setText(await self._test(item.text().strip()))


class PreferencesDialog(QDialog):
    #: (server settings that changed, as the server holds them; every window setting)
    saved = Signal(dict, dict)

    def __init__(
        self,
        server: Mapping[str, Any],
        window: Mapping[str, Any],
        *,
        check: ServerCheck,
        locked: Mapping[str, str] | None = None,
        help_text: Mapping[str, str] | None = None,
        remote: str | None = None,
        server_running: bool = False,
        test_target: TargetTest | None = None,
        listen_check: ListenCheck | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.resize(720, 640)
        self._check = check
        self._listen_check = listen_check
        #: The last address tried and what ``listen_check`` said, so typing elsewhere does
        #: not try it again; Save always tries afresh.
        self._listened: tuple[tuple[str, int], str | None] | None = None
        self.locked = dict(locked or {})
        self.remote = remote
        self.server_running = server_running
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._help = dict(help_text or {})
        self._initial = check(dict(server))[1]

        self.tabs = QTabWidget()
        self.tabs.addTab(self._server_page(server, test_target), "Server")
        self.tabs.addTab(self._window_page(window), "Window")
        self.open_note = QLabel(OPEN_TO_ALL)
        self.open_note.setWordWrap(True)
        style(self.open_note, ERROR_CSS + "font-weight:bold;")
        self.restart_note = QLabel()
        self.restart_note.setWordWrap(True)
        style(self.restart_note, "color:#ef6c00;font-weight:bold;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.open_note)
        layout.addWidget(self.restart_note)
        layout.addWidget(self.buttons)
        self.refresh()

    # Building --------------------------------------------------------------------------------

    def _server_page(self, server: Mapping[str, Any], test: TargetTest | None) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        if self.remote is not None:
            banner = QLabel(
                f"Watching {self.remote}: its settings are its own, and shown here read-only."
            )
            banner.setWordWrap(True)
            style(banner, "background:#fff3e0;color:#3e2723;padding:6px;")
            column.addWidget(banner)
        for title, rows in SERVER_PAGE:
            box = QGroupBox(title)
            grid = QGridLayout(box)
            grid.setColumnStretch(1, 1)
            grid.setColumnMinimumWidth(0, LABEL_WIDTH)
            for key, label, kind in rows:
                self._add_row(grid, key, label, self._editor(key, kind, server.get(key), test))
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(page)
        return scroll

    def _editor(self, key: str, kind: str, value: Any, test: TargetTest | None) -> QWidget:
        changed = self.refresh
        editor: QWidget
        if kind == "host":
            editor = HostChoice(str(value), changed)
        elif kind == "auth":
            combo = QComboBox()
            for choice, text in AUTH_CHOICES:
                combo.addItem(text, choice)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(lambda _index: changed())
            editor = combo
        elif kind == "targets":
            editor = TargetsEditor(dict(value or {}), changed, test)
        else:
            text = ", ".join(value) if kind == "list" else ("" if value is None else str(value))
            line = QLineEdit(text)
            if kind == "list":
                line.setPlaceholderText("none; separate several with commas")
            line.textChanged.connect(lambda _text: changed())
            editor = line
        editor.setToolTip(self._help.get(key, ""))
        self.editors[key] = editor
        return editor

    def _add_row(self, grid: QGridLayout, key: str, label: str, editor: QWidget) -> None:
        row = grid.rowCount()
        # Beside a one-line field, the label sits on its line; beside a taller editor, at its top.
        tall = isinstance(editor, HostChoice | TargetsEditor)
        align = Qt.AlignmentFlag.AlignTop if tall else Qt.AlignmentFlag.AlignVCenter
        grid.addWidget(QLabel(label), row, 0, align)
        grid.addWidget(editor, row, 1)
        where = self.locked.get(key)
        if where is not None or self.remote is not None:
            editor.setEnabled(False)
        if where is not None:
            note = QLabel(f"set by {where}: change it there")
            style(note, NOTE_CSS)
            grid.addWidget(note, row + 1, 1)
            row += 1
        error = QLabel()
        error.setWordWrap(True)
        style(error, ERROR_CSS)
        error.hide()
        grid.addWidget(error, row + 1, 1)
        self.errors[key] = error

    def _window_page(self, window: Mapping[str, Any]) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.poll_interval = QDoubleSpinBox(minimum=0.5, maximum=60.0, singleStep=0.5, suffix=" s")
        self.poll_interval.setValue(float(window.get("poll_interval", 2.0)))
        self.log_cap = QSpinBox(minimum=1_000, maximum=1_000_000, singleStep=10_000)
        self.log_cap.setValue(int(window.get("log_cap", 50_000)))
        self.log_cap.setSuffix(" rows")
        self.log_cap.setGroupSeparatorShown(True)
        self.theme = QComboBox()
        for choice in CHOICES:
            self.theme.addItem({"system": "As the system"}.get(choice, choice.title()), choice)
        self.theme.setCurrentIndex(max(0, self.theme.findData(window.get("theme", "system"))))
        self.checks: dict[str, QCheckBox] = {}
        rows: list[tuple[str, QWidget]] = [
            ("Poll health and status every", self.poll_interval),
            ("Keep in the log (from the next start)", self.log_cap),
            ("Appearance", self.theme),
        ]
        for key, text in (
            ("close_to_tray", "Closing the window keeps PulseDesk running in the tray"),
            ("start_server", "Start the server when the window opens"),
            ("launch_at_login", "Open PulseDesk when I log in"),
        ):
            box = self.checks[key] = QCheckBox(text)
            box.setChecked(bool(window.get(key, key == "start_server")))
            rows.append(("", box))
        for field in (self.poll_interval, self.log_cap, self.theme):
            field.setFixedWidth(WINDOW_FIELD_WIDTH)  # a number or a choice: one width, not all
        for label, widget in rows:
            row = grid.rowCount()
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(widget, row, 1, Qt.AlignmentFlag.AlignLeft)
        notify = QGroupBox("Notify me when")
        notify_column = QVBoxLayout(notify)
        for key, text in NOTIFICATIONS:
            box = self.checks[key] = QCheckBox(text)
            box.setChecked(bool(window.get(key, True)))
            notify_column.addWidget(box)
        grid.addWidget(notify, grid.rowCount(), 0, 1, 2)
        grid.setRowStretch(grid.rowCount(), 1)
        grid.setColumnStretch(1, 1)
        return page

    # Values ----------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The server page as typed (text as text: ``check`` converts, as the server would)."""
        values: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, HostChoice | TargetsEditor):
                values[key] = editor.value()
            elif isinstance(editor, QComboBox):
                values[key] = editor.currentData()
            elif isinstance(editor, QLineEdit) and key in LIST_KEYS:
                values[key] = [part.strip() for part in editor.text().split(",") if part.strip()]
            elif isinstance(editor, QLineEdit):
                values[key] = editor.text().strip()
        return values

    def server_changes(self, *, fresh: bool = False) -> tuple[dict[str, str], dict[str, Any]]:
        """(errors by field, the settings that differ from what the server had). A new port the
        server could not listen on is an error of the port field; ``fresh`` tries it again even
        when it is the one tried last."""
        if self.remote is not None:
            return {}, {}
        errors, clean = self._check(self.values())
        changes = {
            key: clean[key]
            for key in SERVER_KEYS
            if key not in self.locked and key in clean and clean[key] != self._initial.get(key)
        }
        if not errors and "port" in changes:
            problem = self._listen_problem((str(clean["host"]), int(clean["port"])), fresh)
            if problem is not None:
                errors["port"] = problem
        return errors, changes

    def _listen_problem(self, address: tuple[str, int], fresh: bool) -> str | None:
        if self._listen_check is None:
            return None
        if fresh or self._listened is None or self._listened[0] != address:
            self._listened = (address, self._listen_check(*address))
        return self._listened[1]

    def window_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: box.isChecked() for key, box in self.checks.items()}
        values["poll_interval"] = self.poll_interval.value()
        values["log_cap"] = self.log_cap.value()
        values["theme"] = self.theme.currentData()
        return values

    def refresh(self) -> None:
        """Errors under their fields, Save only when there are none, and the restart notice."""
        if not hasattr(self, "save_button"):
            return  # still building
        errors, changes = self.server_changes()
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        self.save_button.setEnabled(not errors)
        values = self.values()
        open_to_all = self.remote is None and values.get("auth") == "off"
        self.open_note.setVisible(open_to_all and not loopback_only(str(values.get("host"))))
        restart = bool(changes) and self.server_running and not errors  # only what Save would do
        self.restart_note.setText(
            "Saving restarts the embedded server to apply "
            + ", ".join(sorted(changes))
            + ": connected clients reconnect by themselves."
            if restart
            else ""
        )
        self.restart_note.setVisible(restart)

    def save(self) -> None:
        errors, changes = self.server_changes(fresh=True)  # the port may have been taken since
        if errors:
            self.refresh()
            return
        self.saved.emit(changes, self.window_values())
        self.accept()
