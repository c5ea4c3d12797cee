"""Authors: the catalogue's people. Every write starts a new catalogue cache version."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from app.caching import invalidate_catalog
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Author, Book
from app.pagination import Page, apply_sort, paginate

SORT_COLUMNS = {"name": Author.name, "birth_year": Author.birth_year}


def list_authors(*, page: int, per_page: int, sort: str | None = None) -> Page[Author]:
    """One page of authors."""
    statement = apply_sort(select(Author), sort, SORT_COLUMNS, tie_breaker=Author.id)
    return paginate(statement, page=page, per_page=per_page)


def get_author(author_id: int) -> Author:
    """The author with this id, or 404."""
    author = db.session.get(Author, author_id)
    if author is None:
        raise NotFound("No author with this id.")
    return author


def create_author(*, name: str, birth_year: int | None = None) -> Author:
    """Add an author."""
    author = Author(name=name, birth_year=birth_year)
    db.session.add(author)
    db.session.commit()
    invalidate_catalog()
    return author


def update_author(*, author_id: int, changes: Mapping[str, Any]) -> Author:
    """Change an author's name or birth year."""
    author = get_author(author_id)
    for field in ("name", "birth_year"):
        if field in changes:
            setattr(author, field, changes[field])
    db.session.commit()
    invalidate_catalog()
    return author


def delete_author(author_id: int) -> None:
    """Delete an author who has no books; 409 ``author_has_books`` otherwise."""
    author = get_author(author_id)
    if db.session.scalar(select(exists().where(Book.author_id == author_id))):
        raise _author_has_books()
    db.session.delete(author)
    try:
        db.session.commit()
    except IntegrityError as error:
        # A book for this author was added after our check; the foreign key refused the delete.
        db.session.rollback()
        raise _author_has_books() from error
    invalidate_catalog()


def _author_has_books() -> Conflict:
    return Conflict("Delete or reassign this author's books first.", code="author_has_books")
