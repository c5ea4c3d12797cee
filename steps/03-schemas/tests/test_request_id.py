"""Every response carries an X-Request-ID: the client's when it is sane, a fresh one otherwise."""

import pytest
from flask.testing import FlaskClient


@pytest.mark.task("01.2")
def test_a_sane_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "trace-42 from the gateway"})
    assert response.headers["X-Request-ID"] == "trace-42 from the gateway"


@pytest.mark.task("01.2")
@pytest.mark.parametrize("bad", ["x" * 129, "caf\u00e9", "tab\there", ""])
def test_an_insane_request_id_is_replaced(client: FlaskClient, bad: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    generated = response.headers["X-Request-ID"]
    assert generated != bad
    assert len(generated) == 32


@pytest.mark.task("01.2")
def test_the_longest_sane_request_id_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "y" * 128})
    assert response.headers["X-Request-ID"] == "y" * 128


@pytest.mark.task("01.1")
def test_a_request_without_an_id_gets_a_new_one_each_time(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert len(first) == 32
    assert first != second
