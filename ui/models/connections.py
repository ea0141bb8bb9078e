"""The table of connected clients, from GET /api/v1/connections."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ui.models.headers import column_title

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Id", "Person", "Address", "Since", "In", "Out", "Queued", "Channels")
_KEYS = ("id", "user", "remote", "connected_at", "received", "sent", "queued", "channels")
_NUMBERS = frozenset({"received", "sent", "queued"})
# The text columns that may be elided when the table is narrow (their tooltip has it all).
_FREE_TEXT = ("id", "user", "remote", "channels")
SHRINKABLE = frozenset(_KEYS.index(key) for key in _FREE_TEXT)
ADDRESS_COLUMN = _KEYS.index("remote")


class ConnectionsModel(QAbstractTableModel):
    """Rows are the server's connection records; ``own_id`` marks the window's own feed."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.own_id: str | None = None

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def connection_id(self, row: int) -> str:
        return str(self.rows[row]["id"])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        record = self.rows[index.row()]
        key = _KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = record.get(key, "")
            if key == "connected_at":
                return str(value)[11:19]  # HH:MM:SS (UTC)
            if key == "channels":
                return ", ".join(value or ())
            if key == "id" and value == self.own_id:
                return f"{value} (this window)"
            if key == "id" and record.get("admin"):
                return f"{value} (admin)"
            if key == "user":
                return value or "–"  # no token: anyone on a server that asks for none
            return str(value)
        if role == Qt.ItemDataRole.ToolTipRole and key == "connected_at":
            return str(record.get(key, ""))
        if role == Qt.ItemDataRole.ToolTipRole and key == "channels":
            return "\n".join(record.get(key) or ()) or None
        if role == Qt.ItemDataRole.ToolTipRole and key in _FREE_TEXT:
            return self.data(index)  # all of a cell a narrow table elides
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(COLUMNS, section, orientation, role)
