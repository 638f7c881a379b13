"""Every Tutor setting of the plugin, declared once: name, default (a Tutor template) and a sentence for operators.

No Tutor import here, so the README test of oars-platform's suite can read this table without Tutor installed.
Defaults that depend on tutor-contrib-aspects test ``"aspects" in PLUGINS`` (the enabled plugins): with Aspects
enabled, the plugin talks to Aspects' ClickHouse, with Aspects' credentials and database names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Jinja test used by the defaults below and by the templates: is tutor-contrib-aspects enabled?
ASPECTS = "'aspects' in PLUGINS"


@dataclass(frozen=True)
class TutorSetting:
    """One Tutor setting of the plugin; ``shown`` is its default as the README shows it, when not ``default``."""

    name: str
    default: Any
    doc: str
    shown: str = ""

    @property
    def readme_default(self) -> str:
        """The README's default column: the literal value (YAML spelling), or ``shown``."""
        if self.shown:
            return self.shown
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        if self.default == "":
            return '`""`'
        return f"`{self.default}`"


def _aspects_or(name: str, aspects_value: str, own_value: str, doc: str) -> TutorSetting:
    """A setting whose default follows Aspects' own setting when Aspects is enabled."""
    default = f"{{% if {ASPECTS} %}}{aspects_value}{{% else %}}{own_value}{{% endif %}}"
    own = f"`{own_value}`" if own_value else '`""`'
    return TutorSetting(name, default, doc, shown=f"{own}; with Aspects `{aspects_value}`")


#: Generated once by ``tutor config save`` and kept in config.yml (Tutor's CONFIG_UNIQUE).
UNIQUE: tuple[TutorSetting, ...] = (
    TutorSetting(
        "OARS_CLICKHOUSE_SERVICE_PASSWORD",
        "{{ 24|random_string }}",
        "Password of the `oars` user of the ClickHouse service this plugin runs (generated).",
        shown="24 random characters, generated once",
    ),
)

DEFAULTS: tuple[TutorSetting, ...] = (
    TutorSetting(
        "OARS_PIP_REQUIREMENT",
        "oars-platform",
        "What `pip install` gets into the openedx image: a requirement, a `git+https://…` URL or a wheel URL. Empty "
        "installs nothing from an index (use it with a checkout added by `tutor mounts add /path/to/oars-platform`).",
    ),
    TutorSetting(
        "OARS_RUN_CLICKHOUSE",
        True,
        "Run a ClickHouse service (`oars-clickhouse`: a compose service, a StatefulSet on Kubernetes). Ignored when "
        "Aspects is enabled (Aspects' ClickHouse is used). False: point `OARS_CLICKHOUSE_HOST` and the credentials "
        "at your own server.",
    ),
    TutorSetting(
        "OARS_DOCKER_IMAGE_CLICKHOUSE",
        "docker.io/clickhouse/clickhouse-server:25.8",
        "Image of the ClickHouse service (24.8 or newer).",
    ),
    TutorSetting(
        "OARS_CLICKHOUSE_K8S_VOLUME_SIZE",
        "10Gi",
        "Size of the ClickHouse data volume on Kubernetes.",
    ),
    _aspects_or(
        "OARS_CLICKHOUSE_HOST",
        "{{ CLICKHOUSE_HOST }}", "oars-clickhouse",
        "ClickHouse host. Aspects enabled: Aspects' `CLICKHOUSE_HOST`.",
    ),
    _aspects_or(
        "OARS_CLICKHOUSE_PORT",
        "{{ CLICKHOUSE_INTERNAL_NATIVE_PORT }}", "9000",
        "ClickHouse native-protocol port. Aspects enabled: Aspects' `CLICKHOUSE_INTERNAL_NATIVE_PORT`.",
    ),
    TutorSetting(
        "OARS_CLICKHOUSE_SECURE",
        f"{{% if {ASPECTS} and CLICKHOUSE_SECURE_CONNECTION %}}true{{% else %}}false{{% endif %}}",
        "TLS to ClickHouse. Aspects enabled: Aspects' `CLICKHOUSE_SECURE_CONNECTION`.",
        shown="`false`; with Aspects `CLICKHOUSE_SECURE_CONNECTION`",
    ),
    _aspects_or(
        "OARS_CLICKHOUSE_USER",
        "{{ CLICKHOUSE_ADMIN_USER }}", "oars",
        "ClickHouse user (it runs the schema migrations, so it needs DDL rights). Aspects enabled: Aspects' "
        "`CLICKHOUSE_ADMIN_USER`.",
    ),
    _aspects_or(
        "OARS_CLICKHOUSE_PASSWORD",
        "{{ CLICKHOUSE_ADMIN_PASSWORD }}", "{{ OARS_CLICKHOUSE_SERVICE_PASSWORD }}",
        "ClickHouse password. Aspects enabled: Aspects' `CLICKHOUSE_ADMIN_PASSWORD`; else the generated "
        "`OARS_CLICKHOUSE_SERVICE_PASSWORD`.",
    ),
    TutorSetting(
        "OARS_CLICKHOUSE_URL",
        "clickhouse://{{ OARS_CLICKHOUSE_USER|oars_quote }}:{{ OARS_CLICKHOUSE_PASSWORD|oars_quote }}"
        "@{{ OARS_CLICKHOUSE_HOST }}:{{ OARS_CLICKHOUSE_PORT }}/?secure={{ OARS_CLICKHOUSE_SECURE|string|lower }}",
        "The `OARS_CLICKHOUSE_URL` the LMS and Studio get, built from the five settings above.",
        shown="`clickhouse://USER:PASSWORD@HOST:PORT/?secure=SECURE`",
    ),
    _aspects_or(
        "OARS_CLICKHOUSE_CLUSTER",
        "{{ CLICKHOUSE_CLUSTER_NAME }}", "",
        "ClickHouse cluster for `ON CLUSTER` migrations; empty for one server. Aspects enabled: Aspects' "
        "`CLICKHOUSE_CLUSTER_NAME`.",
    ),
    _aspects_or(
        "OARS_XAPI_DATABASE",
        "{{ ASPECTS_XAPI_DATABASE }}", "xapi",
        "Database of `xapi_events_all`. Aspects enabled: `ASPECTS_XAPI_DATABASE`.",
    ),
    _aspects_or(
        "OARS_EVENT_SINK_DATABASE",
        "{{ ASPECTS_EVENT_SINK_DATABASE }}", "event_sink",
        "Database of the course and learner tables. Aspects enabled: `ASPECTS_EVENT_SINK_DATABASE`.",
    ),
    TutorSetting("OARS_DATABASE", "oars", "Database of the plugin's own tables."),
    TutorSetting(
        "OARS_REDIS_DB",
        "{{ OPENEDX_CELERY_REDIS_DB }}",
        "Redis database (on Tutor's `REDIS_HOST`/`REDIS_PORT`, with `REDIS_USERNAME`/`REDIS_PASSWORD`) of the event "
        "buffer; the Celery broker's by default, which nobody flushes like a cache.",
    ),
    TutorSetting(
        "OARS_CELERY_QUEUE",
        "",
        "Empty: each task runs on the default queue of the service that sent it, consumed by Tutor's `lms-worker` "
        "and `cms-worker`. A name: every task of the plugin goes there, the queue is added to `CELERY_QUEUES` and "
        "an `oars-worker` service consumes it.",
    ),
    TutorSetting(
        "OARS_PII_ENABLED",
        False,
        "The Django setting of that name (see Configuration). Aspects enabled: `ASPECTS_ENABLE_PII` decides "
        "instead (Aspects' init empties the PII tables when its own switch is off).",
    ),
    TutorSetting("OARS_PAGE_VIEWS_ENABLED", False, "The Django setting of that name (see Configuration)."),
    TutorSetting("OARS_XAPI_ACTOR_MODE", "external_id", "The Django setting of that name (see Configuration)."),
    TutorSetting("OARS_DATA_TTL_MONTHS", 0, "The Django setting of that name (see Configuration)."),
    TutorSetting(
        "OARS_EXTRA_SETTINGS",
        {},
        "Any other `OARS_*` Django setting, as a mapping of name to value (e.g. `{OARS_BATCH_SIZE: 2000}`).",
    ),
)

#: platform-plugin-aspects' sinks (``EVENT_SINK_CLICKHOUSE_<MODEL>_ENABLED``), all switched off when Aspects is
#: enabled: this plugin writes the same ``event_sink`` tables (and retires users from them) itself.
ASPECTS_SINK_MODELS: tuple[str, ...] = (
    "course_overviews",
    "course_enrollment",
    "tag",
    "taxonomy",
    "object_tag",
    "user_profile",
    "external_id",
    "auth_user",
)

#: Aspects' own defaults this plugin overrides when Aspects is enabled (Tutor's CONFIG_OVERRIDES), and why.
ASPECTS_OVERRIDES: tuple[TutorSetting, ...] = (
    TutorSetting(
        "RUN_VECTOR",
        False,
        "Vector reads the LMS and Studio logs and loads xAPI (and raw tracking logs) into ClickHouse: a second copy.",
    ),
    TutorSetting(
        "RUN_RALPH", False, "Ralph is the LRS event-routing-backends would send xAPI to: a second copy."
    ),
    TutorSetting(
        "EVENT_SINK_MODELS_ENABLED",
        [],
        "platform-plugin-aspects' sinks write the `event_sink` tables this plugin writes.",
    ),
    TutorSetting(
        "ASPECTS_ENABLE_EVENT_BUS_CONSUMER",
        False,
        "The event-bus consumer feeds event-routing-backends, whose xAPI this plugin replaces.",
    ),
)
