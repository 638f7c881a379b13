"""The transform's hot modules run compiled (mypyc; setup.py ``COMPILED``) and behave exactly as their source.

Compiled code checks declared types at run time where plain Python does not look, so an annotation narrower than
what hostile input can carry would turn into a different rejection, or an int declared float into ``3.0`` in a
statement. The same inputs (reference events, a generated corpus, and every data field of every reference event
replaced by values of the wrong type) go through both builds and must give identical output.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate
from benchmarks.corpus import to_log_line as corpus_line
from benchmarks.harness import plain_python_copy
from tests.xapi.support import fixture_names, load_event, to_log_line

ROOT = Path(__file__).resolve().parents[2]
WRONG_VALUES: list[Any] = [None, 0, -1, 1.5, "", "x", [], {}, True, 2**70, ["a", 1], {"a": None}]


def compiled_sources() -> list[str]:
    """setup.py's COMPILED list, read without running setup.py."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("setup.py has no COMPILED list")


def test_the_hot_modules_run_compiled_unless_opted_out() -> None:
    files = {path: importlib.import_module(path[:-3].replace("/", ".")).__file__ or "" for path in compiled_sources()}
    assert len(files) > 10
    if os.environ.get("OARS_PURE_PYTHON"):
        assert all(name.endswith(".py") for name in files.values()), files
    else:
        assert all(name.endswith(".so") for name in files.values()), files


def test_no_compiled_module_is_older_than_its_source() -> None:
    """An edited transform module runs only after a rebuild: `pip install --no-deps -e .` (test.sh does it)."""
    stale = []
    for source in compiled_sources():
        path = ROOT / source
        for built in path.parent.glob(f"{path.stem}.*.so"):
            if built.stat().st_mtime < path.stat().st_mtime:
                stale.append(source)
    assert not stale, f"rebuild the compiled transform (pip install --no-deps -e .): {stale} changed since"


def _inputs() -> list[Any]:
    events: list[Any] = []
    for name in fixture_names():
        event = load_event(name)
        events.append(event)
        events.append(to_log_line(event))
        data = event.get("data")
        data_keys = list(data) if isinstance(data, dict) else []  # browser problem_check carries a form string
        for key in [*data_keys, "__top__:timestamp", "__top__:name", "__top__:context", "__top__:data"]:
            for value in WRONG_VALUES:
                mutated = json.loads(json.dumps(event))
                if key.startswith("__top__:"):
                    mutated[key.split(":", 1)[1]] = value
                else:
                    mutated["data"][key] = value
                events.append(mutated)
    corpus = generate(2000, seed=11, learners=300)
    events.extend(corpus_line(event) for event in corpus.events)
    events.extend(["", "{", "[1, 2]", '{"name": "play_video"}', "x" * 30_000])
    return events


def _dump(root: Path, inputs: Path, output: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "xapi" / "transform_dump.py"), str(root), str(inputs),
                           str(output)], capture_output=True, text=True, cwd=output.parent, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(output.read_text())


def test_compiled_and_plain_python_give_identical_output(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({"events": _inputs()}))
    pure_root = plain_python_copy(tmp_path / "pure")

    pure = _dump(pure_root, inputs, tmp_path / "pure.json")
    installed = _dump(ROOT, inputs, tmp_path / "installed.json")

    assert pure["pipeline"].endswith(".py") and pure["pipeline"].startswith(str(pure_root))
    assert installed["pipeline"].startswith(str(ROOT))
    for mode, rows in pure["out"].items():
        assert len(rows) > 5000
        assert sum(row.startswith("{") for row in rows) > 2000  # statements, not only rejections
        mismatched = [(a, b) for a, b in zip(rows, installed["out"][mode], strict=True) if a != b]
        assert not mismatched, (mode, mismatched[:3])
