"""Salesforce-shaped ids for changeway's orgs, users and requests, as Salesforce's own tools
expect them on the wire (docs/model.md, "Salesforce's tools"): a 3-character key prefix,
12 characters, and the 3-character case-safe suffix of an 18-character id."""

from __future__ import annotations

import re
from urllib.parse import quote

from changeway.domain.errors import NotFound

ORG = "00D"
USER = "005"
DEPLOY_REQUEST = "0Af"
RETRIEVE_REQUEST = "09S"
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Z]{3})?")
#: A session id: an org id, '!', then the secret (what the client checks before sending it).
SESSION = re.compile(r"00D\w{12,15}!.+")


def to_18(id15: str) -> str:
    """The 18-character form: each 5-character chunk adds one letter telling which of its
    characters are upper case."""
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _SUFFIX[bits]
    return id15 + suffix


def org_id(internal: str) -> str:
    """An org's id on the wire: production and sandboxes are both organizations there."""
    return to_18(ORG + internal[3:15])


def numbered(prefix: str, number: int) -> str:
    """The id of record ``number`` under ``prefix`` (users, deploy and retrieve requests)."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _DIGITS[rest] + digits
    return to_18(prefix + digits.rjust(12, "0"))


def number_of(prefix: str, text: str, *, what: str) -> int:
    """The record number of a 15- or 18-character id under ``prefix``; NotFound otherwise."""
    value = text.strip()
    if not _ID.fullmatch(value) or not value.startswith(prefix):
        raise NotFound(f"no {what} {text!r}")
    if len(value) == 18 and to_18(value[:15]) != value:
        raise NotFound(f"no {what} {text!r}")
    number = 0
    for ch in value[3:15]:
        number = number * 62 + _DIGITS.index(ch)
    if number == 0:
        raise NotFound(f"no {what} {text!r}")
    return number


def session_prefix(internal_org_id: str) -> str:
    """How an org-bound token starts: the org's 15-character wire id and '!'."""
    return org_id(internal_org_id)[:15] + "!"


def login_url(instance_url: str, org: str) -> str:
    """The login URL naming ``org`` (a name, PRODUCTION/NAME or an id) that JWT logins use:
    ``<instance>/org/<ORG>/`` (a token request carries no org of its own)."""
    return f"{instance_url.rstrip('/')}/org/{quote(org, safe='/')}/"
