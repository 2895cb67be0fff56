"""The production defaults an operator gets pass ``manage.py check --deploy`` (as ``make
check-deploy`` runs it: an empty environment, no .env), and HSTS preload is opt-in.

Each case runs in a fresh process with production settings (``wiki.settings``, DEBUG off), as
the settings are read once at start-up; about a second each.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# What make check-deploy sets, and nothing else (no DATABASE_URL: SQLite under WIKI_DATA_DIR).
PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "wiki.example.com",
    "WIKI_ENV_FILE": os.devnull,
}
# manage.py check --deploy --fail-level WARNING, then the HSTS header of a secure request
# (a GraphQL GET that is refused before any database access), in one process.
CHECK_THEN_HSTS = """
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client
try:
    call_command("check", deploy=True, fail_level="WARNING")
    print("check: passed")
except SystemCheckError as error:
    print("check: failed", str(error).replace(chr(10), " "))
response = Client().get("/_graphql", secure=True, HTTP_HOST="wiki.example.com",
                        HTTP_ACCEPT="application/json")
print("hsts:", response.status_code, response.get("Strict-Transport-Security"))
"""


def production(tmp_path: Path, **env: str) -> tuple[str, str]:
    """The check's outcome and the HSTS line, under production settings and ``env``."""
    environment = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "deploy-check-" + secrets.token_hex(32),
        "WIKI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "wiki.settings",
        **PRODUCTION,
        **env,
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", CHECK_THEN_HSTS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    check, hsts = (
        line for line in result.stdout.splitlines() if line.startswith(("check", "hsts"))
    )
    return check, hsts


def test_the_production_defaults_pass_and_send_no_preload(tmp_path):
    check, hsts = production(tmp_path)

    # Only W021 ("preload not chosen") is silenced, and only because preload is off.
    assert check == "check: passed"
    assert hsts == "hsts: 405 max-age=31536000; includeSubDomains"


def test_an_operator_who_opts_into_preload_passes_too(tmp_path):
    check, hsts = production(tmp_path, SECURE_HSTS_PRELOAD="1")

    assert check == "check: passed"
    assert hsts == "hsts: 405 max-age=31536000; includeSubDomains; preload"


def test_the_checks_still_catch_a_weakened_setting(tmp_path):
    check, hsts = production(tmp_path, SECURE_HSTS_SECONDS="0")

    assert check.startswith("check: failed")
    assert "security.W004" in check
    assert "security.W021" not in check
    assert hsts == "hsts: 405 None"
