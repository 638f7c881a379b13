"""The rendered Kubernetes manifests of ``tutor k8s`` are valid and hold what must be there.

Validated by kubernetes-validate (in the tutor venvs: it checks each resource against the Kubernetes API schemas it
ships, offline, ``--strict`` refusing unknown fields); the checks read the parsed documents.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.tutor.conftest import QUEUE, SCENARIOS
from tests.tutor.site import TutorSite, yaml_documents

MANIFESTS = ["k8s/deployments.yml", "k8s/services.yml", "k8s/jobs.yml", "k8s/volumes.yml"]


def resources(site: TutorSite) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, name) → resource, for every rendered manifest; a failure shows the validator's complaint."""
    result = site.run("kubernetes-validate", "--strict", *MANIFESTS)
    assert result.returncode == 0, f"kubernetes-validate refused the manifests:\n{result.stdout}\n{result.stderr}"
    found = {}
    for path in MANIFESTS:
        for document in yaml_documents(site.rendered(path)):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_k8s_manifests(tutor_site, name: str) -> None:
    scenario, site = SCENARIOS[name], tutor_site(name)
    found = resources(site)
    kustomization = yaml.safe_load(site.rendered("kustomization.yml"))
    generated = {entry["name"]: entry for entry in kustomization.get("configMapGenerator", [])}

    assert ("Job", "lms-job") in found  # where `tutor k8s do init` runs the LMS init tasks, ours included
    if scenario.runs_clickhouse:
        statefulset = found[("StatefulSet", "oars-clickhouse")]
        spec = statefulset["spec"]
        claim = spec["volumeClaimTemplates"][0]
        assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
        container = spec["template"]["spec"]["containers"][0]
        assert container["image"] == "docker.io/clickhouse/clickhouse-server:25.8"
        mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
        assert mounts["/var/lib/clickhouse"]["name"] == claim["metadata"]["name"]
        users = mounts["/etc/clickhouse-server/users.d/oars.xml"]
        volumes = {volume["name"]: volume for volume in spec["template"]["spec"]["volumes"]}
        config_map = volumes[users["name"]]["configMap"]["name"]
        files = generated[config_map]["files"]
        assert all((site.env_dir / file).exists() for file in files)
        assert users["subPath"] in {file.rsplit("/", 1)[-1] for file in files}
        service = found[("Service", "oars-clickhouse")]
        assert {port["port"] for port in service["spec"]["ports"]} == {9000, 8123}
        assert service["spec"]["selector"] == spec["selector"]["matchLabels"]
    else:
        assert ("StatefulSet", "oars-clickhouse") not in found
        assert "oars-clickhouse-users" not in generated

    assert ("Deployment", "lms-worker") in found and ("Deployment", "cms-worker") in found
    if scenario.queue:
        worker = found[("Deployment", "oars-worker")]["spec"]["template"]["spec"]["containers"][0]
        assert worker["args"][:3] == ["celery", "--app=lms.celery", "worker"]
        assert f"--queues={QUEUE}" in worker["args"]
    else:
        assert ("Deployment", "oars-worker") not in found
    if scenario.aspects:
        assert ("Deployment", "vector") not in found and ("DaemonSet", "vector") not in found
