"""The rendered docker compose files of ``tutor local`` and ``tutor dev`` are valid and hold what must be there.

Validated by ``docker-compose config`` (Debian's docker-compose, offline: it checks the files against the Compose
schema and merges them, with no Docker daemon); the checks read its merged output.
"""

from __future__ import annotations

import hashlib
import shutil
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml

from tests.tutor.conftest import QUEUE, SCENARIOS, checkout_path
from tests.tutor.site import TutorSite

FILES = {
    "local": ["local/docker-compose.yml", "local/docker-compose.prod.yml", "local/docker-compose.jobs.yml"],
    "dev": [
        "local/docker-compose.yml",
        "dev/docker-compose.yml",
        "local/docker-compose.jobs.yml",
        "dev/docker-compose.jobs.yml",
    ],
}


def compose_config(site: TutorSite, mode: str) -> dict[str, Any]:
    """The merged compose configuration of a mode; a failure shows docker-compose's complaint."""
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.fail("docker-compose is not installed: scripts/test.sh installs it (apt package docker-compose)")
    args = [arg for path in FILES[mode] for arg in ("-f", path)]
    result = site.run(binary, *args, "--project-name", f"oars_{mode}", "config")
    assert result.returncode == 0, f"docker-compose config ({mode}) refused the files:\n{result.stderr}"
    return yaml.safe_load(result.stdout)


def volume_targets(service: dict[str, Any]) -> dict[str, str]:
    """Container path → host path of a service's bind mounts."""
    targets = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            targets[volume["target"]] = volume.get("source", "")
        else:
            source, target = volume.split(":")[:2]
            targets[target] = source
    return targets


@pytest.mark.parametrize("mode", ["local", "dev"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_compose_files(tutor_site, name: str, mode: str) -> None:
    scenario, site = SCENARIOS[name], tutor_site(name)
    services = compose_config(site, mode)["services"]
    env = site.env_dir

    if scenario.runs_clickhouse:
        clickhouse = services["oars-clickhouse"]
        assert clickhouse["image"] == "docker.io/clickhouse/clickhouse-server:25.8"
        mounts = volume_targets(clickhouse)
        assert mounts["/var/lib/clickhouse"] == str(site.root / "project" / "data" / "oars-clickhouse")
        users = mounts["/etc/clickhouse-server/users.d/oars.xml"]
        assert users == str(env / "plugins" / "oars" / "apps" / "clickhouse" / "users.xml")
        assert "<password_sha256_hex>" in (env / users).read_text()  # no clear-text password in the file
        for service in ("lms", "cms"):
            assert "oars-clickhouse" in services[service]["depends_on"]
        assert "/mounts/oars-clickhouse" in volume_targets(services["permissions"])
        assert "setowner 101 /mounts/oars-clickhouse" in site.rendered("apps/permissions/setowners.sh")
    else:
        assert "oars-clickhouse" not in services
    if scenario.aspects:
        assert "clickhouse" in services  # Aspects' own, which the plugin uses
        assert "vector" not in services and "ralph" not in services  # Aspects' ingestion is off

    # Celery: without a queue of its own the plugin's tasks go to Tutor's lms-worker and cms-worker queues.
    if mode == "local":
        assert {"lms-worker", "cms-worker"} <= set(services)
    if scenario.queue and mode == "local":
        worker = services["oars-worker"]
        assert worker["command"][:4] == ["celery", "--app=lms.celery", "worker", "--loglevel=info"]
        assert f"--queues={QUEUE}" in worker["command"]
        assert worker["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"
        assert "/openedx/edx-platform/lms/envs/tutor" in volume_targets(worker)
    else:
        assert "oars-worker" not in services  # `tutor dev` runs Celery tasks eagerly (devstack settings)

    if scenario.mount_checkout:
        # The mounted checkout is installed in the image and bind-mounted at run time (edit, restart, test).
        assert volume_targets(services["lms"])["/mnt/oars-platform"] == str(checkout_path(site))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_image_gets_the_plugin(tutor_site, name: str) -> None:
    scenario, site = SCENARIOS[name], tutor_site(name)
    dockerfile = site.rendered("build/openedx/Dockerfile")
    if scenario.mount_checkout:
        assert 'install -e "/mnt/oars-platform"' in dockerfile
        assert "install oars-platform" not in dockerfile  # OARS_PIP_REQUIREMENT is empty
    else:
        assert "$PIP_COMMAND install oars-platform" in dockerfile


def test_the_clickhouse_users_file(tutor_site) -> None:
    """The oars user's password is the one in OARS_CLICKHOUSE_URL; the default user is local to its container."""
    site = tutor_site("own ClickHouse")
    password = site.saved_config()["OARS_CLICKHOUSE_SERVICE_PASSWORD"]
    root = ElementTree.fromstring(site.rendered("plugins/oars/apps/clickhouse/users.xml"))
    assert root.findtext("users/oars/password_sha256_hex") == hashlib.sha256(password.encode()).hexdigest()
    assert [ip.text for ip in root.findall("users/default/networks/ip")] == ["::1", "127.0.0.1"]
