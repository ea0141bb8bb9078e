"""The top bar: the token field fits the token once shown, and "API docs" never fails silently."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication

from ui.panels.server_bar import ServerBar

TOKEN = "Zq3vX8_kPp2mN4rT6wY1aB5cD7eF9gH0iJ2kL4mN6oP"  # the length of the real ones (43)


def test_show_reveals_the_whole_token_and_hide_narrows_it_again(qtbot: Any) -> None:
    bar = ServerBar()
    qtbot.addWidget(bar)
    bar.resize(1400, 40)
    bar.set_token(TOKEN)
    bar.show()
    qtbot.waitExposed(bar)
    hidden_width = bar.token.width()
    bar.show_token.click()
    qtbot.waitUntil(lambda: bar.token.width() > hidden_width)
    assert len(bar.token.text()) == 43
    needed = bar.token.fontMetrics().horizontalAdvance(TOKEN)
    margins = bar.token.textMargins()
    assert needed + margins.left() + margins.right() < bar.token.contentsRect().width() - 4
    bar.show_token.click()
    qtbot.waitUntil(lambda: bar.token.width() == hidden_width)


def test_api_docs_without_a_browser_says_so_with_the_address(qtbot: Any) -> None:
    # No desktop here can fail to start a browser on demand: the opener says it failed.
    asked: list[str] = []

    def no_browser(url: QUrl) -> bool:
        asked.append(url.toString())
        return False

    bar = ServerBar(open_url=no_browser)
    qtbot.addWidget(bar)
    bar.set_url("http://127.0.0.1:8123")
    bar.docs_button.click()
    assert asked == ["http://127.0.0.1:8123/docs"]
    notice = bar.docs_notice
    assert notice is not None and notice.isVisible()
    assert "No web browser could be started" in notice.text()
    assert "http://127.0.0.1:8123/docs" in notice.text()
    copy = next(b for b in notice.buttons() if b.text() == "Copy address")
    copy.click()
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:8123/docs"


def test_api_docs_with_a_browser_shows_nothing_more(qtbot: Any) -> None:
    bar = ServerBar(open_url=lambda url: True)
    qtbot.addWidget(bar)
    bar.set_url("http://127.0.0.1:8123")
    assert bar.open_docs() and bar.docs_notice is None
