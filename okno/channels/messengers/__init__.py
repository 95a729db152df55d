"""Messenger channels: one adapter per provider over one shared pipeline.

    views.py          POST /hooks/<kind>/<key>/: signature first, then store, then queue
    inbound.py        stored envelope -> parsed message -> contact, conversation, ticket
    outbound.py       agent reply -> Delivery through the conversation's connector
    http.py           the HTTP client adapters call providers with (errors -> DeliveryError)
    telegram.py, whatsapp.py, viber.py, vk.py, custom.py, chat.py, phone.py: adapters

An adapter is a module-level object registered with `register`; it implements what
its provider needs of `Adapter` (see types.py). Adapters only translate: they never
write to the database themselves.
"""

from okno.channels.messengers.types import (  # noqa: F401
    Adapter,
    InboundMedia,
    InboundMessage,
    Rejected,
    adapter_for,
    register,
)
