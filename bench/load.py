"""Drive load with wrk (a separate process) and read its report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("request.lua")
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_OURS = re.compile(r"^BENCH failed=(\d+) answered=(\d+)", re.MULTILINE)


class WrkError(RuntimeError):
    pass


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rate: float  # requests/s
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    failed: int  # answers that were no success (status, GraphQL errors, succeeded: false)

    @property
    def ok(self) -> bool:
        return self.requests > 0 and not (self.non_2xx or self.socket_errors or self.failed)

    def problems(self) -> str:
        return (
            f"{self.requests} requests, {self.non_2xx} non-2xx, "
            f"{self.socket_errors} socket errors, {self.failed} failed answers"
        )


def parse_wrk_output(text: str) -> WrkResult:
    """The figures of ``wrk --latency -s request.lua`` output."""
    latency = {int(p): float(v) * _UNITS_MS[u] for p, v, u in _LATENCY.findall(text)}
    rate, total = _RATE.search(text), _TOTAL.search(text)
    if rate is None or total is None or 50 not in latency or 99 not in latency:
        raise WrkError(f"unexpected wrk output:\n{text}")
    socket = _SOCKET.search(text)
    non_2xx = _NON_2XX.search(text)
    ours = _OURS.search(text)
    return WrkResult(
        requests=int(total.group(1)),
        seconds=float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000,
        rate=float(rate.group(1)),
        p50_ms=latency[50],
        p99_ms=latency[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
        failed=int(ours.group(1)) if ours else 0,
    )


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise WrkError("wrk is not installed: run `make bench-deps` (Debian's wrk package)")
    return found


def run_wrk(
    url: str,
    bodies: list[dict],
    token: str,
    *,
    duration: int,
    threads: int,
    connections: int,
    timeout_s: int = 30,
    paths: list[str] | None = None,
    cookie: str = "",
) -> WrkResult:
    """POST ``bodies`` (cycled) to ``url`` for ``duration`` seconds; bounded by a hard timeout.

    With ``paths``, GET them instead (cycled, each with its query string) from the server at
    ``url``, sending ``cookie`` as the Cookie header; ``bodies`` and ``token`` are unused."""
    with tempfile.TemporaryDirectory(prefix="wiki-bench-") as folder:
        request_file = Path(folder, "requests.txt")
        if paths is not None:
            request_file.write_text("".join(path + "\n" for path in paths))
        else:
            request_file.write_text("".join(json.dumps(body) + "\n" for body in bodies))
        command = [
            wrk_binary(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={duration}s",
            f"--timeout={timeout_s}s",
            "--latency",
            f"--script={LUA_SCRIPT}",
            url,
        ]
        env = {
            **os.environ,
            "BENCH_METHOD": "GET" if paths is not None else "POST",
            "BENCH_REQUESTS": str(request_file),
            "BENCH_TOKEN": token,
            "BENCH_COOKIE": cookie,
        }
        try:
            done = subprocess.run(  # noqa: S603 (our own command line)
                command,
                env=env,
                capture_output=True,
                text=True,
                timeout=duration + timeout_s + 30,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise WrkError(f"wrk did not finish: {' '.join(command)}") from exc
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    if done.stderr.strip():
        # wrk reports Lua errors on stderr and carries on: the figures would be wrong.
        raise WrkError(f"wrk: {done.stderr.strip()}")
    return parse_wrk_output(done.stdout)
