"""Settings › Tags: usage counts, rename, merge two tags, delete."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from okno.core.errors import ValidationFailed
from okno.tickets.models import Tag
from okno.tickets.services import settings as ticket_settings
from okno.web.forms.admin import TagMergeForm, TagRenameForm
from okno.web.views.admin_common import action, form_page, settings_view

TAGS_SHOWN = 200


@require_GET
@settings_view
def tag_list(request):
    query = " ".join(request.GET.get("q", "").split())[:60]
    tags = Tag.objects.annotate(usage=Count("tickets")).order_by("name")
    if query:
        tags = tags.filter(name__icontains=query.lower())
    rows = list(tags[: TAGS_SHOWN + 1])
    context = {"tags": rows[:TAGS_SHOWN], "more": len(rows) > TAGS_SHOWN, "q": query}
    return render(request, "web/admin/tags.html", context)


@require_http_methods(["GET", "POST"])
@settings_view
def tag_edit(request, pk: int):
    tag = get_object_or_404(Tag, pk=pk)
    form = TagRenameForm(request.POST or None, initial={"name": tag.name})
    return form_page(
        request,
        form,
        lambda: ticket_settings.tag_rename(
            actor=request.user, tag=tag, name=form.cleaned_data["name"]
        ),
        title=_("Tag %(name)s") % {"name": tag.name},
        back=reverse("web:settings_tags"),
        done=reverse("web:settings_tags"),
        template="web/admin/tag_form.html",
        tag=tag,
        merge_form=TagMergeForm(),
        delete_url=reverse("web:settings_tag_delete", args=[tag.pk]),
    )


@require_POST
@settings_view
def tag_merge(request, pk: int):
    source = get_object_or_404(Tag, pk=pk)
    form = TagMergeForm(request.POST)
    name = " ".join(request.POST.get("target", "").split()).lower()

    def call():
        target = Tag.objects.filter(name=name).first() if form.is_valid() else None
        if target is None:
            raise ValidationFailed(_("There is no tag named %(name)s.") % {"name": name})
        ticket_settings.tag_merge(actor=request.user, source=source, target=target)

    response = action(request, call, done=reverse("web:settings_tags"), success=_("Tags merged."))
    if Tag.objects.filter(pk=source.pk).exists():  # refused: stay on the tag's page
        return redirect("web:settings_tag", pk=source.pk)
    return response


@require_POST
@settings_view
def tag_delete(request, pk: int):
    tag = get_object_or_404(Tag, pk=pk)
    return action(
        request,
        lambda: ticket_settings.tag_delete(actor=request.user, tag=tag),
        done=reverse("web:settings_tags"),
        success=_("Tag deleted."),
    )
