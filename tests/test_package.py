"""The package as a user gets it: the wheel that ``python -m build`` makes from this tree, installed
with its desktop extra into a fresh venv outside the repository, runs ``serve`` and the window.

Those are slow (about half a minute: a build, a venv, an install from the package index) and part
of every CI run. The checks of the declared dependencies, the README and the Dockerfile are quick.
"""

from __future__ import annotations

import ast
import email
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from email.message import Message
from importlib.metadata import packages_distributions
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# What the wheel is built from; the rest of the tree (tests, bench, docs) stays out of it.
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "app", "common", "server", "ui"]
URL_LINE = re.compile(r"PulseDesk serving \S+ at (http://127\.0\.0\.1:\d+)")


def shipped_assets() -> list[str]:
    """Every file the package must carry that is not Python: the page, the API docs' files in
    their own folders, the desktop entry and the icon."""
    assets = [*(ROOT / "server" / "static").rglob("*"), *(ROOT / "app" / "assets").rglob("*")]
    return sorted(str(path.relative_to(ROOT)) for path in assets if path.is_file())


def environment(home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PULSEDESK_")}
    env.update(PULSEDESK_CONFIG_DIR=str(home / "config"), PULSEDESK_DATA_DIR=str(home / "data"))
    env.update(QT_QPA_PLATFORM="offscreen", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources (so no build/ or egg-info lands in the tree)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("pulsedesk-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with the wheel and its desktop extra: its bin/."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[desktop]"],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment(venv),
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    return venv / "bin"


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started, killed after it if it left them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()  # waits, and closes the pipes


def start(installed: Path, home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(installed / "pulsedesk"), *args],
        cwd=home,  # outside the repository: nothing can be imported from the source tree
        env=environment(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def served_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    match = URL_LINE.search(line)
    assert match, f"no URL in {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    return match.group(1)


def metadata(wheel: Path) -> Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(archive.read(name))


@pytest.mark.slow
def test_the_wheel_holds_the_license_and_every_asset(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "pulsedesk-0.1.0.dist-info/licenses/LICENSE" in names
    assert {"server/static/index.html", "app/assets/pulsedesk.svg"} <= names
    missing = [asset for asset in shipped_assets() if asset not in names]
    assert missing == []
    assert not [name for name in names if name.startswith(("tests/", "bench/", "docs/"))]


@pytest.mark.slow
def test_the_wheel_metadata_says_license_python_and_classifiers(wheel: Path) -> None:
    meta = metadata(wheel)
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier") or []
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert any(url.startswith("Repository, ") for url in meta.get_all("Project-URL") or [])
    requires = meta.get_all("Requires-Dist") or []
    assert any(requirement.startswith("starlette") for requirement in requires)


@pytest.mark.slow
def test_the_installed_wheel_serves(
    installed: Path, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    process = start(installed, tmp_path, "serve", "--port", "0")
    processes.append(process)
    url = served_url(process)
    assert httpx.get(url + "/healthz", timeout=10).json()["status"] == "healthy"
    page = httpx.get(url + "/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(url + "/static/app.js", timeout=10).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


@pytest.mark.slow
def test_the_installed_wheel_opens_the_window_and_installs_its_entry(
    installed: Path, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    home = tmp_path
    process = start(installed, home, "--port", "0")
    processes.append(process)
    url = served_url(process)
    assert process.stderr is not None
    for line in process.stderr:  # logged once the window is on screen (offscreen here)
        if "window shown" in line:
            break
    else:
        pytest.fail(f"the window never showed; exit code {process.wait(timeout=30)}")
    assert httpx.get(url + "/healthz", timeout=10).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0

    entry = subprocess.run(
        [str(installed / "pulsedesk"), "desktop-entry", "--install"],
        cwd=home,
        env={**environment(home), "XDG_DATA_HOME": str(home / "share")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert entry.returncode == 0, entry.stderr
    desktop_file = home / "share" / "applications" / "pulsedesk.desktop"
    assert f"Exec={installed / 'pulsedesk'}\n" in desktop_file.read_text()
    assert (home / "share" / "icons" / "hicolor" / "scalable" / "apps" / "pulsedesk.svg").is_file()


def test_readme_pictures_are_absolute_links_under_the_repository() -> None:
    """A package index shows the README without the repository's files beside it."""
    readme = (ROOT / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", readme)
    assert pictures, "the README shows the window and the browser page"
    raw = PYPROJECT["project"]["urls"]["Repository"] + "/raw/main/"
    for link in pictures:
        assert link.startswith(raw), f"{link} is not under {raw}"
        assert (ROOT / link.removeprefix(raw)).is_file(), f"{link} names no file in the tree"


def test_readme_shows_pipx_beside_scripts_run() -> None:
    readme = (ROOT / "README.md").read_text()
    start_section = readme.split("## Start", 1)[1].split("\n## ", 1)[0]
    assert "pipx install 'pulsedesk[desktop]'" in start_section
    assert "scripts/run" in start_section


def test_the_dockerfile_builds_from_every_source_on_a_python_ci_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    (version,) = re.findall(r"^FROM python:(\d+\.\d+)", dockerfile, re.MULTILINE)
    assert f"interpreter {version}" in (ROOT / ".ci" / "run").read_text()
    copied = {
        name
        for line in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE)
        for name in line.split()
    }
    assert copied >= set(SOURCES)


def imported_distributions() -> dict[str, set[str]]:
    """The distributions our packages import directly, each with the modules that import it."""
    local = {"app", "common", "server", "ui"}
    provided = packages_distributions()
    found: dict[str, set[str]] = {}
    for package in sorted(local):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in local or top in sys.stdlib_module_names:
                        continue
                    for distribution in provided.get(top, [top]):
                        found.setdefault(canonical(distribution), set()).add(
                            str(path.relative_to(ROOT))
                        )
    return found


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_package_imported_directly_is_declared() -> None:
    project = PYPROJECT["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["desktop"]]
    declared = {canonical(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]) for line in requirements}
    undeclared = {
        name: sorted(importers)
        for name, importers in imported_distributions().items()
        if name not in declared
    }
    assert undeclared == {}
