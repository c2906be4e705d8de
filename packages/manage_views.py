"""Owners' management pages for their projects."""

from django.http import Http404


def projects(request):
    raise Http404


def releases(request, name):
    raise Http404


def history(request, name):
    raise Http404
