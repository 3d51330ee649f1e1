"""Console test helpers: a Flask test client signed in through the real login form."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def signed_in_client(
    app: Flask, username: str, password: str
) -> tuple[FlaskClient, dict[str, str]]:
    """A client signed in as ``username`` and the headers that carry its CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, f"sign-in as {username} failed"
    return client, {"X-CSRFToken": token}
