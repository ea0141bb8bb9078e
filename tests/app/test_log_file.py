"""The desktop's rotating log file, on a real file."""

from __future__ import annotations

import logging
from pathlib import Path

from app import log_file


def test_records_reach_the_file_with_tokens_redacted(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "pulsedesk.log"
    handler = log_file.install(path)
    try:
        logging.getLogger("pulsedesk.test").warning("opened ws://h/ws?token=s3cret-value now")
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    text = path.read_text()
    assert "opened ws://h/ws?token=" in text and "s3cret-value" not in text
    assert handler.maxBytes == log_file.MAX_BYTES and handler.backupCount == log_file.BACKUPS


def test_the_default_file_is_in_the_user_log_dir() -> None:
    assert log_file.log_file_path().name == "pulsedesk.log"
    assert "pulsedesk" in log_file.log_file_path().parent.parts
