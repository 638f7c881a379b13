"""A Tutor project in a temporary ``TUTOR_ROOT``, driven through the real ``tutor`` command of a test venv.

Two venvs are built by scripts/lib.sh (``ensure_tutor_venv``): one with tutor and this repository's Tutor plugin,
one with tutor-contrib-aspects installed as well. ``tutor local|dev do …`` jobs run against a recording stand-in for
the ``docker`` command (first on ``PATH``): Tutor builds the real ``docker compose … run`` line and the stand-in keeps
it, so the tests see exactly the script each job container would run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VENVS = {
    "tutor": ("OARS_TUTOR_VENV", ROOT / ".venv-tutor"),
    "tutor+aspects": ("OARS_TUTOR_ASPECTS_VENV", ROOT / ".venv-tutor-aspects"),
}

_RECORDING_DOCKER = f"""#!{sys.executable}
import json, os, sys
with open(os.environ["OARS_FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if "ls" in sys.argv:  # `docker compose ls --format json`: no project is running
    print("[]")
"""


def venv(kind: str) -> Path:
    """The venv holding ``tutor`` for ``kind``; a clear failure when scripts/test.sh has not built it."""
    variable, default = VENVS[kind]
    path = Path(os.environ.get(variable) or default)
    if not (path / "bin" / "tutor").exists():
        pytest.fail(f"no tutor in {path} ({variable}): bash scripts/test.sh builds it (lib.sh: ensure_tutor_venv)")
    return path


@dataclass
class Job:
    """One task Tutor ran: the job service (``lms-job``) and the shell script given to ``sh -e -c``."""

    service: str
    script: str


class TutorSite:
    """One Tutor project: its root, its venv, and the commands run on it."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root = root
        self.kind = kind
        self.venv = venv(kind)
        self.bin = root / "fakebin"
        self.bin.mkdir(parents=True, exist_ok=True)
        docker = self.bin / "docker"
        docker.write_text(_RECORDING_DOCKER)
        docker.chmod(0o755)
        self.docker_log = root / "docker.log"

    def environ(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("TUTOR_")}
        env.update(
            TUTOR_ROOT=str(self.root / "project"),
            TUTOR_PLUGINS_ROOT=str(self.root / "plugins"),
            OARS_FAKE_DOCKER_LOG=str(self.docker_log),
            PATH=f"{self.bin}{os.pathsep}{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        )
        return env

    def tutor(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``tutor ARGS``; a failure shows Tutor's output."""
        result = subprocess.run(
            [str(self.venv / "bin" / "tutor"), *args],
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode:
            pytest.fail(f"tutor {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def run(self, program: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """A program of the venv (e.g. ``kubernetes-validate``) or of the machine, in the project's env folder."""
        path = self.venv / "bin" / program
        return subprocess.run(
            [str(path) if path.exists() else program, *args],
            cwd=cwd or self.env_dir,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    @property
    def env_dir(self) -> Path:
        return self.root / "project" / "env"

    def rendered(self, relative: str) -> str:
        return (self.env_dir / relative).read_text(encoding="utf-8")

    def saved_config(self) -> dict[str, Any]:
        """config.yml: what ``tutor config save`` kept (generated passwords, settings given with --set)."""
        return yaml.safe_load((self.root / "project" / "config.yml").read_text(encoding="utf-8"))

    def jobs(self, *args: str) -> list[Job]:
        """``tutor ARGS`` (a ``do`` command) and the tasks it ran, in order."""
        self.docker_log.write_text("")
        self.tutor(*args)
        jobs = []
        for line in self.docker_log.read_text().splitlines():
            argv = json.loads(line)
            if "run" in argv:
                tail = argv[argv.index("run") :]
                service = next(arg for arg in tail[1:] if arg.endswith("-job"))
                jobs.append(Job(service, tail[-1]))
        return jobs


def yaml_documents(text: str) -> list[dict[str, Any]]:
    """Every non-empty document of a multi-document YAML file."""
    return [document for document in yaml.safe_load_all(text) if document]


def make_site(root: Path, kind: str, plugins: list[str], settings: dict[str, str], mounts: list[str]) -> TutorSite:
    """Enable the plugins, add the mounts, save the configuration with the settings: the env is rendered."""
    site = TutorSite(root, kind)
    site.tutor("plugins", "enable", *plugins)
    for mount in mounts:
        site.tutor("mounts", "add", mount)
    site.tutor("config", "save", *[arg for name, value in settings.items() for arg in ("--set", f"{name}={value}")])
    return site
