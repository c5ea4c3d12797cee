"""Loan routes: borrow, list, fetch and return.

There is no sign-in yet, so a loan names its borrower in the body; from step 04 on, the borrower
is the signed-in user and the body holds only the book.
"""

from typing import Any

from flask import Blueprint

from app.bodies import LOAN_FIELDS, loan_body, page_args, page_body, parse_body
from app.pagination import PageAnswer, with_link_header
from app.services import loans, users

loans_bp = Blueprint("loans", __name__)


@loans_bp.post("")
def borrow_book() -> tuple[dict[str, Any], int]:
    """Borrow a copy of a book for 14 days."""
    data = parse_body(LOAN_FIELDS)
    loan = loans.borrow_book(user=users.get_user(data["user_id"]), book_id=data["book_id"])
    return loan_body(loan), 201


@loans_bp.get("")
def list_loans() -> PageAnswer:
    """List loans, a page at a time."""
    return with_link_header(page_body(loans.list_loans(**page_args()), loan_body))


@loans_bp.get("/<id:loan_id>")
def get_loan(loan_id: int) -> dict[str, Any]:
    """Fetch one loan."""
    return loan_body(loans.get_loan(loan_id=loan_id))


@loans_bp.post("/<id:loan_id>/return")
def return_loan(loan_id: int) -> dict[str, Any]:
    """Return a borrowed book."""
    return loan_body(loans.return_loan(loan_id=loan_id))
