"""Anchor for launch and idle: a bare Qt window, then a bare FastAPI app on a uvicorn thread.

What a hand-rolled "window plus embedded server" does, one after the other, with no lazy
imports. Prints ``window shown`` once the window is shown and ``listening on URL`` once the
socket is bound, then runs until SIGINT/SIGTERM.

    QT_QPA_PLATFORM=offscreen python -m bench.anchors.bare_desktop
"""

from __future__ import annotations

import signal
import socket
import sys
import threading

import uvicorn
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

from bench.anchors.bare_fastapi import app as fastapi_app


def main() -> None:
    qt = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("bare window"))
    window.resize(900, 600)
    window.show()
    print("window shown", flush=True)

    sock = socket.create_server(("127.0.0.1", 0))  # nothing of PulseDesk's: a bare anchor
    config = uvicorn.Config(fastapi_app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)

    def stop(*_: object) -> None:
        server.should_exit = True
        qt.quit()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    wake = QTimer()  # lets Python run its signal handlers while Qt's loop waits
    wake.start(500)
    wake.timeout.connect(lambda: None)
    qt.exec()
    thread.join(5)


if __name__ == "__main__":
    main()
