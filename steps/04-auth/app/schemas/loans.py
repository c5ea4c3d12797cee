"""Loan bodies and the filters of the loan list."""

from typing import Any

from marshmallow import Schema, fields
from marshmallow.validate import OneOf
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from app.models import Loan
from app.models.loan import ACTIVE, RETURNED
from app.schemas.common import ID_RANGE, PageQuerySchema, PageSchema, QueryInteger, UtcDateTime


class LoanSchema(SQLAlchemyAutoSchema[Any]):
    """A loan as the API shows it."""

    class Meta:
        model = Loan
        include_fk = True
        fields = ("id", "book_id", "user_id", "loaned_at", "due_at", "returned_at", "status")

    loaned_at = UtcDateTime(dump_only=True)
    due_at = UtcDateTime(dump_only=True)
    returned_at = UtcDateTime(dump_only=True, allow_none=True)
    status = fields.String(dump_only=True, validate=OneOf((ACTIVE, RETURNED)))


class LoanPageSchema(PageSchema):
    """A page of loans."""

    items = fields.List(fields.Nested(LoanSchema), required=True)


class UserLoanListQuerySchema(PageQuerySchema):
    """Paging and sorting of one user's loans."""

    sort_fields = ("loaned_at", "due_at")


class LoanListQuerySchema(UserLoanListQuerySchema):
    """Paging, sorting and filters of the loan list."""

    user_id = QueryInteger(validate=ID_RANGE)
    status = fields.String(validate=OneOf((ACTIVE, RETURNED)))


class LoanCreateSchema(Schema):
    """The book to borrow."""

    book_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
