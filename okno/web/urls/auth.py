from django.urls import path

from okno.web.views import auth

urlpatterns = [
    path("login/", auth.login_view, name="login"),
    path("login/2fa/", auth.login_2fa_view, name="login_2fa"),
    path("logout/", auth.logout_view, name="logout"),
    path("profile/", auth.profile_view, name="profile"),
    path("profile/2fa/enable/", auth.totp_enable_view, name="profile_2fa_enable"),
    path("profile/2fa/disable/", auth.totp_disable_view, name="profile_2fa_disable"),
]
