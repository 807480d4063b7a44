"""The kiosk staff code: hashed with scrypt for the config file, checked in constant time.

The staff code opens the kiosk's staff menu (quit, change the commune). It lives in the config
file only as `kiosk_staff_code_hash = "scrypt$N$r$p$SALT$HASH"` (salt and hash in unpadded
URL-safe base64), made by `famille-tui kiosk-code`; the code itself is never stored or shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
#: scrypt cost parameters: about 16 MiB and a few tens of milliseconds per check, which is
#: slow enough to make guessing a short code from a stolen config costly, fast enough for a desk.
DEFAULT_N = 2**14
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
#: A config file is not trusted to choose the work: bounds keep a tampered hash from
#: making a check take minutes or gigabytes.
_MAX_N = 2**20
_MAX_R = 32
_MAX_P = 16
MIN_CODE_LENGTH = 6


class StaffCodeError(ValueError):
    """A staff code that cannot be used (too short); `str(error)` is French."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(code: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        code.encode("utf-8"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=130 * n * r * p + 1024 * 1024,
        dklen=KEY_BYTES,
    )


def check_staff_code(code: str) -> str:
    """The code as it will be hashed, or StaffCodeError saying why it is refused."""
    if len(code) < MIN_CODE_LENGTH:
        raise StaffCodeError(
            f"Le code du personnel doit compter au moins {MIN_CODE_LENGTH} caractères."
        )
    if code != code.strip():
        raise StaffCodeError("Le code du personnel ne peut pas commencer ni finir par un espace.")
    return code


def hash_staff_code(code: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$SALT$HASH` for the config file; a fresh random salt unless one is given."""
    check_staff_code(code)
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = _derive(code, salt, DEFAULT_N, DEFAULT_R, DEFAULT_P)
    return "$".join(
        (SCHEME, str(DEFAULT_N), str(DEFAULT_R), str(DEFAULT_P), _b64encode(salt), _b64encode(key))
    )


def parse_staff_code_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(N, r, p, salt, key) of a stored hash, or None when it is not one this module made."""
    parts = stored.strip().split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt, key = _b64decode(parts[4]), _b64decode(parts[5])
    except ValueError:
        return None
    power_of_two = n > 1 and n & (n - 1) == 0
    if not (power_of_two and n <= _MAX_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        return None
    if len(salt) < 8 or len(key) < 16:
        return None
    return n, r, p, salt, key


def verify_staff_code(code: str, stored: str | None) -> bool:
    """Whether `code` matches the stored hash; False for a missing or malformed hash."""
    if not stored:
        return False
    parsed = parse_staff_code_hash(stored)
    if parsed is None:
        return False
    n, r, p, salt, key = parsed
    candidate = hashlib.scrypt(
        code.encode("utf-8"), salt=salt, n=n, r=r, p=p,
        maxmem=130 * n * r * p + 1024 * 1024, dklen=len(key),
    )
    return hmac.compare_digest(candidate, key)


def ignore_job_control(*, keyboard_interrupt: bool) -> None:
    """A desk's terminal: no signal from the keyboard stops the program (ctrl+z, ctrl+\\),
    nor, with `keyboard_interrupt`, ends it (ctrl+c: the TUI's raw mode already turns it into
    a key, this covers TEXTUAL_ALLOW_SIGNALS; the screen-reader face handles it at each prompt,
    where it ends the family's session, not the program). Both kiosks call this."""
    import contextlib
    import signal

    names = ("SIGINT", "SIGQUIT", "SIGTSTP") if keyboard_interrupt else ("SIGQUIT", "SIGTSTP")
    for name in names:
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread
                signal.signal(number, signal.SIG_IGN)
