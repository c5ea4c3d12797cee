"""Loan routes: borrow, list, fetch and return.

There is no sign-in yet, so a loan names its borrower in the body; from step 04 on, the borrower
is the signed-in user and the body holds only the book.
"""

from typing import Any

from flask import Blueprint, request

from app.pagination import PageAnswer, with_link_header
from app.schemas import LoanCreateSchema, LoanListQuerySchema, LoanPageSchema, LoanSchema
from app.schemas.common import dump
from app.services import loans, users

loans_bp = Blueprint("loans", __name__)

loan_schema = LoanSchema()
loan_page_schema = LoanPageSchema()
loan_query_schema = LoanListQuerySchema()
loan_create_schema = LoanCreateSchema()


@loans_bp.post("")
def borrow_book() -> tuple[dict[str, Any], int]:
    """Borrow a copy of a book for 14 days."""
    data = loan_create_schema.load(request.get_json())
    loan = loans.borrow_book(user=users.get_user(data["user_id"]), book_id=data["book_id"])
    return dump(loan_schema, loan), 201


@loans_bp.get("")
def list_loans() -> PageAnswer:
    """List loans, a page at a time, filtered by user or status."""
    query = loan_query_schema.load(request.args)
    return with_link_header(dump(loan_page_schema, loans.list_loans(**query)))


@loans_bp.get("/<id:loan_id>")
def get_loan(loan_id: int) -> dict[str, Any]:
    """Fetch one loan."""
    return dump(loan_schema, loans.get_loan(loan_id=loan_id))


@loans_bp.post("/<id:loan_id>/return")
def return_loan(loan_id: int) -> dict[str, Any]:
    """Return a borrowed book."""
    return dump(loan_schema, loans.return_loan(loan_id=loan_id))
