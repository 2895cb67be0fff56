"""gunicorn servers the benchmark starts on loopback, and always stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``gunicorn -c gunicorn.conf.py <app>`` on ``127.0.0.1:<port>``, in its own session."""

    def __init__(
        self,
        name: str,
        app: str,
        port: int,
        env: dict[str, str],
        log: Path,
        probe: str = "/",
        extra_args: list[str] | None = None,
    ) -> None:
        self.name, self.app, self.port, self.env, self.log = name, app, port, env, log
        self.probe = probe  # any HTTP answer at this path means the server is up
        self.extra_args = extra_args or []
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_within: float = 60) -> None:
        command = [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), *self.extra_args, self.app]
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one, not by Ctrl-C
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited at start:\n{self.log_tail()}")
            if self._answers() and len(self.worker_pids()) >= self.expected_workers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready in {ready_within} s:\n{self.log_tail()}")

    def expected_workers(self) -> int:
        return int(self.env.get("WEB_CONCURRENCY") or 1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + self.probe, timeout=5):  # noqa: S310 (loopback)
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP answer: the server is up
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children (gunicorn's workers), from /proc."""
        if self.process is None:
            return []
        master, children = self.process.pid, []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
            if int(stat.rpartition(")")[2].split()[1]) == master:
                children.append(int(entry.name))
        return sorted(children)

    def worker_rss_mib(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def terminate(self) -> None:
        """Ask the whole process group to stop (gunicorn finishes requests in flight)."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float = 15) -> None:
        """Wait for the stop; kill the group when it takes longer than ``timeout``."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=5)


def stop_all(servers: list[Server]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait()
