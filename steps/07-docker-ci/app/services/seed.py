"""Fill a development database with the seed data; running it again adds only what is missing."""

from dataclasses import dataclass

from sqlalchemy import select

from app.caching import invalidate_catalog
from app.extensions import db
from app.models import Author, Book, User
from app.seed_data import AUTHORS, BOOKS, SEED_PASSWORD, USERS
from app.services.auth import hash_password


@dataclass(frozen=True)
class SeedReport:
    """How many rows of each kind the seed created."""

    users: int
    authors: int
    books: int


def seed_database() -> SeedReport:
    """Create the seed users, authors and books that do not exist yet."""
    existing_emails = set(db.session.scalars(select(User.email)))
    new_users = [
        User(
            email=user.email,
            name=user.name,
            role=user.role,
            password_hash=hash_password(SEED_PASSWORD),
        )
        for user in USERS
        if user.email not in existing_emails
    ]
    authors = {author.name: author for author in db.session.scalars(select(Author))}
    new_authors = [
        Author(name=name, birth_year=birth_year)
        for name, birth_year in AUTHORS.items()
        if name not in authors
    ]
    authors.update((author.name, author) for author in new_authors)
    existing_isbns = set(db.session.scalars(select(Book.isbn)))
    new_books = [
        Book(
            title=book.title,
            isbn=book.isbn,
            author=authors[book.author],
            published_year=book.published_year,
            copies_total=book.copies,
            copies_available=book.copies,
        )
        for book in BOOKS
        if book.isbn not in existing_isbns
    ]
    db.session.add_all([*new_users, *new_authors, *new_books])
    db.session.commit()
    invalidate_catalog()
    return SeedReport(users=len(new_users), authors=len(new_authors), books=len(new_books))
