"""What start-up pays for: building an app imports and builds only what serving needs.

Each case runs in a fresh interpreter, since this one has imported everything long ago.
"""

from __future__ import annotations

import subprocess
import sys


def fresh_python(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return run.stdout.strip()


def test_building_the_app_leaves_prometheus_client_and_psutil_unimported() -> None:
    # They are imported at the first scrape and the first health check.
    code = (
        "import sys\n"
        "from server.main import create_app\n"
        "from server.settings import Settings\n"
        "create_app(Settings(port=0))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prometheus_client', 'psutil'}))"
    )
    assert fresh_python(code) == "[]"


def test_importing_the_factory_builds_no_app_until_uvicorn_asks_for_it() -> None:
    code = (
        "import server.main, uvicorn.importer\n"
        "print('app' in vars(server.main))\n"
        "app = uvicorn.importer.import_from_string('server.main:app')\n"  # uvicorn's own lookup
        "print(type(app).__name__, app is server.main.app, 'app' in vars(server.main))"
    )
    assert fresh_python(code).splitlines() == ["False", "FastAPI True True"]
