"""Loan routes: borrow, list, fetch and return. Every route needs a signed-in user."""

from typing import Any

from flask import Blueprint, request

from app.pagination import PageAnswer, with_link_header
from app.permissions import current_user, login_required
from app.schemas import LoanCreateSchema, LoanListQuerySchema, LoanPageSchema, LoanSchema
from app.schemas.common import dump
from app.services import loans

loans_bp = Blueprint("loans", __name__)

loan_schema = LoanSchema()
loan_page_schema = LoanPageSchema()
loan_query_schema = LoanListQuerySchema()
loan_create_schema = LoanCreateSchema()


@loans_bp.post("")
@login_required
def borrow_book() -> tuple[dict[str, Any], int]:
    """Borrow a copy of a book for 14 days."""
    data = loan_create_schema.load(request.get_json())
    loan = loans.borrow_book(user=current_user(), **data)
    return dump(loan_schema, loan), 201


@loans_bp.get("")
@login_required
def list_loans() -> PageAnswer:
    """List loans: your own, or everyone's if you are staff."""
    query = loan_query_schema.load(request.args)
    return with_link_header(
        dump(loan_page_schema, loans.list_loans(viewer=current_user(), **query))
    )


@loans_bp.get("/<id:loan_id>")
@login_required
def get_loan(loan_id: int) -> dict[str, Any]:
    """Fetch one of your loans (staff may fetch any)."""
    return dump(loan_schema, loans.get_loan(loan_id=loan_id, viewer=current_user()))


@loans_bp.post("/<id:loan_id>/return")
@login_required
def return_loan(loan_id: int) -> dict[str, Any]:
    """Return a borrowed book (the borrower or staff)."""
    loan = loans.return_loan(loan_id=loan_id, viewer=current_user())
    return dump(loan_schema, loan)
