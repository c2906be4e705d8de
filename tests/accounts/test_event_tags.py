"""Each app owns its event tags; the history refuses an undeclared one and words every declared one in every language."""

import pytest
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.event_tags import declare_tags, declared_tags, tag_label
from accounts.events import record_event
from accounts.models import SecurityEvent


@pytest.mark.django_db
def test_an_undeclared_tag_is_refused_and_nothing_is_stored(user):
    with pytest.raises(ValueError, match="not declared"):
        record_event(tag="project:made-up", user=user)
    assert not SecurityEvent.objects.filter(tag="project:made-up").exists()


def test_each_app_declares_the_tags_it_records():
    from mfa.events import EventTag as MfaTags
    from organizations.events import EventTag as OrganizationTags
    from packages.events import EventTag as PackageTags
    from tokens.events import EventTag as TokenTags

    from accounts.event_tags import EventTag as AccountTags

    declared = {tag for tag, _ in declared_tags()}
    for tags in (AccountTags, MfaTags, OrganizationTags, TokenTags, PackageTags):
        assert set(tags.values) <= declared


def test_a_tag_cannot_be_declared_by_two_apps():
    class Stray(models.TextChoices):
        LOGIN = "account:login:success", gettext_lazy("Logged in")

    with pytest.raises(ValueError, match="declared twice"):
        declare_tags(Stray)


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES if code != "en"])
def test_every_declared_tag_has_words_in_every_language(language):
    english = {tag: str(tag_label(tag)) for tag, _ in declared_tags()}
    with translation.override(language):
        untranslated = [tag for tag, words in english.items() if str(tag_label(tag)) in ("", tag, words)]
    assert not untranslated, untranslated
    assert all(words and words != tag for tag, words in english.items())
