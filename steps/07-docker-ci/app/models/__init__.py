"""The database models; importing this package registers every table on ``Base.metadata``."""

from app.models.author import Author
from app.models.base import Base
from app.models.book import Book
from app.models.loan import Loan
from app.models.revoked_token import RevokedToken
from app.models.user import User

__all__ = ["Author", "Base", "Book", "Loan", "RevokedToken", "User"]
