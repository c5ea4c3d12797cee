"""marshmallow schemas: ``load`` validates what comes in, ``dump`` shapes what goes out."""

from app.schemas.api_keys import (
    ApiKeyCreateSchema,
    ApiKeyListQuerySchema,
    ApiKeyPageSchema,
    ApiKeySchema,
    NewApiKeySchema,
)
from app.schemas.auth import LoginSchema, LogoutSchema, RegisterSchema, TokenPairSchema
from app.schemas.authors import (
    AuthorInputSchema,
    AuthorListQuerySchema,
    AuthorPageSchema,
    AuthorSchema,
)
from app.schemas.books import BookInputSchema, BookListQuerySchema, BookPageSchema, BookSchema
from app.schemas.clients import (
    ClientCreateSchema,
    ClientListQuerySchema,
    ClientPageSchema,
    ClientSchema,
    GrantListSchema,
    GrantSchema,
    IssuedSecretSchema,
)
from app.schemas.loans import (
    LoanCreateSchema,
    LoanListQuerySchema,
    LoanPageSchema,
    LoanSchema,
    UserLoanListQuerySchema,
)
from app.schemas.users import UserListQuerySchema, UserPageSchema, UserSchema, UserUpdateSchema

__all__ = [
    "ApiKeyCreateSchema",
    "ApiKeyListQuerySchema",
    "ApiKeyPageSchema",
    "ApiKeySchema",
    "AuthorInputSchema",
    "AuthorListQuerySchema",
    "AuthorPageSchema",
    "AuthorSchema",
    "BookInputSchema",
    "BookListQuerySchema",
    "BookPageSchema",
    "BookSchema",
    "ClientCreateSchema",
    "ClientListQuerySchema",
    "ClientPageSchema",
    "ClientSchema",
    "GrantListSchema",
    "GrantSchema",
    "IssuedSecretSchema",
    "LoanCreateSchema",
    "LoanListQuerySchema",
    "LoanPageSchema",
    "LoanSchema",
    "LoginSchema",
    "LogoutSchema",
    "NewApiKeySchema",
    "RegisterSchema",
    "TokenPairSchema",
    "UserListQuerySchema",
    "UserLoanListQuerySchema",
    "UserPageSchema",
    "UserSchema",
    "UserUpdateSchema",
]
