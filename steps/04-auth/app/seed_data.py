"""The development data set: three accounts and public-domain classics in real, in-print editions.

Each ISBN-13 is that of a real edition (mostly Penguin Classics); a test checks every check digit.
``published_year`` is the year the work first appeared, not the year of the edition.
"""

from typing import NamedTuple

from app.models.user import ADMIN, LIBRARIAN, MEMBER

SEED_PASSWORD = "library-pass"  # noqa: S105 - development data, printed in the README


class SeedUser(NamedTuple):
    """An account to create."""

    email: str
    name: str
    role: str


class SeedBook(NamedTuple):
    """A book to create, by its author's name."""

    title: str
    isbn: str
    author: str
    published_year: int | None
    copies: int


USERS = [
    SeedUser("admin@library.test", "Ada Admin", ADMIN),
    SeedUser("librarian@library.test", "Lena Librarian", LIBRARIAN),
    SeedUser("member@library.test", "Max Member", MEMBER),
]

# Author name -> year of birth (None when nobody knows).
AUTHORS: dict[str, int | None] = {
    "Jane Austen": 1775,
    "Mary Shelley": 1797,
    "Herman Melville": 1819,
    "Charlotte Brontë": 1816,
    "Emily Brontë": 1818,
    "Charles Dickens": 1812,
    "Bram Stoker": 1847,
    "Oscar Wilde": 1854,
    "George Eliot": 1819,
    "Thomas Hardy": 1840,
    "Louisa May Alcott": 1832,
    "Mark Twain": 1835,
    "Nathaniel Hawthorne": 1804,
    "Joseph Conrad": 1857,
    "Alexandre Dumas": 1802,
    "Fyodor Dostoevsky": 1821,
    "Leo Tolstoy": 1828,
    "Victor Hugo": 1802,
    "Gustave Flaubert": 1821,
    "Homer": None,
    "Miguel de Cervantes": 1547,
    "Lewis Carroll": 1832,
    "Robert Louis Stevenson": 1850,
    "H. G. Wells": 1866,
}

BOOKS = [
    SeedBook("Pride and Prejudice", "9780141439518", "Jane Austen", 1813, 3),
    SeedBook("Emma", "9780141439587", "Jane Austen", 1815, 2),
    SeedBook("Sense and Sensibility", "9780141439662", "Jane Austen", 1811, 2),
    SeedBook("Persuasion", "9780141439686", "Jane Austen", 1817, 1),
    SeedBook("Northanger Abbey", "9780141439792", "Jane Austen", 1817, 1),
    SeedBook("Mansfield Park", "9780141439808", "Jane Austen", 1814, 1),
    SeedBook("Frankenstein", "9780141439471", "Mary Shelley", 1818, 2),
    SeedBook("Moby-Dick", "9780142437247", "Herman Melville", 1851, 1),
    SeedBook("Jane Eyre", "9780141441146", "Charlotte Brontë", 1847, 2),
    SeedBook("Wuthering Heights", "9780141439556", "Emily Brontë", 1847, 2),
    SeedBook("Great Expectations", "9780141439563", "Charles Dickens", 1861, 2),
    SeedBook("Oliver Twist", "9780141439747", "Charles Dickens", 1838, 1),
    SeedBook("A Tale of Two Cities", "9780141439600", "Charles Dickens", 1859, 1),
    SeedBook("Bleak House", "9780141439723", "Charles Dickens", 1853, 1),
    SeedBook("David Copperfield", "9780140439441", "Charles Dickens", 1850, 1),
    SeedBook("Dracula", "9780141439846", "Bram Stoker", 1897, 2),
    SeedBook("The Picture of Dorian Gray", "9780141439570", "Oscar Wilde", 1890, 1),
    SeedBook("Middlemarch", "9780141439549", "George Eliot", 1871, 1),
    SeedBook("Tess of the D'Urbervilles", "9780141439594", "Thomas Hardy", 1891, 1),
    SeedBook("Little Women", "9780140390698", "Louisa May Alcott", 1868, 2),
    SeedBook("Adventures of Huckleberry Finn", "9780142437179", "Mark Twain", 1884, 1),
    SeedBook("The Adventures of Tom Sawyer", "9780143039563", "Mark Twain", 1876, 1),
    SeedBook("The Scarlet Letter", "9780142437261", "Nathaniel Hawthorne", 1850, 1),
    SeedBook("Heart of Darkness", "9780141441672", "Joseph Conrad", 1899, 1),
    SeedBook("The Count of Monte Cristo", "9780140449266", "Alexandre Dumas", 1844, 1),
    SeedBook("Crime and Punishment", "9780140449136", "Fyodor Dostoevsky", 1866, 1),
    SeedBook("The Brothers Karamazov", "9780140449242", "Fyodor Dostoevsky", 1880, 1),
    SeedBook("War and Peace", "9780140447934", "Leo Tolstoy", 1869, 1),
    SeedBook("Anna Karenina", "9780143035008", "Leo Tolstoy", 1878, 1),
    SeedBook("Les Misérables", "9780140444308", "Victor Hugo", 1862, 1),
    SeedBook("Madame Bovary", "9780140449129", "Gustave Flaubert", 1857, 1),
    SeedBook("The Odyssey", "9780140268867", "Homer", None, 2),
    SeedBook("The Iliad", "9780140275360", "Homer", None, 1),
    SeedBook("Don Quixote", "9780060934347", "Miguel de Cervantes", 1605, 1),
    SeedBook("Alice's Adventures in Wonderland", "9780141439761", "Lewis Carroll", 1865, 2),
    SeedBook(
        "Strange Case of Dr Jekyll and Mr Hyde", "9780141439730", "Robert Louis Stevenson", 1886, 1
    ),
    SeedBook("Treasure Island", "9780141321004", "Robert Louis Stevenson", 1883, 1),
    SeedBook("The War of the Worlds", "9780141441030", "H. G. Wells", 1898, 1),
    SeedBook("The Time Machine", "9780141439976", "H. G. Wells", 1895, 1),
]
