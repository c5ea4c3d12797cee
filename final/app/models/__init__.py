"""The database models; importing this package registers every table on ``Base.metadata``."""

from app.models.api_key import ApiKey
from app.models.author import Author
from app.models.base import Base
from app.models.book import Book
from app.models.idempotency import IdempotencyKey
from app.models.loan import Loan
from app.models.oauth import AuthorizationCode, OAuthClient, OAuthGrant
from app.models.revoked_token import RevokedToken
from app.models.user import User

__all__ = [
    "ApiKey",
    "Author",
    "AuthorizationCode",
    "Base",
    "Book",
    "IdempotencyKey",
    "Loan",
    "OAuthClient",
    "OAuthGrant",
    "RevokedToken",
    "User",
]
