"""gunicorn settings for production: ``.venv/bin/gunicorn -c gunicorn.conf.py``.

Each value can be changed from the environment, so one file serves every host. Command-line
flags still win over this file (``gunicorn -c gunicorn.conf.py --workers 3``).

| variable | default | meaning |
|---|---|---|
| ``GUNICORN_BIND`` | ``127.0.0.1:8000`` | address(es) to listen on, comma-separated; ``unix:/path`` works |
| ``WEB_CONCURRENCY`` | CPUs (at least 2) | worker processes |
| ``GUNICORN_THREADS`` | 1 (sync workers) | threads per worker; above 1: gthread workers |
| ``GUNICORN_TIMEOUT`` | 30 | seconds a request may run before its worker is killed and replaced |
| ``GUNICORN_ACCESS_LOG`` | none | access log file (``-``: stdout); the app's request lines replace it |
| ``GUNICORN_MAX_REQUESTS`` | 0 (never) | requests after which a worker is replaced |
| ``GUNICORN_CONTROL_SOCKET`` | none | path of the ``gunicornc`` control socket; unset = no socket |
"""

import os


def _int_env(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def _cpus() -> int:
    """CPUs this process may use (a container's or taskset's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "wiki.wsgi:application"

# Loopback by default: the server is meant to sit behind a TLS proxy (nginx, Caddy) on the
# same host. Listening on every interface has to be asked for.
bind = [item.strip() for item in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# Sync workers: one request per process, the model Django's ORM and its per-thread database
# connections assume. A request here is mostly Python (about a millisecond of it for
# pageById) with two short queries, so processes beyond the CPU count only take turns on the
# same cores. Measured on 2 CPUs with wrk (8 connections, pageById, PostgreSQL on the same
# host): 2 workers 600-830 requests/s, 3 workers 340-580, 5 workers (gunicorn's rule of
# thumb, 2 x CPUs + 1) 450. One per CPU, at least two so that one slow request never stops
# the server.
#
# Threads (gthread) against sync, 2 workers each, on the same 2 CPUs: 1,000 pages and 1,000
# users seeded by bench/, wrk on loopback, PostgreSQL on the host. The host was busy with
# other jobs (load average 11-15), so the three models ran in alternating rounds (5, then 3)
# that the neighbours' load hit alike; the figures are the medians of each series.
#
#   pageById alone, wrk 8 connections:
#     sync         63-64 req/s  p99 166-172 ms   3.4-3.8 ms CPU per request in the workers
#     2 threads    50-60 req/s  p99 320-3110 ms  4.3-4.4 ms
#     4 threads    73-79 req/s  p99 220-450 ms   3.4-3.5 ms
#   a mixed load at once (4 connections on pageById, 2 on groupById with ~75 members, 2 on a
#   member's page view), all requests / pageById's p99 / groupById's p99:
#     sync         27-29 req/s  850-980 ms   900-1050 ms
#     2 threads    27-37 req/s  930-1380 ms  1150-1420 ms
#     4 threads    40-65 req/s  280-790 ms   690-1500 ms
#   pageById alone, 16 connections (3 rounds, each run's own figures): sync 59-73 req/s at
#   p99 267-342 ms, 4 threads 59-77 req/s at p99 395-1770 ms.
#   An earlier run while the host was quieter (load 1 rising to 5, against the later models):
#     sync 712 req/s (p99 28 ms), 2 threads 576 (59 ms), 4 threads 323 (408 ms).
#
# Threads cost as much CPU per request or more and widen the tail; 4 threads let fast
# requests pass slow ones in a mix, at the slow ones' expense. Sync stays the default, which
# also keeps ``timeout`` able to kill a hung request (a gthread worker is replaced only when
# its whole process stops answering). GUNICORN_THREADS=4 switches to gthread for a load
# dominated by slow requests; each thread then holds a database connection of its own.
threads = _int_env("GUNICORN_THREADS", 1, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"
workers = _int_env("WEB_CONCURRENCY", max(2, _cpus()), minimum=1)

# A sync worker stuck in one request serves nobody else; the API bounds its own work well
# below this, so reaching it means something hangs: the slowest operation measured, groupById
# reading 750 members at 10,000 users, answers in 2-3 s under load (README, "Performance"),
# a tenth of it. graceful_timeout lets requests in flight finish on a restart or deploy
# (SIGHUP/SIGTERM) before workers are killed.
timeout = _int_env("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = 30

# Workers are not recycled by default: at a thousand requests a second a limit of a thousand
# requests restarted every worker each second, each restart paying Django's start-up, and
# the process is bounded anyway (documents cache, caller cache and token cache all have a
# size limit). An operator who suspects a leak sets GUNICORN_MAX_REQUESTS; the jitter keeps
# the workers from all restarting at once.
max_requests = _int_env("GUNICORN_MAX_REQUESTS", 0, minimum=0)
max_requests_jitter = max_requests // 10

# Logs go to the standard streams, for systemd's journal or the container runtime. No access
# log by default: the app writes one line per request itself (wiki/request_log.py, with the
# request id, caller and operation), and gunicorn's would write the tokens of reset links and
# of query strings (/login-reset/<token>, ?changePwdContinuationToken=...) as they came.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "").strip() or None
errorlog = "-"

# gunicorn 25+ opens a control socket at one fixed path per user, which a second instance on
# the same host (a staging copy, CI, a benchmark) would take over and later delete. Off unless
# an operator names a path of its own.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control_socket:
    control_socket = _control_socket
control_socket_disable = not _control_socket
