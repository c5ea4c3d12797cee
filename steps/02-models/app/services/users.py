"""Accounts: creating, reading, changing and deleting users."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Loan, User
from app.models.user import normalise_email
from app.pagination import Page, paginate
from app.services.books import put_copy_back


def create_user(*, email: str, name: str) -> User:
    """Create an account; 409 ``email_taken`` when the email (in any case) is in use."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise _email_taken()
    user = User(email=email, name=name)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:
        # Another request registered the same email between our check and our insert.
        db.session.rollback()
        raise _email_taken() from error
    return user


def list_users(*, page: int, per_page: int) -> Page[User]:
    """One page of users."""
    statement = select(User).order_by(User.id)
    return paginate(statement, page=page, per_page=per_page)


def get_user(user_id: int) -> User:
    """The user with this id, or 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No user with this id.")
    return user


def update_user(*, user_id: int, changes: Mapping[str, Any]) -> User:
    """Apply validated changes: users change their name."""
    user = get_user(user_id)
    if "name" in changes:
        user.name = changes["name"]
    db.session.commit()
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


def _email_taken() -> Conflict:
    return Conflict("An account with this email already exists.", code="email_taken")
