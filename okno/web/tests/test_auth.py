"""Logging in, throttling, TOTP two-factor, logout and the profile page."""

import time

import pyotp
from django.urls import reverse

from okno.accounts.models import User
from okno.tests.personas import PASSWORD

LOGIN = "/login/"


def post_login(client, email, password, **extra):
    return client.post(LOGIN, {"email": email, "password": password, **extra})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code_at(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset)


def test_urls_are_the_documented_ones():
    assert reverse("web:login") == "/login/"
    assert reverse("web:logout") == "/logout/"
    assert reverse("web:login_2fa") == "/login/2fa/"
    assert reverse("web:profile") == "/profile/"


def test_login_with_the_right_password_goes_to_the_inbox(client, world):
    response = post_login(client, "ANNA@okno.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:inbox")
    assert int(client.session["_auth_user_id"]) == world.agent_a.pk


def test_login_honours_a_local_next_but_not_another_site(client, world):
    response = post_login(client, world.agent_a.email, PASSWORD, next="/profile/")
    assert response["Location"] == "/profile/"
    client.logout()
    response = post_login(client, world.agent_a.email, PASSWORD, next="https://evil.test/")
    assert response["Location"] == reverse("web:inbox")


def test_wrong_password_is_refused(client, world):
    response = post_login(client, world.agent_a.email, "wrong password")
    assert response.status_code == 200
    assert "Wrong email or password" in response.content.decode()
    assert not is_logged_in(client)


def test_inactive_user_cannot_log_in(client, world):
    User.objects.filter(pk=world.agent_a.pk).update(is_active=False)
    post_login(client, world.agent_a.email, PASSWORD)
    assert not is_logged_in(client)


def test_throttled_after_the_limit_even_with_the_right_password(client, world, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    for _ in range(2):
        assert post_login(client, world.agent_a.email, "nope").status_code == 200
    third = post_login(client, world.agent_a.email, "nope")
    assert third.status_code == 429
    assert "Too many attempts" in third.content.decode()

    response = post_login(client, world.agent_a.email, PASSWORD)
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.content.decode()
    assert not is_logged_in(client)

    # Another address, or another account from this address, is not locked out.
    other_ip = client.post(
        LOGIN, {"email": world.agent_a.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert other_ip.status_code == 302
    client.logout()
    assert post_login(client, world.agent_b.email, PASSWORD).status_code == 302


def test_throttle_expires_after_the_window(client, world, settings, time_machine):
    time_machine.move_to(1_800_000_000, tick=False)
    settings.LOGIN_ATTEMPTS_LIMIT = 2
    post_login(client, world.agent_a.email, "nope")
    post_login(client, world.agent_a.email, "nope")
    assert post_login(client, world.agent_a.email, PASSWORD).status_code == 429
    time_machine.shift(settings.LOGIN_ATTEMPTS_WINDOW + 1)
    assert post_login(client, world.agent_a.email, PASSWORD).status_code == 302


def test_success_clears_earlier_failures(client, world, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    post_login(client, world.agent_a.email, "nope")
    post_login(client, world.agent_a.email, "nope")
    assert post_login(client, world.agent_a.email, PASSWORD).status_code == 302
    client.logout()
    post_login(client, world.agent_a.email, "nope")
    post_login(client, world.agent_a.email, "nope")
    assert post_login(client, world.agent_a.email, PASSWORD).status_code == 302


def test_logout_needs_post(client, world):
    client.force_login(world.agent_a)
    assert client.get("/logout/").status_code == 405
    assert is_logged_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_pages_need_login(client, world):
    for url in ("/", "/tickets/", "/profile/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_two_factor_end_to_end(client, world, time_machine):
    time_machine.move_to(1_800_000_000, tick=False)
    client.force_login(world.agent_a)

    # 1. The profile page offers a fresh secret with its otpauth URI and QR code.
    page = client.get("/profile/")
    secret = client.session["okno_totp_setup"]
    html = page.content.decode()
    assert secret in html
    assert "otpauth://totp/" in html
    assert "<svg" in html and "<?xml" not in html

    # 2. A wrong code does not turn it on; the right one does.
    assert client.post("/profile/2fa/enable/", {"code": "000000"}).status_code == 400
    world.agent_a.refresh_from_db()
    assert not world.agent_a.has_2fa
    response = client.post("/profile/2fa/enable/", {"code": code_at(secret)})
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.totp_secret == secret
    client.post("/logout/")

    # 3. The password alone no longer logs in: the user waits for the code.
    time_machine.shift(60)
    response = post_login(client, world.agent_a.email, PASSWORD)
    assert response["Location"] == "/login/2fa/"
    assert not is_logged_in(client)
    assert client.get("/tickets/").status_code == 302

    # 4. A wrong code is refused; the right code logs in.
    response = client.post("/login/2fa/", {"code": "123456"})
    assert "not valid" in response.content.decode()
    assert not is_logged_in(client)
    code = code_at(secret)
    response = client.post("/login/2fa/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:inbox")
    assert int(client.session["_auth_user_id"]) == world.agent_a.pk
    assert "okno_2fa_user" not in client.session

    # 5. Turning it off needs a current code; a code already used is not accepted twice.
    assert client.post("/profile/2fa/disable/", {"code": code}).status_code == 400
    world.agent_a.refresh_from_db()
    assert world.agent_a.has_2fa
    time_machine.shift(60)
    response = client.post("/profile/2fa/disable/", {"code": code_at(secret)})
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert not world.agent_a.has_2fa


def test_two_factor_page_without_a_password_step_goes_back_to_login(client, world):
    response = client.get("/login/2fa/")
    assert response["Location"] == "/login/"


def test_two_factor_codes_are_throttled_too(client, world, settings):
    settings.LOGIN_ATTEMPTS_LIMIT = 3
    secret = pyotp.random_base32()
    User.objects.filter(pk=world.agent_a.pk).update(totp_secret=secret)
    post_login(client, world.agent_a.email, PASSWORD)
    for _ in range(3):
        client.post("/login/2fa/", {"code": "000000"})
    response = client.post("/login/2fa/", {"code": code_at(secret)})
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_profile_saves_language_time_zone_signature(client, world):
    client.force_login(world.agent_a)
    response = client.post(
        "/profile/", {"language": "uk", "timezone": "Europe/Kyiv", "signature": "Anna\nOkno"}
    )
    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert (world.agent_a.language, world.agent_a.timezone) == ("uk", "Europe/Kyiv")
    assert world.agent_a.signature == "Anna\nOkno"


def test_profile_refuses_unknown_time_zone_and_language(client, world):
    client.force_login(world.agent_a)
    response = client.post("/profile/", {"language": "xx", "timezone": "Mars/Base"})
    assert response.status_code == 400
    world.agent_a.refresh_from_db()
    assert (world.agent_a.language, world.agent_a.timezone) == ("en", "UTC")


def test_language_setting_switches_the_ui_language(client, world):
    User.objects.filter(pk=world.agent_a.pk).update(language="ru")
    client.force_login(world.agent_a)
    response = client.get("/profile/")
    assert response["Content-Language"] == "ru"
    assert '<html lang="ru">' in response.content.decode()


def test_login_page_has_no_inline_script_or_style(client, db):
    html = client.get(LOGIN).content.decode()
    assert "<script>" not in html and "style=" not in html and "onclick" not in html
