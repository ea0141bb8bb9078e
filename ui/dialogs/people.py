"""Edit → People…: who has a token of their own, through the server's /api/v1/users.

Adding a person (or rotating their token) shows the token this once: with a Copy button, a
QR code of the browser link that signs in with it, and "Snippets…", which opens the Share
dialog filled in with it. Closing the dialog forgets it; the server only keeps a digest.
Revoking disconnects the person's clients at once (the server closes them with 1008).
People from the config file are listed too, but only the file can change them.

The list is asked for on opening and after every change, and answers can come back in any
order: only the answer to the newest request is shown, so a slow first answer cannot hide a
person added meanwhile, nor erase what a later action said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from ui.core.api import ApiClient, ApiError
from ui.dialogs.share import page_link, qr_pixmap
from ui.theme import style

COLUMNS = ("Name", "Role", "Created (UTC)", "Last seen (UTC)", "Token kept in")
#: Where each person's token is, by the API's ``source``.
KEPT_IN = {"config": "the config file", "store": "PulseDesk, as a digest only"}
#: What the server accepts as a name (it checks again; this only says it sooner, in words).
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _when(value: str | None) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM" (UTC), or a dash."""
    return f"{value[:10]} {value[11:16]}" if value else "–"


class PeopleDialog(QDialog):
    """``api`` talks to the server with the admin token; ``share_url`` is where others
    connect (the LAN URL when there is one); ``open_share(token)`` opens the Share dialog."""

    #: A token was made for this person (name); the token itself stays in the dialog.
    token_made = Signal(str)

    def __init__(
        self,
        api: ApiClient,
        share_url: str,
        open_share: Callable[[str], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("People and tokens")
        self.resize(760, 560)
        self.api = api
        self.share_url = share_url
        self._open_share = open_share
        self.people: list[dict[str, Any]] = []
        self.token: str | None = None
        #: How many times the list was asked for: an answer to an older request is dropped.
        self._listings = 0
        #: Whether the problem shown is the list's own, which the next list that comes clears.
        self._list_problem = False

        self.name = QLineEdit(placeholderText="name, e.g. grafana or alice")
        self.role = QComboBox()
        self.role.addItem("user: watches and sends", "user")
        self.role.addItem("admin: may also manage the server", "admin")
        self.add_button = QPushButton("Add person")
        add_row = QHBoxLayout()
        add_row.addWidget(self.name, 1)
        add_row.addWidget(self.role)
        add_row.addWidget(self.add_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.rotate_button = QPushButton("New token")
        self.revoke_button = QPushButton("Revoke")
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.rotate_button)
        actions.addWidget(self.revoke_button)

        self.error = QLabel()
        self.error.setWordWrap(True)
        style(self.error, "color:#c62828;")
        self.error.hide()  # takes no room until there is something to say
        self.token_panel = self._token_panel()
        self.token_panel.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(add_row)
        layout.addWidget(self.error)
        layout.addWidget(self.token_panel)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(buttons)

        self.add_button.clicked.connect(self._add_clicked)
        self.name.returnPressed.connect(self._add_clicked)
        self.rotate_button.clicked.connect(self._rotate_clicked)
        self.revoke_button.clicked.connect(self._revoke_clicked)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def _token_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("tokenPanel")
        style(panel, "#tokenPanel{background:#e8f5e9;border:1px solid #2e7d32;}")
        self.token_title = QLabel()
        style(self.token_title, "color:#1b5e20;font-weight:bold;")
        self.token_field = QLineEdit(readOnly=True)
        self.token_field.setMinimumWidth(380)
        self.copy_token = QPushButton("Copy")
        self.snippets = QPushButton("Snippets…")
        self.snippets.setEnabled(self._open_share is not None)
        self.qr = QLabel()
        note = QLabel(
            "Shown this once: PulseDesk keeps only a digest of it. Send it to them now; "
            "the QR code opens the browser client signed in."
        )
        note.setWordWrap(True)
        style(note, "color:#1b5e20;")
        grid = QGridLayout(panel)
        grid.addWidget(self.qr, 0, 0, 3, 1)
        grid.addWidget(self.token_title, 0, 1, 1, 3)
        grid.addWidget(self.token_field, 1, 1)
        grid.addWidget(self.copy_token, 1, 2)
        grid.addWidget(self.snippets, 1, 3)
        grid.addWidget(note, 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        self.copy_token.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.token_field.text())
        )
        self.snippets.clicked.connect(self._snippets_clicked)
        return panel

    # What the buttons do ---------------------------------------------------------------------

    async def reload(self) -> None:
        """Ask for the list and show it, unless it was asked for again before it came."""
        self._listings += 1
        listing = self._listings
        try:
            people = await self.api.users()
        except ApiError as exc:
            if listing == self._listings:
                self._say(f"Could not list people: {exc}", listing=True)
            return
        if listing != self._listings:
            return  # older than the list asked for since
        self.people = people
        if self._list_problem:
            self._say("")
        self.table.setRowCount(len(self.people))
        for row, person in enumerate(self.people):
            source = KEPT_IN.get(person["source"], person["source"])
            cells = (
                person["name"],
                person["role"],
                _when(person["created"]),
                _when(person["last_used"]) if person["last_used"] else "never",
                source,
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self._select(self.token_title.property("person") if self.token else None)
        self._selection_changed()

    async def add(self, name: str, role: str) -> bool:
        try:
            made = await self.api.add_user(name, role)
        except ApiError as exc:
            self._say(f"Could not add {name!r}: {exc.detail}")
            return False
        self.name.clear()
        self._say("")
        self._show_token(made["name"], made["token"], "Token for")
        await self.reload()
        return True

    async def rotate(self, name: str) -> None:
        try:
            made = await self.api.rotate_token(name)
        except ApiError as exc:
            self._say(f"Could not make a new token for {name!r}: {exc.detail}")
            return
        self._say("")
        self._show_token(name, made["token"], "New token for")
        await self.reload()

    async def revoke(self, name: str) -> None:
        try:
            await self.api.revoke_user(name)
        except ApiError as exc:
            self._say(f"Could not revoke {name!r}: {exc.detail}")
            return
        self._say("")
        if self.token_title.property("person") == name:
            self._forget_token()
        await self.reload()

    def selected(self) -> dict[str, Any] | None:
        rows = {index.row() for index in self.table.selectedIndexes()}
        return self.people[min(rows)] if rows and min(rows) < len(self.people) else None

    def _say(self, problem: str, *, listing: bool = False) -> None:
        """A problem under the add row, in words ("": none, and the line takes no room);
        ``listing``: the list could not be had (an action's outcome otherwise)."""
        self._list_problem = listing and bool(problem)
        self.error.setText(problem)
        self.error.setVisible(bool(problem))

    def _select(self, name: str | None) -> None:
        """Select ``name``'s row: the person whose token is shown is the one selected."""
        for row, person in enumerate(self.people):
            if person["name"] == name:
                self.table.selectRow(row)
                return

    def _show_token(self, name: str, token: str, title: str) -> None:
        self.token = token
        self.token_title.setText(f"{title} {name}")
        self.token_title.setProperty("person", name)
        self.token_field.setText(token)
        self.qr.setPixmap(qr_pixmap(page_link(self.share_url, token), module_pixels=3))
        self.token_panel.show()
        self.token_made.emit(name)

    def _forget_token(self) -> None:
        self.token = None
        self.token_field.clear()
        self.qr.clear()
        self.token_panel.hide()

    def _selection_changed(self) -> None:
        person = self.selected()
        editable = person is not None and person["source"] != "config"
        self.rotate_button.setEnabled(editable)
        self.revoke_button.setEnabled(editable)
        tip = "" if person is None or editable else "Set in the config file: change it there."
        self.rotate_button.setToolTip(tip)
        self.revoke_button.setToolTip(tip)

    @asyncSlot()
    async def _add_clicked(self) -> None:
        name = self.name.text().strip()
        if not NAME.match(name):
            self._say(
                "A name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
                "digit (grafana, alice.smith, ci-bot)."
            )
            self.name.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        await self.add(name, str(self.role.currentData()))

    @asyncSlot()
    async def _rotate_clicked(self) -> None:
        person = self.selected()
        if person is not None:
            await self.rotate(person["name"])

    @asyncSlot()
    async def _revoke_clicked(self) -> None:
        person = self.selected()
        if person is not None:
            await self.revoke(person["name"])

    def _snippets_clicked(self) -> None:
        if self._open_share is not None and self.token is not None:
            self._open_share(self.token)
