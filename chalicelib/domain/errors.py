"""Domain errors. Handlers map each class to one HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInputError(DomainError):
    code = "invalid_input"


class AuthenticationError(DomainError):
    code = "authentication_failed"


class ExpiredCredentialsError(AuthenticationError):
    """A token or link that was genuine but is past its lifetime (told apart by type, not by wording)."""

    code = "expired"


class TooManyRequestsError(DomainError):
    """Refused for now: `retry_after` seconds later the same request may be admitted."""

    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 60, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, retry_after)


class AccountLockedError(TooManyRequestsError):
    code = "account_locked"


class PermissionDeniedError(DomainError):
    code = "forbidden"


class NotFoundError(DomainError):
    code = "not_found"


class StateConflictError(DomainError):
    code = "state_conflict"


class InvalidTransitionError(StateConflictError):
    code = "invalid_transition"
