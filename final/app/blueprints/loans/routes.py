"""Loan routes: borrow, list, fetch and return. Every route needs a signed-in user.

``POST /loans`` honours ``Idempotency-Key``: a client that lost the answer (timeout, dropped
connection) may send the same request again and gets the first answer, not a second loan.
"""

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from app.errors import ValidationFailed
from app.permissions import current_user, login_required
from app.schemas import LoanCreateSchema, LoanListQuerySchema, LoanPageSchema, LoanSchema
from app.services import loans

loans_bp = Blueprint("loans", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255

loan_schema = LoanSchema()
loan_page_schema = LoanPageSchema()
loan_query_schema = LoanListQuerySchema()
loan_create_schema = LoanCreateSchema()


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
def borrow_book() -> ResponseReturnValue:
    """Borrow a copy of a book for 14 days.

    Send an Idempotency-Key to make retries safe: the same key and body replay the first
    answer (with Idempotent-Replayed: true); the same key with another body is refused.
    ---
    post:
      tags: [loans]
      security: [{bearerAuth: []}]
      parameters:
      - IdempotencyKey
      requestBody:
        required: true
        content:
          application/json:
            schema: LoanCreateSchema
            example: {book_id: 1}
      responses:
        201:
          description: The new loan (or, on a replay, the first answer again).
          headers:
            Idempotent-Replayed:
              $ref: '#/components/headers/Idempotent-Replayed'
          content:
            application/json:
              schema: LoanSchema
        400:
          $ref: '#/components/responses/BadRequest'
        401:
          $ref: '#/components/responses/Unauthorized'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          $ref: '#/components/responses/Conflict'
        413:
          $ref: '#/components/responses/PayloadTooLarge'
        415:
          $ref: '#/components/responses/UnsupportedMediaType'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    key = idempotency_key()
    data = loan_create_schema.load(request.get_json())
    if key is None:
        loan = loans.borrow_book(user=current_user(), **data)
        body: dict[str, Any] = loan_schema.dump(loan)
        return body, 201
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
def list_loans() -> dict[str, Any]:
    """List loans: your own, or everyone's if you are staff.
    ---
    get:
      tags: [loans]
      security: [{bearerAuth: []}]
      parameters:
      - in: query
        schema: LoanListQuerySchema
      responses:
        200:
          description: A page of loans.
          content:
            application/json:
              schema: LoanPageSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        422:
          $ref: '#/components/responses/ValidationError'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    query = loan_query_schema.load(request.args)
    body: dict[str, Any] = loan_page_schema.dump(loans.list_loans(viewer=current_user(), **query))
    return body


@loans_bp.get("/<id:loan_id>")
@login_required
def get_loan(loan_id: int) -> dict[str, Any]:
    """Fetch one of your loans (staff may fetch any).
    ---
    get:
      tags: [loans]
      security: [{bearerAuth: []}]
      responses:
        200:
          description: The loan.
          content:
            application/json:
              schema: LoanSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        404:
          $ref: '#/components/responses/NotFound'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    body: dict[str, Any] = loan_schema.dump(loans.get_loan(loan_id=loan_id, viewer=current_user()))
    return body


@loans_bp.post("/<id:loan_id>/return")
@login_required
def return_loan(loan_id: int) -> dict[str, Any]:
    """Return a borrowed book (the borrower or staff).
    ---
    post:
      tags: [loans]
      security: [{bearerAuth: []}]
      responses:
        200:
          description: The loan, now returned.
          content:
            application/json:
              schema: LoanSchema
        401:
          $ref: '#/components/responses/Unauthorized'
        404:
          $ref: '#/components/responses/NotFound'
        409:
          $ref: '#/components/responses/Conflict'
        429:
          $ref: '#/components/responses/RateLimited'
    """
    loan = loans.return_loan(loan_id=loan_id, viewer=current_user())
    body: dict[str, Any] = loan_schema.dump(loan)
    return body
