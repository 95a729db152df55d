from django.urls import path

from okno.portal.views import language, login, request, tickets

app_name = "portal"
urlpatterns = [
    path("", request.home, name="home"),
    path("thanks/", request.thanks, name="thanks"),
    path("login/", login.login, name="login"),
    path("login/sent/", login.login_sent, name="login_sent"),
    path("login/<str:token>/", login.magic, name="magic"),
    path("logout/", login.logout, name="logout"),
    path("language/", language.set_language, name="language"),
    path("tickets/", tickets.ticket_list, name="tickets"),
    path("tickets/<int:number>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:number>/reply/", tickets.ticket_reply_view, name="reply"),
    path("tickets/<int:number>/solve/", tickets.ticket_solve, name="solve"),
    path("attachments/<int:pk>/", tickets.attachment, name="attachment"),
]
