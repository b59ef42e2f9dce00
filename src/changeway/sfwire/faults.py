"""Salesforce's fault codes for changeway's refusals, as REST error lists and SOAP faults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from changeway.domain.errors import ChangewayError

#: Salesforce's code and the REST status for each changeway error code.
CODES: dict[str, tuple[str, int]] = {
    "not_authenticated": ("INVALID_SESSION_ID", 401),
    "permission_denied": ("INSUFFICIENT_ACCESS", 403),
    "not_found": ("INVALID_CROSS_REFERENCE_KEY", 404),
    "not_authorized": ("INSUFFICIENT_ACCESS", 403),
    "limit_exceeded": ("EXCEEDED_MAX_SIZE_REQUEST", 413),
    "invalid_request": ("INVALID_FIELD", 400),
    "invalid_metadata": ("INVALID_FIELD", 400),
    "schema_outdated": ("SERVER_UNAVAILABLE", 503),
}
DEFAULT = ("INVALID_OPERATION", 400)


class SalesforceFault(Exception):
    """A refusal as Salesforce reports it: a fault code and a message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def fault_of(error: ChangewayError) -> SalesforceFault:
    """The fault a changeway refusal becomes on the wire."""
    code, status = CODES.get(error.code, DEFAULT)
    return SalesforceFault(code, str(error), status)


@contextmanager
def as_faults() -> Iterator[None]:
    """Turn changeway's refusals inside the block into Salesforce faults."""
    try:
        yield
    except ChangewayError as error:
        raise fault_of(error) from None
