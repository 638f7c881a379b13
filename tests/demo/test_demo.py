"""The demo as a newcomer meets it: two checkouts at once, a rerun, the closing commands and the served site.

Each test copies the checkout (the demo keeps its data in the checkout's ``var/demo/`` and names its Redis keys
after the checkout's path) and runs ``scripts/demo.py`` in it with this venv's Python, with a small cohort.
``scripts/demo.sh`` only builds a venv and hands its arguments to ``scripts/demo.py``; CI runs it for real in a
fresh venv (``.ci/run``).
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import redis

from tests import logcheck
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/9"
IGNORED = shutil.ignore_patterns(".git", ".venv", "var", "artifacts", "__pycache__", "*.egg-info", ".ruff_cache",
                                 ".hypothesis", "build", "dist")
STORED = re.compile(r"all (\d+) events stored, none quarantined")


def copy_checkout(destination: Path) -> Path:
    """A second checkout of this one (its files, none of its data)."""
    shutil.copytree(ROOT, destination, ignore=IGNORED)
    return destination


def prefix_of(checkout: Path) -> str:
    """The Redis key prefix the demo of ``checkout`` uses (its own computation, run from that checkout)."""
    return subprocess.run(
        [sys.executable, "-c", "from scripts.demo_site import PREFIX; print(PREFIX)"],
        cwd=checkout, capture_output=True, text=True, check=True,
    ).stdout.strip()


def start_demo(checkout: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "scripts/demo.py", *args], cwd=checkout, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen, where: str, timeout: float = 600) -> str:
    output, _ = process.communicate(timeout=timeout)
    logcheck.record_output(output, where)
    assert process.returncode == 0, output[-4000:]
    return output


def run_demo(checkout: Path, *args: str) -> str:
    return finish(start_demo(checkout, *args), f"demo in {checkout.name}")


@pytest.fixture
def checkouts(tmp_path):
    """Two checkout copies; their Redis keys are deleted afterwards."""
    copies = [copy_checkout(tmp_path / name) for name in ("first", "second")]
    yield copies
    client = redis.Redis.from_url(REDIS)
    for copy in copies:
        for key in client.scan_iter(match=f"{prefix_of(copy)}:*"):
            client.delete(key)


def test_two_checkouts_run_their_demos_at_once_and_reset_only_their_own_keys(checkouts) -> None:
    first, second = checkouts
    assert prefix_of(first) != prefix_of(second)
    processes = [start_demo(copy, "--learners", "3") for copy in checkouts]
    outputs = [finish(process, f"demo {index}") for index, process in enumerate(processes)]
    for output in outputs:
        match = STORED.search(output)
        assert match and int(match.group(1)) > 3 * 10, output[-3000:]
        assert "MISMATCH" not in output and "NOGROUP" not in output and "Traceback" not in output

    client = redis.Redis.from_url(REDIS)
    second_keys = sorted(client.scan_iter(match=f"{prefix_of(second)}:*"))
    assert f"{prefix_of(second)}:tracking".encode() in second_keys
    output = run_demo(first, "--reset", "--learners", "2")
    assert "removed" in output and STORED.search(output)
    assert sorted(client.scan_iter(match=f"{prefix_of(second)}:*")) == second_keys


def test_a_lost_event_fails_the_demo_loudly(tmp_path) -> None:
    """The stored = emitted check is real: an event that never reaches the buffer fails the demo, in one line."""
    checkout = copy_checkout(tmp_path / "lossy")
    activity = checkout / "scripts" / "demo_activity.py"
    text = activity.read_text()
    # One more event after the cohort, with the plugin's backend taken out of the tracker: emitted, never buffered.
    text = text.replace(
        "    return activity\n",
        "    from oars_platform.settings.common import TRACKING_BACKEND_NAME\n"
        "    ours = emitter.backends.pop(TRACKING_BACKEND_NAME)\n"
        "    emit(activity.users[0], 'load_video', {'id': videos[0].block_id, 'duration': 1.0, 'code': 'html5'}, '')\n"
        "    emitter.backends[TRACKING_BACKEND_NAME] = ours\n"
        "    return activity\n",
        1,
    )
    activity.write_text(text)
    process = start_demo(checkout, "--learners", "2")
    output, _ = process.communicate(timeout=600)
    logcheck.record_output(output, "lossy demo")
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"{prefix_of(checkout)}:*"):
        client.delete(key)
    assert process.returncode == 1, output[-3000:]
    row = re.search(r"^   load_video +(\d+) +(\d+)   <-- MISMATCH$", output, re.MULTILINE)
    assert row and int(row.group(1)) == int(row.group(2)) + 1, output[-3000:]
    failure = [line for line in output.splitlines() if line.startswith("DEMO FAILED")]
    assert len(failure) == 1, output[-3000:]
    assert re.fullmatch(r"DEMO FAILED: stored events differ from emitted ones for load_video \(emitted (\d+), stored "
                        r"(\d+)\): see `oars_status` and the table above", failure[0]), failure


def test_rerun_without_reset_then_every_printed_command_works(tmp_path) -> None:
    checkout = copy_checkout(tmp_path / "rerun-checkout")
    try:
        run_demo(checkout, "--learners", "2")
        output = run_demo(checkout, "--learners", "2")  # a second run, no --reset: a new cohort
        assert "(run 2 of this site)" in output and STORED.search(output)
        commands = re.findall(r"^   \$ (.+)$", output, re.MULTILINE)
        assert len(commands) >= 5, output[-3000:]
        assert commands[-1] == f"OARS_VENV={sys.prefix} bash scripts/demo.sh --serve"  # this venv, not .venv
        for command in commands[:-1]:
            argv = shlex.split(command)
            assert argv[1:2] == ["scripts/manage.py"], command
            result = subprocess.run(argv, cwd=checkout, capture_output=True, text=True, timeout=300, check=False)
            logcheck.record_output(result.stdout + result.stderr, command)
            assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
            assert "Traceback" not in result.stderr, result.stderr
        serve_and_browse(checkout)
    finally:
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(match=f"{prefix_of(checkout)}:*"):
            client.delete(key)


def serve_and_browse(checkout: Path) -> None:
    """``--serve`` (what ``demo.sh --serve`` runs): log in as printed, open every printed URL, styles included."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "scripts/demo.py", "--serve", "--port", str(port)], cwd=checkout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert server.stdout is not None
        while not any("Quit the server" in line for line in lines):
            line = server.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        text = "".join(lines)
        login_url = re.search(r"log in: +(\S+)", text).group(1)
        username, password = re.search(r"user / password: +(\S+) / (\S+)", text).groups()
        pages = r"instance dashboard|course dashboard|pipeline health|report data \(JSON\)"
        urls = dict(re.findall(rf"^   ({pages}) +(\S+)$", text, re.MULTILINE))
        assert len(urls) == 4, text

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(login_url, timeout=30).read()
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token,
                                       "next": "/oars/instance/"}).encode()
        request = urllib.request.Request(login_url, data=form, headers={"Referer": login_url})
        with opener.open(request, timeout=60) as response:
            assert response.url.endswith("/oars/instance/"), response.url  # logged in, redirected to the page
            instance = response.read().decode()
        course_key = re.search(r"/oars/courses/([^/]+)/$", urls["course dashboard"]).group(1)
        assert f'href="/oars/courses/{course_key}/"' in instance  # the instance page links to the course
        bodies = {}
        for name, url in urls.items():
            with opener.open(url, timeout=60) as response:
                assert response.status == 200, url
                bodies[name] = response.read().decode()
        assert json.loads(bodies["pipeline health"])["clickhouse"] == "ok"
        assert json.loads(bodies["report data (JSON)"])["rows"]
        with opener.open(urls["course dashboard"], timeout=60) as response:
            page = response.read().decode()
        for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
            with opener.open(urllib.parse.urljoin(login_url, asset), timeout=30) as response:
                assert response.status == 200 and len(response.read()) > 100, asset
    finally:
        server.terminate()
        try:
            rest, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            rest, _ = server.communicate()
        logcheck.record_output("".join(lines) + (rest or ""), "demo --serve")
