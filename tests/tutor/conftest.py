"""Tutor projects the tests share: each scenario's ``tutor config save`` runs once per session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.tutor.site import TutorSite, make_site

EXTERNAL_HOST = "clickhouse.example.internal"
EXTERNAL_PASSWORD = "p@ss/word:1"
QUEUE = "oars.tasks"


@dataclass(frozen=True)
class Scenario:
    """A Tutor project: which venv, which plugins enabled, which settings given, which checkouts mounted."""

    kind: str
    plugins: tuple[str, ...]
    settings: dict[str, str] = field(default_factory=dict)
    mount_checkout: bool = False

    @property
    def aspects(self) -> bool:
        return "aspects" in self.plugins

    @property
    def runs_clickhouse(self) -> bool:
        """Our ClickHouse service is rendered: not with Aspects, not when the operator points at their own."""
        return not self.aspects and self.settings.get("OARS_RUN_CLICKHOUSE") != "false"

    @property
    def queue(self) -> str | None:
        return self.settings.get("OARS_CELERY_QUEUE") or None

    def clickhouse_url(self, config: dict) -> str:
        """The URL the LMS and Studio must get, from what config.yml holds."""
        if self.aspects:
            user, password, host = "ch_admin", config["CLICKHOUSE_ADMIN_PASSWORD"], "clickhouse"
        elif not self.runs_clickhouse:
            user, password, host = "oars", EXTERNAL_PASSWORD, EXTERNAL_HOST
        else:
            user, password, host = "oars", config["OARS_CLICKHOUSE_SERVICE_PASSWORD"], "oars-clickhouse"
        return f"clickhouse://{user}:{quote(password, safe='')}@{host}:9000/?secure=false"

    def databases(self) -> dict[str, str]:
        """With Aspects: Aspects' database names (its xAPI database is Vector's, ``openedx``, by default)."""
        return {"xapi": "openedx" if self.aspects else "xapi", "event_sink": "event_sink", "oars": "oars"}


SCENARIOS: dict[str, Scenario] = {
    "own ClickHouse": Scenario("tutor", ("oars",)),
    "own ClickHouse, Aspects installed": Scenario("tutor+aspects", ("oars",)),
    "Aspects enabled": Scenario("tutor+aspects", ("oars", "aspects")),
    "external ClickHouse, own queue, checkout": Scenario(
        "tutor",
        ("oars",),
        {
            "OARS_RUN_CLICKHOUSE": "false",
            "OARS_CLICKHOUSE_HOST": EXTERNAL_HOST,
            "OARS_CLICKHOUSE_PASSWORD": EXTERNAL_PASSWORD,
            "OARS_CELERY_QUEUE": QUEUE,
            "OARS_EXTRA_SETTINGS": "{OARS_BATCH_SIZE: 2000}",
            "OARS_PIP_REQUIREMENT": "",
        },
        mount_checkout=True,
    ),
}


@pytest.fixture(scope="session")
def tutor_site(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TutorSite]:
    """``tutor_site(name)``: the scenario's project, configured on first use."""
    sites: dict[str, TutorSite] = {}

    def get(name: str) -> TutorSite:
        if name not in sites:
            scenario = SCENARIOS[name]
            root = tmp_path_factory.mktemp("tutor")
            mounts = []
            if scenario.mount_checkout:
                checkout = root / "checkouts" / "oars-platform"
                checkout.mkdir(parents=True)
                mounts.append(str(checkout))
            sites[name] = make_site(root, scenario.kind, list(scenario.plugins), scenario.settings, mounts)
        return sites[name]

    return get


def checkout_path(site: TutorSite) -> Path:
    """Where the scenario's mounted checkout is on the host."""
    return site.root / "checkouts" / "oars-platform"
