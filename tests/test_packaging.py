"""The built wheel carries everything the plugin reads at run time, not only its Python modules.

An editable install (the suite's) reads files from the checkout, so a data file missing from ``package_data`` would
only fail on a real site: the ClickHouse migrations read ``max_migration.txt``, the dashboards need their template
and the vendored Chart.js, ``--dry-run`` validates against the bundled xAPI schema.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = (".git", ".venv", "build", "dist", "var", "artifacts", "*.egg-info", "__pycache__", ".hypothesis")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # From a clean copy: an in-tree build reuses the editable install's egg-info, whose file list would hide a file
    # that package_data misses.
    source = tmp_path_factory.mktemp("source") / "oars"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, cwd=out)
    (built,) = out.glob("oars_platform-*.whl")
    return built


def _package_files() -> set[str]:
    return {path.relative_to(ROOT).as_posix() for path in (ROOT / "oars_platform").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".so")}


def test_the_wheel_holds_every_file_of_the_package(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_package_files() - names)
    assert not missing, f"not in the wheel: {missing}"
    assert any(name.endswith("entry_points.txt") for name in names)


def test_the_installed_package_loads_its_migrations_and_templates(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import oars_platform\n"
        "assert oars_platform.__file__.startswith(sys.argv[1]), oars_platform.__file__\n"
        "from oars_platform.clickhouse.migrations import load_migrations\n"
        "from pathlib import Path\n"
        "package = Path(oars_platform.__file__).parent\n"
        "print(len(load_migrations()), (package / 'templates/oars_platform/dashboard.html').is_file())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    from oars_platform.clickhouse.migrations import load_migrations

    assert done.stdout.split() == [str(len(load_migrations())), "True"]
