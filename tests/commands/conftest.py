"""Management commands run as an operator runs them: ``scripts/manage.py lms ...`` in a process of its own.

Exit codes and what reaches stderr are only true of a real process (``call_command`` raises instead of exiting and
has no stderr of its own), so these tests start the command and read both.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.servers import free_port
from tests.sites import ROOT, Site


@dataclass
class Run:
    """A finished command: exit code, stdout and stderr."""

    rc: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-blank lines of stderr."""
        return [line for line in self.err.splitlines() if line.strip()]


def manage(site: Site, *args: str, timeout: float = 120, config_path: Path | None = None) -> Run:
    """Run ``scripts/manage.py lms --settings production ARGS`` for ``site`` and wait for it.

    Logging stays at WARNING, the platform's default, so what stderr shows is what an operator sees.
    """
    env = {**site.env_for(config_path or site.config_path), "OARS_TEST_LOG_LEVEL": "WARNING"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "manage.py"), "lms", "--settings", "production", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def one_error_line(run: Run) -> str:
    """The command's only stderr line (a failure must be one line, not a traceback)."""
    assert run.err_lines and len(run.err_lines) == 1, f"expected one line on stderr, got:\n{run.err}"
    assert "Traceback" not in run.err
    return run.err_lines[0]


def configure(site: Site, **settings: object) -> None:
    """Change settings of ``site``'s own YAML (every later process of the site reads them)."""
    site.config.update(settings)
    site.config_path.write_text(yaml.safe_dump(site.config))


@pytest.fixture
def embedded_site() -> Iterator[Site]:
    """A stand-in LMS on the embedded engine (in the site's directory), its Django tables and users created."""
    site = Site("")
    configure(site, OARS_CLICKHOUSE_URL=f"chdb://{site.directory / 'engine'}")
    site.run("setup")
    yield site
    site.purge()


@pytest.fixture
def engine_holder(embedded_site: Site) -> Iterator[subprocess.Popen]:
    """Another process holding the site's embedded engine open (as a running worker or demo would)."""
    code = (
        "import sys, time\n"
        "from chdb import session\n"
        "s = session.Session(sys.argv[1]); s.query('SELECT 1')\n"
        "print('open', flush=True)\n"
        "time.sleep(600)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(embedded_site.directory / "engine")],
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    yield holder
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes the handshake) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def closed_port() -> int:
    """A loopback port nobody listens on (connections are refused)."""
    return free_port()
