"""Django's system checks pass: an admin or model mistake that only ``manage.py`` would report
(every management command runs them) fails the suite instead of the deployment."""

from django.core import checks


def test_system_checks_report_nothing():
    problems = [message for message in checks.run_checks() if message.level >= checks.WARNING]
    assert problems == []
