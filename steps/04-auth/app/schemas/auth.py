"""Bodies of the auth routes: registering, signing in, and the tokens that come back."""

from marshmallow import Schema, fields
from marshmallow.validate import Length

from app.schemas.users import NAME_LENGTH, PASSWORD_LENGTH


class RegisterSchema(Schema):
    """A new account."""

    email = fields.Email(required=True, validate=Length(max=254))
    password = fields.String(required=True, validate=PASSWORD_LENGTH, load_only=True)
    name = fields.String(required=True, validate=NAME_LENGTH)


class LoginSchema(Schema):
    """Credentials."""

    email = fields.String(required=True, validate=Length(min=1, max=254))
    password = fields.String(required=True, validate=Length(min=1, max=256), load_only=True)


class LogoutSchema(Schema):
    """Optionally, the refresh token to revoke along with the access token."""

    refresh_token = fields.String(validate=Length(min=1, max=4096))


class TokenPairSchema(Schema):
    """The tokens a sign-in or a refresh hands out."""

    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(
        required=True, metadata={"description": "Seconds until the access token expires."}
    )
