"""Versioned ClickHouse migrations: one module per change, named ``NNNN_verb_object.py``, each with OPERATIONS.

``max_migration.txt`` names the newest migration, so two branches that both add migration N collide in git
instead of silently shipping two migrations with the same number.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import Operation, Topology

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+$")
HERE = Path(__file__).parent


@dataclass(frozen=True)
class Migration:
    """One migration: its number, module name, one-line description and operations."""

    version: int
    name: str
    description: str
    operations: tuple[Operation, ...]

    def render(self, databases: Databases, topology: Topology) -> list[str]:
        """Every SQL statement of this migration, in order."""
        return [sql for operation in self.operations for sql in operation.render(databases, topology)]

    def checksum(self, databases: Databases, topology: Topology) -> str:
        """A digest of the rendered SQL: tells when an applied migration's text has changed since."""
        return hashlib.sha256("\n;\n".join(self.render(databases, topology)).encode()).hexdigest()[:16]


class MigrationError(Exception):
    """The migration files themselves are inconsistent (duplicate numbers, stale max_migration.txt)."""


def load_migrations(directory: Path = HERE) -> list[Migration]:
    """All migrations in ``directory`` in version order; a number used twice is an error."""
    found: dict[int, Migration] = {}
    for module_info in pkgutil.iter_modules([str(directory)]):
        match = _NAME.match(module_info.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"Two migrations numbered {version:04d}: {found[version].name}, {module_info.name}")
        module = _import(directory, module_info.name)
        description = (module.__doc__ or module_info.name).strip().splitlines()[0]
        found[version] = Migration(version, module_info.name, description, tuple(module.OPERATIONS))
    versions = sorted(found)
    newest = (directory / "max_migration.txt").read_text().strip()
    if versions and found[versions[-1]].name != newest:
        newest_found = found[versions[-1]].name
        raise MigrationError(f"max_migration.txt says {newest!r} but the newest migration is {newest_found}")
    return [found[version] for version in versions]


def _import(directory: Path, name: str) -> ModuleType:
    if directory == HERE:
        return importlib.import_module(f"{__name__}.{name}")
    spec = importlib.util.spec_from_file_location(f"_oars_migration_{name}", directory / f"{name}.py")
    if spec is None or spec.loader is None:
        raise MigrationError(f"Cannot load migration {name} from {directory}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
