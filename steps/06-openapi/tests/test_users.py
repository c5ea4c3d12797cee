"""User accounts: admins manage them, every user sees and changes only their own."""

from __future__ import annotations

import logging

import pytest
from conftest import PASSWORD, AuthHeaders, MakeBook, MakeUser, TokensFor, bearer
from flask.testing import FlaskClient

USERS = "/api/v1/users"


@pytest.mark.task("04.4")
def test_admin_lists_users_without_secrets(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
) -> None:
    make_user()
    response = client.get(USERS, headers=auth_headers("admin"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    for user in body["items"]:
        assert set(user) == {"id", "email", "name", "role", "created_at"}


@pytest.mark.task("04.4")
def test_users_sort_by_email_descending(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
) -> None:
    make_user(email="aaa@example.org")
    make_user(email="zzz@example.org")
    response = client.get(f"{USERS}?sort=-email", headers=auth_headers("admin"))
    emails = [user["email"] for user in response.get_json()["items"]]
    assert emails == sorted(emails, reverse=True)
    assert emails[0] == "zzz@example.org"


@pytest.mark.task("04.2")
def test_user_reads_their_own_account(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    user = make_user()
    response = client.get(f"{USERS}/{user.id}", headers=bearer(tokens_for(user)["access_token"]))
    assert response.status_code == 200
    assert response.get_json()["email"] == user.email


@pytest.mark.task("04.2")
def test_admin_reads_a_missing_user_as_404(client: FlaskClient, auth_headers: AuthHeaders) -> None:
    for user_id in (4242, 99999999999999999999):
        response = client.get(f"{USERS}/{user_id}", headers=auth_headers("admin"))
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


@pytest.mark.task("04.2")
def test_user_changes_their_name_and_password(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    user = make_user()
    tokens = tokens_for(user)
    response = client.patch(
        f"{USERS}/{user.id}",
        json={"name": "Renamed", "password": "a-brand-new-password", "current_password": PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert response.status_code == 200
    assert response.get_json()["name"] == "Renamed"
    old = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "a-brand-new-password"}
    )
    assert new.status_code == 200
    # Tokens issued before the password change no longer work.
    stale = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert stale.status_code == 401
    assert stale.get_json()["code"] == "token_revoked"


@pytest.mark.task("04.2")
def test_user_cannot_change_their_own_role(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    user = make_user()
    response = client.patch(
        f"{USERS}/{user.id}",
        json={"role": "admin"},
        headers=bearer(tokens_for(user)["access_token"]),
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


@pytest.mark.task("04.2")
def test_admin_changes_a_role(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
) -> None:
    user = make_user()
    response = client.patch(
        f"{USERS}/{user.id}", json={"role": "librarian"}, headers=auth_headers("admin")
    )
    assert response.status_code == 200
    assert response.get_json()["role"] == "librarian"


@pytest.mark.task("04.2")
def test_unknown_role_or_field_is_422(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
) -> None:
    user = make_user()
    headers = auth_headers("admin")
    bad_role = client.patch(f"{USERS}/{user.id}", json={"role": "king"}, headers=headers)
    assert bad_role.status_code == 422
    assert "role" in bad_role.get_json()["details"]
    unknown = client.patch(f"{USERS}/{user.id}", json={"email": "x@y.org"}, headers=headers)
    assert unknown.status_code == 422
    assert "email" in unknown.get_json()["details"]


@pytest.mark.task("04.4")
def test_admin_deletes_a_user_and_their_copies_return_to_the_shelf(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    user = make_user()
    book_id = make_book(copies=1)
    borrowed = client.post(
        "/api/v1/loans", json={"book_id": book_id}, headers=bearer(tokens_for(user)["access_token"])
    )
    assert borrowed.status_code == 201
    admin = auth_headers("admin")
    assert client.delete(f"{USERS}/{user.id}", headers=admin).status_code == 204
    assert client.get(f"{USERS}/{user.id}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/books/{book_id}").get_json()["copies_available"] == 1


@pytest.mark.task("04.2")
def test_user_sees_their_own_loans_and_staff_see_anyones(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
    make_book: MakeBook,
    auth_headers: AuthHeaders,
) -> None:
    user = make_user()
    headers = bearer(tokens_for(user)["access_token"])
    client.post("/api/v1/loans", json={"book_id": make_book()}, headers=headers)
    own = client.get(f"{USERS}/{user.id}/loans", headers=headers)
    assert own.status_code == 200
    assert own.get_json()["total"] == 1
    staff = client.get(f"{USERS}/{user.id}/loans", headers=auth_headers("librarian"))
    assert staff.get_json()["total"] == 1
    missing = client.get(f"{USERS}/4242/loans", headers=auth_headers("librarian"))
    assert missing.status_code == 404


def security_events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    """The log records of one security event."""
    return [record for record in caplog.records if getattr(record, "event", None) == event]


@pytest.mark.task("04.2")
@pytest.mark.parametrize(
    ("current", "message"),
    [
        (None, "Give your current password to change it."),
        ("not-my-password", "This is not your current password."),
    ],
)
def test_changing_your_own_password_needs_the_current_one(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
    current: str | None,
    message: str,
) -> None:
    user = make_user()
    headers = bearer(tokens_for(user)["access_token"])
    body = {"name": "Renamed", "password": "a-brand-new-password"}
    if current is not None:
        body["current_password"] = current
    response = client.patch(f"{USERS}/{user.id}", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["details"] == {"current_password": [message]}
    # Nothing changed: the old password still signs in, and the token still works.
    old = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 200
    unchanged = client.get(f"{USERS}/{user.id}", headers=headers)
    assert unchanged.status_code == 200
    assert unchanged.get_json()["name"] == "A member"


@pytest.mark.task("04.2")
def test_an_admin_changing_their_own_password_needs_the_current_one(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
) -> None:
    admin = make_user("admin")
    response = client.patch(
        f"{USERS}/{admin.id}",
        json={"password": "a-brand-new-password"},
        headers=bearer(tokens_for(admin)["access_token"]),
    )
    assert response.status_code == 422
    assert list(response.get_json()["details"]) == ["current_password"]


@pytest.mark.task("04.2")
def test_admin_resets_another_users_password_without_knowing_it(
    client: FlaskClient,
    make_user: MakeUser,
    tokens_for: TokensFor,
    auth_headers: AuthHeaders,
) -> None:
    user = make_user()
    tokens = tokens_for(user)
    response = client.patch(
        f"{USERS}/{user.id}",
        json={"password": "a-brand-new-password"},
        headers=auth_headers("admin"),
    )
    assert response.status_code == 200
    new = client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "a-brand-new-password"}
    )
    assert new.status_code == 200
    stale = client.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert stale.status_code == 401
    assert stale.get_json()["code"] == "token_revoked"


@pytest.mark.task("04.2")
def test_a_role_change_is_logged_as_a_security_event(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user()
    headers = auth_headers("admin")
    with caplog.at_level(logging.INFO):
        response = client.patch(f"{USERS}/{user.id}", json={"role": "librarian"}, headers=headers)
    assert response.status_code == 200
    [record] = security_events(caplog, "role_changed")
    assert (record.account_id, record.role_from, record.role_to) == (user.id, "member", "librarian")


@pytest.mark.task("04.4")
def test_a_deletion_is_logged_as_a_security_event(
    client: FlaskClient,
    make_user: MakeUser,
    auth_headers: AuthHeaders,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user()
    headers = auth_headers("admin")
    with caplog.at_level(logging.INFO):
        assert client.delete(f"{USERS}/{user.id}", headers=headers).status_code == 204
    [record] = security_events(caplog, "user_deleted")
    assert record.account_id == user.id
    assert user.email not in str(vars(record))
