"""The platform touchpoint table (oars_platform/platform/touchpoints.py) against the stand-in, and against the code.

Every row must resolve in the stand-in host with what the plugin relies on (signal kwargs, model fields, function
parameters, attributes, block fields), and every platform import or platform path in the plugin's source must have a
row, so a new touchpoint cannot be added without its stand-in twin. openedx-events signals the receivers connect are
checked for the kwargs the learner routes read.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
from django.dispatch import Signal
from openedx_events.tooling import OpenEdxPublicSignal

from oars_platform.platform.touchpoints import PLATFORM_PREFIXES, TOUCHPOINTS, Touchpoint, all_touchpoints

PACKAGE = Path(__file__).resolve().parents[1] / "oars_platform"


def resolve(path: str) -> Any:
    module, _, attribute = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split(".") if attribute else ():
        target = getattr(target, part)
    return target


def field_path_exists(model: Any, path: str) -> bool:
    for part in path.split("__"):
        if part in {"id", "pk"}:
            model = None
            continue
        field = model._meta.get_field(part)
        model = field.related_model
    return True


def _is_platform(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in PLATFORM_PREFIXES)


def _is_platform_path(value: object) -> bool:
    """A string naming a platform object (``module:attr`` or a dotted path), not prose."""
    if not isinstance(value, str) or " " in value:
        return False
    return _is_platform(value.split(":")[0]) and (":" in value or value.count(".") > 1)


def _normalized(text: str) -> str:
    """``module:attr`` from ``module:attr`` or a dotted ``module.attr`` path."""
    if ":" in text:
        return text
    module, _, name = text.rpartition(".")
    return f"{module}:{name}"


def code_touchpoints() -> dict[str, set[Path]]:
    """Platform ``module:name`` imported, or named in a string, anywhere in the plugin, with the files doing so."""
    found: dict[str, set[Path]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and _is_platform(node.module):
                names = [f"{node.module}:{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [f"{alias.name}:" for alias in node.names if _is_platform(alias.name)]
            elif isinstance(node, ast.Constant) and _is_platform_path(node.value):
                names = [_normalized(node.value)]
            for name in names:
                found.setdefault(name, set()).add(path.relative_to(PACKAGE.parent))
    return found


@pytest.mark.parametrize("touchpoint", all_touchpoints(), ids=lambda t: f"{t.kind}:{t.path}")
def test_every_touchpoint_has_its_twin_in_the_stand_in(touchpoint: Touchpoint, db) -> None:
    target = resolve(touchpoint.path)
    if touchpoint.kind == "signal":
        assert isinstance(target, Signal | OpenEdxPublicSignal)
        if isinstance(target, OpenEdxPublicSignal):
            assert set(touchpoint.names) <= set(target.init_data)
    elif touchpoint.kind == "model":
        assert hasattr(target, "_meta"), f"{touchpoint.path} is not a model"
        for name in touchpoint.names:
            assert field_path_exists(target, name), name
    elif touchpoint.kind == "function":
        parameters = inspect.signature(target).parameters
        assert set(touchpoint.names) <= set(parameters), (touchpoint.names, list(parameters))
    elif touchpoint.kind == "attributes":
        for name in touchpoint.names:
            assert hasattr(target, name), f"{touchpoint.path} has no {name}"
    elif touchpoint.kind == "block":
        from standin.courses import CourseSpec, build_course
        from xmodule.modulestore import ModuleStoreEnum
        from xmodule.modulestore.django import modulestore

        built = build_course(CourseSpec(sections=1, seed=1))
        store = modulestore()
        with store.branch_setting(ModuleStoreEnum.Branch.published_only, built.course_key):
            course = store.get_course(built.course_key, depth=None)
            assert isinstance(course, target)
            for name in touchpoint.names:
                assert hasattr(course, name), f"the course block has no {name}"
    else:
        assert touchpoint.kind == "import", touchpoint.kind


def test_every_platform_import_and_path_in_the_plugin_is_in_the_table() -> None:
    listed = {touchpoint.path for touchpoint in all_touchpoints()}
    missing = {
        name: sorted(map(str, files))
        for name, files in code_touchpoints().items()
        # A class imported to call one of its methods is covered by the method's row.
        if name not in listed and not any(row.startswith(name + ".") for row in listed)
    }
    assert missing == {}, "platform touchpoints without a row in oars_platform/platform/touchpoints.py"


def test_platform_imports_live_only_in_the_adapter() -> None:
    imports: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "platform":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and _is_platform(module):
                imports.setdefault(str(path.relative_to(PACKAGE.parent)), []).append(module)
    assert imports == {}, "platform modules are imported only in oars_platform/platform/"


def test_the_receivers_signals_carry_the_kwargs_their_routes_read() -> None:
    from oars_platform.signals import RECEIVERS
    from oars_platform.signals.learners import ROUTES

    for receiver in RECEIVERS:
        signal = resolve(_normalized(receiver.signal_path))
        if isinstance(signal, OpenEdxPublicSignal) and signal.event_type in ROUTES:
            assert ROUTES[signal.event_type].kwarg in signal.init_data, receiver.signal_path
    routed = {resolve(_normalized(r.signal_path)).event_type for r in RECEIVERS if r.function == "on_learner_event"}
    assert routed == set(ROUTES), "every route has its receiver and every learner receiver its route"


def test_a_new_platform_import_without_a_row_is_caught(tmp_path, monkeypatch) -> None:
    import sys

    me = sys.modules[__name__]
    fake = tmp_path / "oars_platform"
    (fake / "platform").mkdir(parents=True)
    (fake / "platform" / "extra.py").write_text("from lms.djangoapps.badges.models import BadgeClass\n")
    monkeypatch.setattr(me, "PACKAGE", fake)
    assert "lms.djangoapps.badges.models:BadgeClass" in code_touchpoints()
    assert "lms.djangoapps.badges.models:BadgeClass" not in {row.path for row in TOUCHPOINTS}
