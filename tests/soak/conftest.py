def pytest_configure(config):
    config.addinivalue_line(
        "markers", "soak: the concurrency soak against gunicorn (slow; PostgreSQL only)"
    )
