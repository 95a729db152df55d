"""Staff account use cases: logging in (throttled, with TOTP), profile, two-factor.

The views only parse forms and call these; every rule about passwords, codes and
attempts lives here so the API or a CLI can reuse it.
"""

import hashlib
import math
import time
import zoneinfo
from functools import lru_cache
from io import BytesIO

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from okno.accounts.models import User
from okno.core.errors import ServiceError, ValidationFailed

TOTP_ISSUER = "Okno"


class LoginThrottled(ServiceError):
    """Too many failed attempts from this address for this email; try later."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- throttling -----------------------------------------------------------------


def client_ip(request) -> str:
    # REMOTE_ADDR only: behind a proxy, the ASGI server (uvicorn --proxy-headers)
    # is what rewrites it from a trusted X-Forwarded-For. Reading the header here
    # would let anyone pick a fresh "address" for every guess.
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _attempts_key(ip: str, email: str) -> str:
    digest = hashlib.sha256(f"{ip}|{email.strip().lower()}".encode()).hexdigest()
    return f"login-failures:{digest}"


def _recent_failures(key: str, now: float) -> list[float]:
    window = settings.LOGIN_ATTEMPTS_WINDOW
    return [t for t in cache.get(key) or [] if now - t < window]


def login_throttle_wait(*, ip: str, email: str) -> int:
    """Seconds until this ip+email may try again (0: it may try now)."""
    now = time.time()
    failures = _recent_failures(_attempts_key(ip, email), now)
    if len(failures) < settings.LOGIN_ATTEMPTS_LIMIT:
        return 0
    # The oldest failure still in the window is the one whose expiry frees a slot.
    oldest = sorted(failures)[-settings.LOGIN_ATTEMPTS_LIMIT]
    return max(1, math.ceil(oldest + settings.LOGIN_ATTEMPTS_WINDOW - now))


def login_record_failure(*, ip: str, email: str) -> None:
    key = _attempts_key(ip, email)
    now = time.time()
    failures = _recent_failures(key, now)
    failures.append(now)
    cache.set(key, failures[-100:], settings.LOGIN_ATTEMPTS_WINDOW)


def login_clear_failures(*, ip: str, email: str) -> None:
    cache.delete(_attempts_key(ip, email))


def throttled_error(wait_seconds: int) -> LoginThrottled:
    minutes = max(1, math.ceil(wait_seconds / 60))
    message = ngettext(
        "Too many attempts. Try again in %(n)d minute.",
        "Too many attempts. Try again in %(n)d minutes.",
        minutes,
    ) % {"n": minutes}
    return LoginThrottled(message, retry_after=wait_seconds)


def _check_throttle(ip: str, email: str) -> None:
    wait = login_throttle_wait(ip=ip, email=email)
    if wait:
        raise throttled_error(wait)


def login_authenticate(*, request, email: str, password: str) -> User:
    """Check email + password unless this ip+email is throttled.

    When throttled the password is not even checked, so a right guess during the
    lockout tells nothing. Raises `LoginThrottled` or `ValidationFailed`.
    """
    ip = client_ip(request)
    email = (email or "").strip().lower()
    _check_throttle(ip, email)
    user = authenticate(request, email=email, password=password)
    if user is None:
        login_record_failure(ip=ip, email=email)
        _check_throttle(ip, email)  # the failure that reached the limit says so at once
        raise ValidationFailed(_("Wrong email or password."))
    login_clear_failures(ip=ip, email=email)
    return user


# --- TOTP two-factor ---------------------------------------------------------------


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def totp_qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG (a path, no scripts, no style attributes)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Drop the XML declaration: the SVG goes inside an HTML document.
    return svg[svg.index("<svg") :]


def _used_key(user_id: int) -> str:
    return f"totp-used:{user_id}"


def _totp_matches(user_id: int, secret: str, code: str) -> bool:
    """Is `code` valid now (±1 step for clock drift) and not used before?

    The last accepted time step is remembered, so a code seen over someone's
    shoulder cannot be replayed within its 30 seconds.
    """
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(secret)
    now = time.time()
    last_used = cache.get(_used_key(user_id), -1)
    for drift in (-1, 0, 1):
        counter = totp.timecode(now) + drift
        if counter > last_used and pyotp.utils.strings_equal(totp.generate_otp(counter), code):
            cache.set(_used_key(user_id), counter, 5 * 60)
            return True
    return False


def totp_verify_login(*, request, user: User, code: str) -> None:
    """Second step of logging in; shares the throttle with the password step."""
    ip = client_ip(request)
    _check_throttle(ip, user.email)
    if not user.has_2fa or not _totp_matches(user.pk, user.totp_secret, code):
        login_record_failure(ip=ip, email=user.email)
        _check_throttle(ip, user.email)
        raise ValidationFailed(_("The code is not valid."), field="code")
    login_clear_failures(ip=ip, email=user.email)


def totp_enable(*, user: User, secret: str, code: str) -> User:
    """Turn on two-factor with a secret the user has just scanned, proven by a code."""
    if user.has_2fa:
        raise ValidationFailed(_("Two-factor authentication is already on."))
    if not secret or not _totp_matches(user.pk, secret, code):
        raise ValidationFailed(_("The code is not valid."), field="code")
    user.totp_secret = secret
    user.save(update_fields=["totp_secret"])
    return user


def totp_disable(*, user: User, code: str) -> User:
    """Turn off two-factor; a current code is required so a stolen session cannot."""
    if not user.has_2fa:
        raise ValidationFailed(_("Two-factor authentication is not on."))
    if not _totp_matches(user.pk, user.totp_secret, code):
        raise ValidationFailed(_("The code is not valid."), field="code")
    user.totp_secret = ""
    user.save(update_fields=["totp_secret"])
    return user


# --- profile -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def profile_update(*, user: User, language: str, timezone: str, signature: str) -> User:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationFailed(_("Choose a language from the list."), field="language")
    if timezone not in time_zone_names():
        raise ValidationFailed(_("Choose a time zone from the list."), field="timezone")
    user.language = language
    user.timezone = timezone
    user.signature = (signature or "").strip()[:5000]
    user.save(update_fields=["language", "timezone", "signature"])
    return user
