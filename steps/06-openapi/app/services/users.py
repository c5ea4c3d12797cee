"""Accounts: creating, reading, changing and deleting users."""

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.caching import invalidate_catalog
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.models import Loan, User
from app.models.user import ADMIN, MEMBER, normalise_email
from app.pagination import Page, apply_sort, paginate
from app.services.auth import hash_password, password_matches
from app.services.books import put_copy_back

SORT_COLUMNS = {"email": User.email, "name": User.name, "created_at": User.created_at}

# Security events carry an ``event`` field for alerting, and never a password, token or email.
log = logging.getLogger(__name__)


def create_user(*, email: str, password: str, name: str, role: str = MEMBER) -> User:
    """Create an account; 409 ``email_taken`` when the email (in any case) is in use."""
    # Hash before the first statement: on SQLite a POST's transaction holds the write lock from
    # its first statement on, and Argon2 is slow on purpose.
    password_hash = hash_password(password)
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _email_taken()
    user = User(email=email, name=name, role=role, password_hash=password_hash)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:
        # Another request registered the same email between our check and our insert.
        db.session.rollback()
        raise _email_taken() from error
    return user


def list_users(*, page: int, per_page: int, sort: str | None = None) -> Page[User]:
    """One page of users."""
    statement = apply_sort(select(User), sort, SORT_COLUMNS, tie_breaker=User.id)
    return paginate(statement, page=page, per_page=per_page)


def get_user(user_id: int) -> User:
    """The user with this id, or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user with this id.")
    return user


def get_user_for(*, viewer: User, user_id: int) -> User:
    """The user with this id, for themselves or an admin (403 for anyone else), or 404."""
    _require_self_or_admin(viewer, user_id)
    return get_user(user_id)


def update_user(*, user_id: int, changes: Mapping[str, Any], viewer: User) -> User:
    """Apply validated changes: users change their name and password, admins also roles.

    Changing your own password needs the current one, so a stolen access token cannot take the
    account over for good; an admin resetting someone else's needs none. A new password revokes
    every token issued before it.
    """
    _require_self_or_admin(viewer, user_id)
    if "role" in changes and viewer.role != ADMIN:
        raise Forbidden("Only an admin can change a role.")
    user = get_user(user_id)
    if "password" in changes:
        user.password_hash = _new_password_hash(
            user,
            changes["password"],
            own_account=viewer.id == user_id,
            current=changes.get("current_password"),
        )
        # Whoever knew the old password may hold tokens: they stop working now.
        user.token_version += 1
    previous_role = user.role
    if "name" in changes:
        user.name = changes["name"]
    if "role" in changes:
        user.role = changes["role"]
    db.session.commit()
    if changes.get("role", previous_role) != previous_role:
        log.info(
            "Role changed",
            extra={
                "event": "role_changed",
                "account_id": user_id,
                "role_from": previous_role,
                "role_to": changes["role"],
            },
        )
    return user


def lock_user(user_id: int) -> None:
    """Lock the user's row until the transaction ends; 404 if another request just deleted them.

    Borrowing and deleting a user both take this lock first, so the two take turns.
    """
    if db.session.scalar(select(User.id).where(User.id == user_id).with_for_update()) is None:
        raise NotFound("No user with this id.")


def delete_user(user_id: int) -> None:
    """Delete a user and their loans, putting the copies they still held back on the shelf.

    The locks come in ``_lend``'s order, the user's row first, so a borrow racing the deletion
    either commits before it (and its copy goes back here) or waits and then finds no user.
    """
    user = get_user(user_id)
    lock_user(user.id)
    # Lock the active loans as well: a return racing us commits first (the loan is then no
    # longer active) or waits for us, so no copy is put back twice. Books in id order, so two
    # deletions never wait for each other in a circle.
    active = db.session.scalars(
        select(Loan)
        .where(Loan.user_id == user.id, Loan.returned_at.is_(None))
        .order_by(Loan.book_id)
        .with_for_update()
    ).all()
    for loan in active:
        put_copy_back(loan.book_id)
    db.session.delete(user)
    db.session.commit()
    log.info("User deleted", extra={"event": "user_deleted", "account_id": user_id})
    if active:
        invalidate_catalog()


def _new_password_hash(user: User, password: str, *, own_account: bool, current: str | None) -> str:
    """The hash of ``password``; for one's own account, only with the right ``current`` one.

    Both Argon2 calls run after the transaction is ended (nothing was changed yet): they are
    slow on purpose, and on SQLite every other writer would wait for the lock meanwhile.
    """
    stored_hash = user.password_hash
    db.session.rollback()
    if own_account and (current is None or not password_matches(stored_hash, current)):
        message = (
            "Give your current password to change it."
            if current is None
            else "This is not your current password."
        )
        raise ValidationFailed(details={"current_password": [message]})
    return hash_password(password)


def _require_self_or_admin(viewer: User, user_id: int) -> None:
    if viewer.role != ADMIN and viewer.id != user_id:
        raise Forbidden("You may only see and change your own account.")


def _email_taken() -> Conflict:
    return Conflict("An account with this email already exists.", code="email_taken")
