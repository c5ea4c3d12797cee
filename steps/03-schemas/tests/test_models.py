"""The database's own guards: what the tables refuse even when a service forgets to check.

These tests write rows directly, below the services, because the point is that the database
holds the line by itself (against a bug, or two requests racing past a service's check).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from conftest import MakeAuthor, MakeBook, MakeUser, isbn13
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Book, Loan, User
from app.models.base import utc_now


@pytest.fixture
def session(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


def add_and_flush(*rows: object) -> None:
    db.session.add_all(rows)
    db.session.flush()


def loan(user_id: int, book_id: int, *, returned: bool = False) -> Loan:
    now = utc_now()
    return Loan(
        user_id=user_id,
        book_id=book_id,
        due_at=now + timedelta(days=14),
        returned_at=now if returned else None,
    )


@pytest.mark.usefixtures("session")
def test_two_users_cannot_share_an_email() -> None:
    with pytest.raises(IntegrityError):
        add_and_flush(User(email="a@example.org", name="A"), User(email="a@example.org", name="B"))


@pytest.mark.usefixtures("session")
def test_two_books_cannot_share_an_isbn(make_author: MakeAuthor) -> None:
    author_id = make_author()
    with pytest.raises(IntegrityError):
        add_and_flush(
            Book(title="A", isbn=isbn13(1), author_id=author_id),
            Book(title="B", isbn=isbn13(1), author_id=author_id),
        )


@pytest.mark.usefixtures("session")
@pytest.mark.parametrize(("total", "available"), [(-1, 0), (1, 2), (1, -1)])
def test_copies_must_stay_between_zero_and_the_total(
    make_author: MakeAuthor, total: int, available: int
) -> None:
    book = Book(
        title="A",
        isbn=isbn13(1),
        author_id=make_author(),
        copies_total=total,
        copies_available=available,
    )
    with pytest.raises(IntegrityError):
        add_and_flush(book)


@pytest.mark.usefixtures("session")
def test_a_book_needs_an_existing_author() -> None:
    with pytest.raises(IntegrityError):
        add_and_flush(Book(title="A", isbn=isbn13(1), author_id=4242))


@pytest.mark.usefixtures("session")
def test_one_active_loan_per_user_and_book(make_user: MakeUser, make_book: MakeBook) -> None:
    user_id, book_id = make_user().id, make_book(copies=3)
    # Returned loans do not count: the partial index covers active loans only.
    add_and_flush(loan(user_id, book_id, returned=True), loan(user_id, book_id))
    with pytest.raises(IntegrityError):
        add_and_flush(loan(user_id, book_id))


@pytest.mark.usefixtures("session")
def test_deleting_an_author_with_books_is_refused_by_the_foreign_key(
    make_book: MakeBook,
) -> None:
    author = db.session.get_one(Book, make_book()).author
    db.session.delete(author)
    with pytest.raises(IntegrityError):
        db.session.flush()
