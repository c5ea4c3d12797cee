"""Loan routes: borrow, list, fetch and return. Every route needs a signed-in user.

``POST /loans`` honours ``Idempotency-Key``: a client that lost the answer (timeout, dropped
connection) may send the same request again and gets the first answer, not a second loan.
"""

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.errors import ValidationFailed
from app.operations import operation
from app.pagination import PageAnswer, with_link_header
from app.permissions import current_user, login_required, scopes_required
from app.schemas import LoanCreateSchema, LoanListQuerySchema, LoanPageSchema, LoanSchema
from app.schemas.common import dump
from app.services import loans

loans_bp = Blueprint("loans", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255

loan_schema = LoanSchema()
loan_page_schema = LoanPageSchema()
loan_query_schema = LoanListQuerySchema()
loan_create_schema = LoanCreateSchema()

# An example for the document; the contract tests replay the requests and compare the answers.
LOAN_EXAMPLE = {
    "id": 1,
    "book_id": 1,
    "user_id": 4,
    "status": "active",
    "loaned_at": "2026-01-15T09:30:00+00:00",
    "due_at": "2026-01-29T09:30:00+00:00",
    "returned_at": None,
}


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key``, or None; 422 when it is empty or too long."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValidationFailed(
            details={IDEMPOTENCY_HEADER: [f"Use 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters."]}
        )
    return key


@loans_bp.post("")
@login_required
@scopes_required("loans:write")
@operation(
    body=LoanCreateSchema,
    response=LoanSchema,
    status=201,
    errors=[404, 409],
    parameters=["IdempotencyKey"],
    headers=["Idempotent-Replayed"],
    example={"book_id": 1},
    answer=LOAN_EXAMPLE,
)
def borrow_book() -> ResponseReturnValue:
    """Borrow a copy of a book for 14 days.

    Send an Idempotency-Key to make retries safe: the same key and body replay the first
    answer (with Idempotent-Replayed: true); the same key with another body is refused.
    """
    key = idempotency_key()
    data = loan_create_schema.load(request.get_json())
    if key is None:
        loan = loans.borrow_book(user=current_user(), **data)
        return dump(loan_schema, loan), 201
    stored, replayed = loans.borrow_book_once(
        user=current_user(), key=key, render=loan_schema.dump, **data
    )
    response = jsonify(stored.body)
    response.status_code = stored.status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@loans_bp.get("")
@login_required
@scopes_required("loans:read")
@operation(query=LoanListQuerySchema, response=LoanPageSchema, headers=["Link"])
def list_loans() -> PageAnswer:
    """List loans: your own, or everyone's if you are staff."""
    query = loan_query_schema.load(request.args)
    return with_link_header(
        dump(loan_page_schema, loans.list_loans(viewer=current_user(), **query))
    )


@loans_bp.get("/<id:loan_id>")
@login_required
@scopes_required("loans:read")
@operation(response=LoanSchema, errors=[404])
def get_loan(loan_id: int) -> dict[str, Any]:
    """Fetch one of your loans (staff may fetch any)."""
    return dump(loan_schema, loans.get_loan(loan_id=loan_id, viewer=current_user()))


@loans_bp.post("/<id:loan_id>/return")
@login_required
@scopes_required("loans:write")
@operation(response=LoanSchema, errors=[404, 409])
def return_loan(loan_id: int) -> dict[str, Any]:
    """Return a borrowed book (the borrower or staff)."""
    loan = loans.return_loan(loan_id=loan_id, viewer=current_user())
    return dump(loan_schema, loan)
