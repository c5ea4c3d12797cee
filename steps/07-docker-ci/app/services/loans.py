"""Loans: borrowing and returning copies, with the rules enforced where races cannot break them.

The stock is decremented by one conditional UPDATE (``... WHERE copies_available > 0``), so two
requests for the last copy cannot both succeed: the database serialises them on the row and the
second matches no row. A partial unique index backs up "one active loan per user and book".
"""

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.caching import invalidate_catalog
from app.errors import Conflict, Forbidden, NotFound
from app.extensions import db
from app.models import Book, Loan, User
from app.models.base import utc_now
from app.models.loan import ACTIVE
from app.pagination import Page, apply_sort, paginate
from app.services.books import get_book, put_copy_back
from app.services.users import get_user, lock_user

LOAN_PERIOD = timedelta(days=14)
MAX_ACTIVE_LOANS = 5
SORT_COLUMNS = {"loaned_at": Loan.loaned_at, "due_at": Loan.due_at}


def borrow_book(*, user: User, book_id: int) -> Loan:
    """Lend a copy of the book to ``user`` for ``LOAN_PERIOD``."""
    loan = _lend(user=user, book_id=book_id)
    db.session.commit()
    invalidate_catalog()
    return loan


def return_loan(*, loan_id: int, viewer: User) -> Loan:
    """Mark a loan returned and put the copy back; 409 ``already_returned`` the second time."""
    loan = get_loan(loan_id=loan_id, viewer=viewer)
    returned = db.session.scalar(
        update(Loan)
        .where(Loan.id == loan.id, Loan.returned_at.is_(None))
        .values(returned_at=utc_now())
        .returning(Loan.id)
    )
    if returned is None:
        raise Conflict("This loan was already returned.", code="already_returned")
    put_copy_back(loan.book_id)
    db.session.commit()
    invalidate_catalog()
    return loan


def get_loan(*, loan_id: int, viewer: User) -> Loan:
    """A loan its borrower or staff may see; anyone else gets 404, as if it did not exist."""
    loan = db.session.get(Loan, loan_id)
    if loan is None or not (viewer.is_staff or loan.user_id == viewer.id):
        raise NotFound("No loan with this id.")
    return loan


def list_loans(
    *,
    viewer: User,
    page: int,
    per_page: int,
    sort: str | None = None,
    user_id: int | None = None,
    status: str | None = None,
) -> Page[Loan]:
    """One page of loans: staff see everyone's, members only their own."""
    statement = select(Loan)
    if not viewer.is_staff:
        statement = statement.where(Loan.user_id == viewer.id)
    if user_id is not None:
        statement = statement.where(Loan.user_id == user_id)
    if status is not None:
        is_active = Loan.returned_at.is_(None)
        statement = statement.where(is_active if status == ACTIVE else ~is_active)
    statement = apply_sort(statement, sort, SORT_COLUMNS, tie_breaker=Loan.id)
    return paginate(statement, page=page, per_page=per_page)


def list_user_loans(
    *, viewer: User, user_id: int, page: int, per_page: int, sort: str | None = None
) -> Page[Loan]:
    """One user's loans, for that user or staff."""
    if not (viewer.is_staff or viewer.id == user_id):
        raise Forbidden("You may only see your own loans.")
    get_user(user_id)
    return list_loans(viewer=viewer, page=page, per_page=per_page, sort=sort, user_id=user_id)


def _lend(*, user: User, book_id: int) -> Loan:
    """Check the rules and take a copy off the shelf, in the caller's transaction."""
    # Lock the borrower's row so one user's concurrent requests take turns: the loan limit
    # counts what the previous one committed. (SQLite locks the whole database instead.)
    # Deleting the user takes the same lock first, so a borrow waiting here may find them gone.
    lock_user(user.id)
    get_book(book_id)
    active = select(func.count()).where(Loan.user_id == user.id, Loan.returned_at.is_(None))
    holding = active.where(Loan.book_id == book_id)
    if db.session.scalar(holding):
        raise Conflict("You already have this book on loan.", code="already_borrowed")
    if (db.session.scalar(active) or 0) >= MAX_ACTIVE_LOANS:
        raise Conflict(
            f"You have {MAX_ACTIVE_LOANS} books on loan; return one first.",
            code="loan_limit_reached",
        )
    taken = db.session.scalar(
        update(Book)
        .where(Book.id == book_id, Book.copies_available > 0)
        .values(copies_available=Book.copies_available - 1)
        .returning(Book.id)
    )
    if taken is None:
        raise Conflict("No copy of this book is available.", code="book_unavailable")
    now = utc_now()
    loan = Loan(user_id=user.id, book_id=book_id, loaned_at=now, due_at=now + LOAN_PERIOD)
    db.session.add(loan)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The partial unique index caught a concurrent loan of the same book by this user.
        db.session.rollback()
        raise Conflict("You already have this book on loan.", code="already_borrowed") from error
    return loan
