"""The bell in the top bar, the list page, preferences and the per-user socket."""

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing.websocket import WebsocketCommunicator

from okno.core.routing import websocket_urlpatterns
from okno.notifications.models import Kind, Notification, NotificationPreference
from okno.notifications.services import notify, unread_count


@pytest.mark.django_db
def test_the_bell_shows_the_unread_count_and_the_list_marks_read(client, world):
    for _ in range(2):
        notify(world.agent_a, kind=Kind.ASSIGNED_TO_ME, ticket=world.ticket_a)
    client.force_login(world.agent_a)
    page = client.get("/notifications/").content.decode()
    assert "data-notifications-count>2</span>" in page
    assert "notifications/bell.js" in page and "is assigned to you" in page
    first = Notification.objects.filter(user=world.agent_a).first()
    answer = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert answer.status_code == 302 and answer.url.endswith(f"/{world.ticket_a.number}/")
    assert Notification.objects.filter(user=world.agent_a, read_at__isnull=True).count() == 1
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=world.agent_a, read_at__isnull=True).exists()
    assert (
        "data-notifications-count hidden>0</span>" in client.get("/notifications/").content.decode()
    )


@pytest.mark.django_db
def test_nobody_reads_or_marks_anothers_notifications(client, world):
    theirs = notify(world.agent_b, kind=Kind.ASSIGNED_TO_ME, ticket=world.ticket_b)
    client.force_login(world.agent_a)
    client.post(f"/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Invoice is wrong" not in client.get("/notifications/").content.decode()
    assert client.get("/profile/notifications/").status_code == 200


@pytest.mark.django_db
def test_preferences_page_saves_each_kind(client, world):
    client.force_login(world.agent_a)
    answer = client.post(
        "/profile/notifications/", {"assigned_to_me_in_app": "on", "mention_in_note_email": "on"}
    )
    assert answer.status_code == 302
    saved = {
        p.kind: (p.in_app, p.email)
        for p in NotificationPreference.objects.filter(user=world.agent_a)
    }
    assert saved[Kind.ASSIGNED_TO_ME] == (True, False)
    assert saved[Kind.MENTION] == (False, True)
    assert saved[Kind.NEW_IN_MY_GROUP] == (False, False)


@pytest.mark.django_db
def test_the_api_lists_and_marks_read(client, world):
    from okno.accounts.models import ApiToken

    _token, key = ApiToken.issue(user=world.agent_a)
    notify(world.agent_a, kind=Kind.ASSIGNED_TO_ME, ticket=world.ticket_a)
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    items = client.get("/api/v1/notifications?unread=true", **headers).json()
    assert [i["kind"] for i in items] == ["assigned_to_me"]
    assert client.post("/api/v1/notifications/read-all", **headers).json() == {"count": 1}
    prefs = client.get("/api/v1/notifications/preferences", **headers).json()
    assert {p["kind"] for p in prefs} >= {"assigned_to_me", "sla_breach"}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_notification_is_pushed_to_its_persons_socket_only():
    from okno.tests.personas import build_world

    world = await sync_to_async(build_world)()
    app = URLRouter(websocket_urlpatterns)
    anna = WebsocketCommunicator(app, "/ws/notifications/")
    anna.scope["user"] = world.agent_a
    boris = WebsocketCommunicator(app, "/ws/notifications/")
    boris.scope["user"] = world.agent_b
    assert (await anna.connect())[0] and (await boris.connect())[0]
    await sync_to_async(notify)(world.agent_a, kind=Kind.ASSIGNED_TO_ME, ticket=world.ticket_a)
    pushed = await anna.receive_json_from(timeout=3)
    unread = await sync_to_async(unread_count)(world.agent_a)
    assert pushed["type"] == "notification" and pushed["unread"] == unread >= 1
    assert "is assigned to you" in pushed["text"]
    assert await boris.receive_nothing(timeout=0.3)
    await anna.disconnect()
    await boris.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_sockets_are_refused():
    from django.contrib.auth.models import AnonymousUser

    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    comm.scope["user"] = AnonymousUser()
    assert not (await comm.connect())[0]
