"""Books: the catalogue itself, and the stock of copies that loans draw on."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.caching import invalidate_catalog
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Author, Book, Loan
from app.pagination import Page, apply_sort, paginate

SORT_COLUMNS = {
    "title": Book.title,
    "published_year": Book.published_year,
    "created_at": Book.created_at,
}


def escape_like(text: str) -> str:
    """Escape LIKE's wildcards, so a search for ``50%`` finds "50%", not "50 anything"."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_books(
    *,
    page: int,
    per_page: int,
    sort: str | None = None,
    q: str | None = None,
    author_id: int | None = None,
    available: bool | None = None,
) -> Page[Book]:
    """One page of books, filtered by text, author and availability."""
    statement = select(Book)
    if q:
        pattern = f"%{escape_like(q)}%"
        statement = statement.join(Book.author).where(
            or_(Book.title.ilike(pattern, escape="\\"), Author.name.ilike(pattern, escape="\\"))
        )
    if author_id is not None:
        statement = statement.where(Book.author_id == author_id)
    if available is not None:
        statement = statement.where(
            Book.copies_available > 0 if available else Book.copies_available == 0
        )
    statement = apply_sort(statement, sort, SORT_COLUMNS, tie_breaker=Book.id)
    return paginate(statement, page=page, per_page=per_page)


def get_book(book_id: int) -> Book:
    """The book with this id, or 404."""
    book = db.session.get(Book, book_id)
    if book is None:
        raise NotFound("No book with this id.")
    return book


def create_book(
    *,
    title: str,
    isbn: str,
    author_id: int,
    published_year: int | None = None,
    copies_total: int = 1,
) -> Book:
    """Add a book with all its copies on the shelf."""
    _require_author(author_id)
    _require_unused_isbn(isbn)
    book = Book(
        title=title,
        isbn=isbn,
        author_id=author_id,
        published_year=published_year,
        copies_total=copies_total,
        copies_available=copies_total,
    )
    db.session.add(book)
    _commit_book()
    invalidate_catalog()
    return book


def update_book(*, book_id: int, changes: Mapping[str, Any]) -> Book:
    """Change a book; its copies may not drop below the copies out on loan."""
    # Lock the row: a loan taken while we recount the copies would otherwise be lost.
    book = _lock_book(book_id)
    if "author_id" in changes:
        # The relationship, not only the id: the answer shows the author this session holds.
        book.author = _require_author(changes["author_id"])
    if "isbn" in changes and changes["isbn"] != book.isbn:
        _require_unused_isbn(changes["isbn"])
        book.isbn = changes["isbn"]
    for field in ("title", "published_year"):
        if field in changes:
            setattr(book, field, changes[field])
    if "copies_total" in changes:
        on_loan = book.copies_total - book.copies_available
        if changes["copies_total"] < on_loan:
            raise Conflict(
                f"{on_loan} copies are on loan; copies_total cannot be lower.",
                code="copies_below_active_loans",
                details={"active_loans": on_loan},
            )
        book.copies_total = changes["copies_total"]
        book.copies_available = changes["copies_total"] - on_loan
    _commit_book()
    invalidate_catalog()
    return book


def delete_book(book_id: int) -> None:
    """Delete a book and its loan history; 409 while any copy is on loan."""
    # Lock the row a borrow's UPDATE takes: a loan committed while we check makes us answer
    # 409 here, and a borrow that comes after finds no copy, never a loan of a deleted book.
    book = _lock_book(book_id)
    active = exists().where(Loan.book_id == book_id, Loan.returned_at.is_(None))
    if db.session.scalar(select(active)):
        raise Conflict("Copies of this book are on loan.", code="book_has_active_loans")
    db.session.delete(book)
    db.session.commit()
    invalidate_catalog()


def put_copy_back(book_id: int) -> None:
    """Put one copy of the book back on the shelf, in the caller's transaction.

    The database adds the one (``copies_available + 1``), so two returns at the same moment
    both count; reading the number into Python and writing it back could lose one.
    """
    db.session.execute(
        update(Book).where(Book.id == book_id).values(copies_available=Book.copies_available + 1)
    )


def _lock_book(book_id: int) -> Book:
    """The book with this id, its row locked until the transaction ends, or 404."""
    book = db.session.scalar(select(Book).where(Book.id == book_id).with_for_update())
    if book is None:
        raise NotFound("No book with this id.")
    return book


def _require_author(author_id: int) -> Author:
    """The author with this id, or a 422 that names the field."""
    author = db.session.get(Author, author_id)
    if author is None:
        raise ValidationFailed(details={"author_id": ["No author with this id."]})
    return author


def _require_unused_isbn(isbn: str) -> None:
    if db.session.scalar(select(exists().where(Book.isbn == isbn))):
        raise _isbn_taken()


def _commit_book() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        # Another request took the same ISBN between our check and our write.
        db.session.rollback()
        raise _isbn_taken() from error


def _isbn_taken() -> Conflict:
    return Conflict("A book with this ISBN already exists.", code="isbn_taken")
