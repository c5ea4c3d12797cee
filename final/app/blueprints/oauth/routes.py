"""The OAuth 2 endpoints: tokens for clients, and the page where a member signs in and consents.

These speak OAuth, not the API's dialect: the token endpoint answers errors in RFC 6749's form
(``{"error": "invalid_client", ...}``), because every OAuth client library expects exactly that,
and the authorize page answers HTML or a redirect to the client. Everything under /api/v1 keeps
the ``{code, message, details, request_id}`` body.

The page is the one place that uses a cookie: Flask's signed session, holding who signed in and a
CSRF token. A form posted from another site carries no valid token, so it is refused.
"""

import json
import secrets

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from app.caching import forbid_storing
from app.errors import ApiError
from app.models import User
from app.scopes import ROLE_SCOPES, SCOPES, parse_scope
from app.services import auth
from app.services.oauth import server, server_metadata, session_member
from app.sign_in_limits import sign_in_limits

oauth_bp = Blueprint("oauth", __name__, template_folder="templates")

CSRF_FIELD = "csrf_token"
# The page's own Content-Security-Policy: no scripts, no styles, no frames (no clickjacking of
# the Allow button). Forms may post here, and the redirect after "Allow" may go to the client's
# registered URI: browsers check a form's redirects against form-action too.
PAGE_POLICY = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"


oauth_bp.after_request(forbid_storing)


@oauth_bp.before_request
def refuse_the_nul_character() -> Response | None:
    """Refuse a form or Basic credentials holding U+0000, before any query sees it.

    PostgreSQL cannot store the character in text and fails the query, which would be a 500.
    The API's own guard checks query strings and JSON bodies; these endpoints also take forms.
    """
    credentials = request.authorization
    values = [*request.form.values()]
    if credentials is not None:
        values += [credentials.username or "", credentials.password or ""]
    if not any("\x00" in value for value in values):
        return None
    refusal = {"error": "invalid_request", "error_description": "U+0000 is not allowed."}
    return Response(json.dumps(refusal), status=400, mimetype="application/json")


@oauth_bp.post("/oauth/token")
def issue_token() -> Response:
    """Trade client credentials, a code with its verifier, or a refresh token for tokens."""
    response: Response = server.create_token_response()
    return response


@oauth_bp.get("/.well-known/oauth-authorization-server")
def metadata() -> dict[str, object]:
    """The authorization server's metadata (RFC 8414), generated from its configuration."""
    return server_metadata(
        issuer=current_app.config["JWT_ENCODE_ISSUER"],
        authorization_endpoint=url_for("oauth.authorize", _external=True),
        token_endpoint=url_for("oauth.issue_token", _external=True),
        jwks_uri=url_for("well_known.jwks", _external=True),
    )


def form_email() -> object:
    """The email typed into the sign-in form."""
    return request.form.get("email")


def failed_sign_in(response: Response) -> bool:
    """Only a refused password counts against the sign-in limits."""
    return response.status_code == 401 and request.form.get("action") == "sign_in"


@oauth_bp.route("/oauth/authorize", methods=["GET", "POST"])
@sign_in_limits(email=form_email, failed=failed_sign_in)
def authorize() -> ResponseReturnValue:
    """Sign the member in, ask for consent, and send them back to the client with a code."""
    member = session_member(
        session.get("user_id"), session.get("token_key"), session.get("token_version")
    )
    try:
        grant = server.get_consent_grant(end_user=member)
    except OAuth2Error as error:
        if error.redirect_uri:
            # The client and its redirect URI are known: the client hears of the error.
            response: Response = server.handle_error_response(None, error)
            return response
        # No trusted place to send the member: say what is wrong, here.
        return _page("error", status=400, message=error.description or error.error)
    if request.method == "POST":
        if not _csrf_token_matches():
            return _page("error", status=400, message="The form expired; go back and reload it.")
        action = request.form.get("action")
        if action == "sign_in":
            return _sign_in(grant)
        if member is None:
            return _page("sign_in", status=401, grant=grant, message="Sign in first.")
        if action in {"allow", "deny"}:
            return _decide(grant, member, allow=action == "allow")
    if member is None:
        return _page("sign_in", grant=grant)
    return _page("consent", grant=grant, member=member)


def _sign_in(grant: AuthorizationCodeGrant) -> ResponseReturnValue:
    """Check the password, then start a fresh session (a new CSRF token) and show the consent."""
    try:
        user = auth.authenticate(
            email=request.form.get("email", ""), password=request.form.get("password", "")
        )
    except ApiError as error:
        return _page("sign_in", status=401, grant=grant, message=error.message)
    # A new session on sign-in: whatever an attacker planted in the old one is gone.
    session.clear()
    session["user_id"] = user.id
    session["token_key"] = user.token_key
    session["token_version"] = user.token_version
    return redirect(request.full_path, code=303)


def _decide(grant: AuthorizationCodeGrant, member: User, *, allow: bool) -> Response:
    """Redirect to the client: with a code when allowed (and held), with an error otherwise."""
    if allow and not parse_scope(grant.request.scope) <= ROLE_SCOPES[member.role]:
        error = InvalidScopeError(
            "You do not hold every scope this app asks for.",
            redirect_uri=grant.redirect_uri,
            state=grant.request.payload.state,
        )
        refused: Response = server.handle_error_response(None, error)
        return refused
    response: Response = server.create_authorization_response(
        grant=grant, grant_user=member if allow else None
    )
    return response


def _csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    token: str = session[CSRF_FIELD]
    return token


def _csrf_token_matches() -> bool:
    """Whether the form carries this session's token; compared in constant time."""
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not sent:
        return False
    return secrets.compare_digest(sent.encode(), expected.encode())


def _page(
    view: str,
    *,
    status: int = 200,
    grant: AuthorizationCodeGrant | None = None,
    member: User | None = None,
    message: str | None = None,
) -> Response:
    """Render the page in one of its three views: sign_in, consent or error."""
    scopes = grant.request.scope.split() if grant is not None else []
    html = render_template(
        "oauth/authorize.html",
        view=view,
        client=grant.client if grant is not None else None,
        scopes=[(scope, SCOPES.get(scope, scope)) for scope in scopes],
        member=member,
        message=message,
        csrf_token=_csrf_token(),
    )
    response = Response(html, status=status, mimetype="text/html")
    policy = PAGE_POLICY
    if grant is not None and grant.redirect_uri:
        policy += f" {grant.redirect_uri}"
    response.headers["Content-Security-Policy"] = policy
    return response
