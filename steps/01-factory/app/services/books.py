"""The books service: the only code that knows where books are kept.

In this step books live in memory, so routing and errors can be built before a database exists.
Step 02 swaps this module's insides for SQLAlchemy; the routes barely change.
"""

import threading
from dataclasses import dataclass, field

from flask import Flask, current_app

from app.errors import Conflict, NotFound

STORE_KEY = "book_store"


@dataclass
class Book:
    """A book in the catalogue."""

    id: int
    title: str
    isbn: str
    published_year: int | None
    copies_total: int
    copies_available: int


@dataclass
class BookStore:
    """Books by id, with a lock because the development server answers from several threads."""

    books: dict[int, Book] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


STARTER_BOOKS = [
    ("Pride and Prejudice", "9780141439518", 1813),
    ("Frankenstein", "9780141439471", 1818),
    ("Moby-Dick", "9780142437247", 1851),
]


def init_book_store(app: Flask) -> None:
    """Give ``app`` its own store, holding a few public-domain classics."""
    store = BookStore()
    for number, (title, isbn, year) in enumerate(STARTER_BOOKS, start=1):
        store.books[number] = Book(number, title, isbn, year, 2, 2)
    app.extensions[STORE_KEY] = store


def _store() -> BookStore:
    store: BookStore = current_app.extensions[STORE_KEY]
    return store


def list_books(*, page: int, per_page: int) -> tuple[list[Book], int]:
    """One page of books in id order, and how many there are in all."""
    books = sorted(_store().books.values(), key=lambda book: book.id)
    start = (page - 1) * per_page
    return books[start : start + per_page], len(books)


def get_book(book_id: int) -> Book:
    """The book with this id, or NotFound."""
    book = _store().books.get(book_id)
    if book is None:
        raise NotFound(f"No book with id {book_id}.")
    return book


def create_book(*, title: str, isbn: str, published_year: int | None, copies_total: int) -> Book:
    """Add a book; an ISBN already in the catalogue is a conflict."""
    store = _store()
    with store.lock:
        if any(book.isbn == isbn for book in store.books.values()):
            raise Conflict("A book with this ISBN already exists.", code="isbn_taken")
        book_id = max(store.books, default=0) + 1
        book = Book(book_id, title, isbn, published_year, copies_total, copies_total)
        store.books[book_id] = book
    return book
