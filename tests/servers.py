"""Real service processes the suite starts itself on free loopback ports: a clickhouse-server and redis-servers.

Debian ships clickhouse-server 18.16, far older than our 24.8 floor: it is used for the native wire contract only
(connect, insert, select, parameters, errors, reconnect), never for the schema.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/error.log</errorlog></logger>
  <tcp_port>{port}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
      <quota>default</quota></default>
    <{user}><password>{password}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile>
      <quota>default</quota></{user}>
  </users>
  <profiles><default></default></profiles>
  <quotas><default></default></quotas>
</yandex>
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_binary() -> str:
    """The clickhouse-server executable; scripts/test.sh installs it when it is missing."""
    binary = shutil.which("clickhouse-server")
    if not binary and Path("/usr/sbin/clickhouse-server").exists():
        binary = "/usr/sbin/clickhouse-server"
    if not binary:
        raise RuntimeError("clickhouse-server is not installed: run scripts/test.sh (it installs it with apt)")
    return binary


class ClickHouseServer:
    """A throwaway clickhouse-server: start, stop, restart on the same port and data directory."""

    user = "oars"
    password = "s3cr3t-p@ss"

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="oars-chserver-"))
        self.port = free_port()
        (self.directory / "config.xml").write_text(
            CONFIG.format(dir=self.directory, port=self.port, user=self.user, password=self.password)
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The native URL, password included (tests check that it never leaks)."""
        return f"clickhouse://{self.user}:{self.password.replace('@', '%40')}@127.0.0.1:{self.port}/default"

    def start(self, timeout: float = 30) -> None:
        """Start the server and wait until it accepts connections."""
        self.process = subprocess.Popen(
            [find_binary(), f"--config-file={self.directory / 'config.xml'}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=self.directory,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"clickhouse-server exited with {self.process.returncode}; see {self.directory}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"clickhouse-server did not listen on {self.port} within {timeout}s")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop, then start again on the same port with the same data."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop and remove the data directory."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class RedisServer:
    """A throwaway redis-server on a free loopback port: kill, hang (SIGSTOP), restart.

    The fault tests need a Redis they may stop, freeze and flush without touching the shared one. Without
    ``persistent`` a restart comes back empty, as a Redis without persistence does after a crash; with it, every
    write is in an append-only file (fsynced always) that a restart reads back, as a production buffer should be.
    """

    def __init__(self, persistent: bool = False) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="oars-redis-"))
        self.port = free_port()
        self.persistent = persistent
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The URL of database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        """Start the server and wait until it answers PING."""
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.persistent else "no", "--appendfsync", "always",
             "--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}; see {self.directory}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port} within {timeout}s")

    def hang(self) -> None:
        """Freeze the process (SIGSTOP): connections are accepted by the kernel and never answered."""
        if self.process:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server go on (SIGCONT)."""
        if self.process:
            self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL: the server is gone, with everything it held (no persistence)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=15)
        self.process = None

    def cleanup(self) -> None:
        """Kill the server and remove its directory."""
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)
