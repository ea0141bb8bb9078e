"""scripts/: what a new user sees from ``scripts/run``, and what ``scripts/test`` leaves behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Stands in for python3, venv and pip: a real first install downloads PySide6 for about 20 s,
# while what is tested here is only what scripts/run says around it. `-m venv` makes a .venv
# whose python "installs" by writing a pulsedesk that says it ran.
FAKE_PYTHON = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    set -eu
    if [ "$1 $2" = "-m venv" ]; then
        mkdir -p "$3/bin"
        cp "$0" "$3/bin/python"
    elif [ "$1 $2 $3" = "-m pip install" ]; then
        printf '#!/usr/bin/env bash\\necho "pulsedesk ran with: $*"\\n' > .venv/bin/pulsedesk
        chmod +x .venv/bin/pulsedesk
    fi
    """
)


def test_the_first_run_says_what_it_does_and_that_it_happens_once(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "run", checkout / "scripts" / "run")
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(checkout / "scripts" / "run"), "serve", "--port", "0"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    before, after = first.stderr.strip().splitlines()
    assert before.startswith("scripts/run: first run: creating .venv and installing")
    assert before.endswith("this happens once")
    assert after.startswith("scripts/run: .venv ready in ") and "later runs start at once" in after
    assert first.stdout == "pulsedesk ran with: serve --port 0\n"

    second = run()
    assert second.returncode == 0
    assert second.stderr == ""  # set up already: straight to pulsedesk
    assert second.stdout == first.stdout


def test_the_schemathesis_run_leaves_the_checkout_as_it_found_it() -> None:
    """scripts/test runs pytest in the checkout; nothing it leaves there may show up as
    untracked (what .gitignore lists, like .hypothesis/, is fine)."""
    before = set(os.listdir(ROOT))
    fuzz = "tests/server/test_openapi_fuzz.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", fuzz],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    new = sorted(set(os.listdir(ROOT)) - before)
    untracked = [
        name
        for name in new
        if subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode != 0
    ]
    assert untracked == [], f"left in the checkout: {untracked}"
