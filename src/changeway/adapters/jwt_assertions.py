"""JWT bearer assertions (RFC 7523) as Salesforce's tools sign them: RS256 only, checked
with PyJWT against a key read by cryptography (docs/adr/0015-jwt-bearer-logins.md).

Loaded on first use: only key registration and JWT logins need these libraries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from changeway.domain.errors import NotAuthenticated, Refused

#: Seconds of clock difference tolerated on ``exp``.
LEEWAY = 30
#: Salesforce accepts assertions that expire within 3 minutes; we allow 5 minutes of life.
LONGEST = 300
#: ``exp`` past this is in milliseconds, as the `sf` CLI sends it (year 5138 in seconds).
_MILLISECONDS = 10**11


def public_key_pem(data: bytes) -> str:
    """The RSA public key of a PEM certificate or public key, as PEM (SubjectPublicKeyInfo)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if b"PRIVATE KEY" in data:
        raise Refused("that is a private key: register the certificate or the public key")
    try:
        if b"BEGIN CERTIFICATE" in data:
            key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError:
        raise Refused("not a PEM certificate or public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise Refused("the key must be RSA: Salesforce's tools sign with RS256")
    if key.key_size < 2048:
        raise Refused(f"the RSA key has {key.key_size} bits: at least 2048 are needed")
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def fingerprint(public_key: str) -> str:
    """The SHA-256 of a PEM key's DER bytes, as hex (what listings show of a key)."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_public_key(public_key.encode("ascii"))
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def claims_unverified(assertion: str) -> dict[str, Any]:
    """The claims of an assertion before its signature is checked (to find whose key to
    check it with); nothing read here is trusted until :func:`verify` passes."""
    import jwt

    try:
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise NotAuthenticated("invalid assertion: not a JWT") from None
    if not isinstance(claims.get("iss"), str) or not isinstance(claims.get("sub"), str):
        raise NotAuthenticated("invalid assertion: iss (client id) and sub (user) are required")
    return claims


def verify(assertion: str, public_key: str, *, audiences: set[str], now: datetime) -> None:
    """Refuse ``assertion`` unless it is signed (RS256) by ``public_key``, names one of
    ``audiences`` (trailing slashes aside) and has not expired at ``now``."""
    import jwt

    try:
        claims = jwt.decode(
            assertion,
            public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "require": ["exp", "aud"]},
        )
    except jwt.InvalidSignatureError:
        raise NotAuthenticated(
            "invalid assertion: the signature does not match the key registered for this"
            " client id and user"
        ) from None
    except jwt.InvalidTokenError as error:
        raise NotAuthenticated(f"invalid assertion: {error}") from None
    audience = claims["aud"]
    named = audience if isinstance(audience, list) else [audience]
    wanted = {a.rstrip("/") for a in audiences}
    if not any(isinstance(a, str) and a.rstrip("/") in wanted for a in named):
        raise NotAuthenticated(
            f"invalid assertion: audience {audience!r} is not this org's login URL"
            f" ({', '.join(sorted(wanted))})"
        )
    _check_expiry(claims["exp"], now)


def _check_expiry(exp: object, now: datetime) -> None:
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise NotAuthenticated("invalid assertion: exp must be a number")
    seconds = exp / 1000 if exp > _MILLISECONDS else float(exp)
    left = seconds - now.timestamp()
    if left < -LEEWAY:
        raise NotAuthenticated("expired authorization: the assertion's exp has passed")
    if left > LONGEST + LEEWAY:
        raise NotAuthenticated(f"invalid assertion: exp is more than {LONGEST // 60} minutes ahead")
