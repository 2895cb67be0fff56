"""What the request log costs a request: ``python -m bench.request_log_overhead``.

The same view (two short queries, as pageById runs) is called through Django's request
factory with and without ``RequestLogMiddleware``, the request line written by the configured
handler (its filters and formatter) into memory, so the figure includes formatting but not the
terminal. Prints CPU microseconds of this process per request for both (CPU time, not wall
time: on a busy machine the wall clock mostly measures the neighbours), the least of several
interleaved rounds, and the difference.
"""

from __future__ import annotations

import io
import logging
import os
import time

import django


def main(rounds: int = 9, requests: int = 3000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory

    from wiki.request_log import RequestLogMiddleware

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse(b"{}", content_type="application/json")

    (handler,) = (h for h in logging.getLogger().handlers if h.get_name() == "console")
    handler.setStream(io.StringIO())
    factory = RequestFactory()
    plain, logged = view, RequestLogMiddleware(view)

    def per_request(app) -> float:
        batch = [factory.post("/_graphql", b"{}", content_type="application/json")] * requests
        started = time.process_time()
        for request in batch:
            app(request)
        return (time.process_time() - started) / requests * 1e6

    per_request(plain), per_request(logged)  # warm up
    without, with_log = [], []
    for _ in range(rounds):  # interleaved, so that a noisy neighbour hits both alike
        without.append(per_request(plain))
        with_log.append(per_request(logged))
    a, b = min(without), min(with_log)
    print(f"without the request log: {a:7.1f} us CPU per request (least of {rounds} rounds)")
    print(f"with the request log:    {b:7.1f} us per request")
    print(f"overhead:                {b - a:7.1f} us per request ({connection.vendor})")


if __name__ == "__main__":
    main()
