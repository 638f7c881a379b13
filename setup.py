"""Packaging for oars-platform, an Open edX (LMS and Studio) Django app plugin."""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).parent

EMBEDDED = ["chdb>=3.6", "pyarrow>=16"]
HOST = ["event-tracking>=3.0", "edx-ccx-keys>=1.3", "PyYAML>=6", "redis>=5", "edx-event-bus-redis>=1.0"]


def version() -> str:
    """Read __version__ without importing the package (its imports need Django)."""
    for line in (HERE / "oars_platform" / "__init__.py").read_text().splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip('"')
    raise RuntimeError("no __version__ in oars_platform/__init__.py")


setup(
    name="oars-platform",
    version=version(),
    description="Open Analytics Reference System plugin for Open edX: xAPI and course data into ClickHouse.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8") if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    # Namespace discovery: the template and static folders hold no __init__.py but ship as package data.
    packages=find_namespace_packages(include=["oars_platform", "oars_platform.*"], exclude=["*.__pycache__"]),
    include_package_data=True,
    package_data={
        "oars_platform": [
            "templates/**/*", "static/**/*", "xapi/*.json", "clickhouse/migrations/max_migration.txt",
        ]
    },
    python_requires=">=3.12",
    install_requires=[
        "Django>=5.2,<6.0",
        "edx-django-utils>=8.0",
        "edx-opaque-keys>=4.0",
        # Not celery[redis]: kombu's redis extra caps redis below 6.5, and edx-platform pins redis 7.x (its pins are
        # the platform-versions test lane's constraints). kombu's Redis transport imports `packaging`, named here.
        # Not 5.7: its worker closes the broker connection a second time after a connection loss, kombu's Redis
        # channel then restores unacked messages through a transport already detached from its connection
        # (AttributeError: 'NoneType' object has no attribute 'hostname'), which escapes as an unrecoverable error
        # and the worker exits (tests/pipeline/test_redis_faults.py; 5.6.3 reconnects and drains).
        "celery>=5.4,<5.7",
        "packaging>=23",
        "clickhouse-driver>=0.2.9",
        "openedx-events>=11.1",
        "orjson>=3.10",
        "cachetools>=5.3",
        "tqdm>=4.66",
        "redis[hiredis]>=5.0",
        # `replay_tracking_logs --dry-run` validates every statement against the xAPI 1.0.3 schema.
        "jsonschema>=4.22",
    ],
    extras_require={
        # The embedded engine: real ClickHouse in-process, for one-process installs, the demo and the tests.
        "embedded": EMBEDDED,
        # What the stand-in host (tests/host: a Django project shaped like edx-platform) needs to run.
        "demo": EMBEDDED + HOST,
        "test": EMBEDDED
        + HOST
        + [
            "pytest>=8",
            "pytest-django>=4.9",
            "hypothesis>=6.100",
            "mysqlclient>=2.2.1",
            "ruff>=0.6",
            "playwright>=1.45",
            # tests/test_packaging.py builds wheels without build isolation.
            "setuptools>=70.1",
        ],
    },
    entry_points={
        "lms.djangoapp": ["oars_platform = oars_platform.apps:OarsPlatformConfig"],
        "cms.djangoapp": ["oars_platform = oars_platform.apps:OarsPlatformConfig"],
    },
    classifiers=[
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Programming Language :: Python :: 3.12",
    ],
)
