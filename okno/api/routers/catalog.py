"""Shared helpers of the settings resources (groups, statuses, categories, tags,
custom fields): every staff member reads them, administrators change them."""

from django.http import Http404


def get_or_404(model, pk: int, queryset=None):
    row = (queryset if queryset is not None else model.objects).filter(pk=pk).first()
    if row is None:
        raise Http404(f"no such {model._meta.model_name}")
    return row
