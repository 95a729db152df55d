"""`{% csat_portal_widget ticket %}`: the rating widget on the portal ticket page.

A tag rather than view context because the portal view belongs to another module;
it costs two small queries on solved tickets and none on the others.
"""

from django import template

from okno.portal.auth import current_contact
from okno.reports import csat as svc
from okno.reports.models_csat import CsatRating

register = template.Library()


@register.inclusion_tag("reports/csat/_portal_widget.html", takes_context=True)
def csat_portal_widget(context, ticket):
    if ticket.state not in svc.RATEABLE:
        return {}
    contact = current_contact(context["request"])
    if contact is None or contact.pk != ticket.contact_id:
        return {}  # only the requester rates; an organization colleague just reads
    config = svc.csat_settings()
    if not config.enabled:
        return {}
    rating = CsatRating.objects.filter(ticket=ticket).first()
    if not svc.rating_open(rating):
        return {}
    labels = dict(svc.scores(rating.scale if rating else config.scale))
    return {
        "csat_links": svc.rating_links(ticket, config.scale, absolute=False),
        "csat_rating": rating,
        "csat_label": labels.get(rating.score, "") if rating else "",
    }
