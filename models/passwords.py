"""Hashing of PINs, passwords and one-time codes (argon2id); clear values are never stored."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_STAFF_PASSWORD_LENGTH = 12
"""The shortest password a staff account may have (the console and `ivr staff create`)."""

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(hashed: str | None, secret: str) -> bool:
    """True when SECRET matches HASHED; False for no hash or a mismatch."""
    if not hashed:
        return False
    try:
        return _hasher.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
