"""Languages: every visible template string marked, German and Spanish catalogues
complete and compiled, the browser's language or the footer's switcher decides,
and what machines read never varies by language."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from django.core.cache import cache

from tests.i18n_scan import (
    MACHINE_MODULES,
    split_sentences,
    unmarked_mail_strings,
    unmarked_python_messages,
    unmarked_strings,
)

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture(autouse=True)
def language_reset():
    """A request in German or Spanish leaves that language active in the thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


LOCALES = Path(settings.BASE_DIR) / "locale"


def test_every_visible_template_string_is_marked_for_translation():
    unmarked = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        found = unmarked_strings(path.read_text())
        if found:
            unmarked[str(path.relative_to(TEMPLATES))] = found
    assert not unmarked, f"Mark these with {{% translate %}} or {{% blocktranslate %}}: {unmarked}"


def test_every_mail_is_marked_for_translation():
    unmarked = {}
    for path in sorted(TEMPLATES.rglob("mail/*.txt")):
        found = unmarked_mail_strings(path.read_text())
        if found:
            unmarked[str(path.relative_to(TEMPLATES))] = found
    assert not unmarked, f"Mark these with {{% blocktranslate %}}: {unmarked}"


def test_translators_see_whole_sentences_and_real_plurals():
    split, pluralized = {}, []
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text()
        if split_sentences(source):
            split[str(path.relative_to(TEMPLATES))] = split_sentences(source)
        if "|pluralize" in source:
            pluralized.append(str(path.relative_to(TEMPLATES)))
    assert not split, f"One {{% blocktranslate %}} per sentence, markup inside: {split}"
    assert not pluralized, f"Use {{% blocktranslate count %}} (German and Spanish plurals): {pluralized}"


def test_the_split_sentence_scan_notices_pieces():
    source = '{% load i18n %}<label>{% translate "Type" %} <code>{{ v }}</code> {% translate "to confirm" %}</label>'
    assert split_sentences(source) == [(1, "Type"), (1, "to confirm")]
    assert (
        split_sentences('<p>{% translate "Install with pip:" %} <code>pip</code></p><td>{% translate "Name" %}</td>')
        == []
    )


def test_the_scan_notices_an_unmarked_string():
    assert unmarked_strings('{% load i18n %}<p>{% translate "Fine" %}</p><p>Not marked</p>') == [(1, "Not marked")]
    assert unmarked_strings('<button aria-label="Close">×</button>') == [(1, "Close")]
    assert unmarked_strings("<pre><code>pip install x</code></pre>{# a comment #}") == []
    assert unmarked_mail_strings("Hello {{ user }},\n{% translate 'Fine' %}") == [(1, "Hello")]


@pytest.mark.parametrize("language", ["de", "es"])
def test_catalogues_are_complete_and_compiled(language):
    po = polib.pofile(str(LOCALES / language / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert not missing, f"{language}: {len(missing)} strings without a translation, e.g. {missing[:5]}"
    assert not [entry.msgid for entry in po.fuzzy_entries()], f"{language}: fuzzy entries"
    mo = polib.mofile(str(LOCALES / language / "LC_MESSAGES" / "django.mo"))
    compiled = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))) for entry in mo
    }
    for entry in po.translated_entries():
        key = (entry.msgctxt, entry.msgid)
        assert compiled.get(key) == (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))), (
            f"{language}: django.mo is older than django.po ({entry.msgid!r}); run `make messages`"
        )


@pytest.mark.django_db
def test_a_german_browser_gets_german_pages(client):
    page = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    text = page.content.decode()
    assert '<html lang="de">' in text
    assert "Anmelden" in text and "Passwort" in text
    assert page["Content-Language"] == "de"


@pytest.mark.django_db
def test_the_footer_switcher_works_without_javascript(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/account/login/"})
    assert response.status_code == 302 and response["Location"] == "/account/login/"
    page = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="es">' in page and "Iniciar sesión" in page
    assert '<option value="es" lang="es" selected>' in page


@pytest.mark.django_db
def test_machine_endpoints_do_not_vary_by_language(client):
    for path in ("/simple/", "/pypi/nothing/json"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")
        assert "Content-Language" not in response
        assert "Accept-Language" not in response.get("Vary", ""), path


APPS = ("accounts", "mfa", "tokens", "organizations", "packages", "indexsite")
GERMAN = "de-DE,de;q=0.9,en;q=0.5"


def test_every_python_message_people_read_is_marked_for_translation():
    unmarked = {}
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            name = str(path.relative_to(root))
            if "/migrations/" in name or name.startswith(MACHINE_MODULES):
                continue
            found = unmarked_python_messages(path.read_text())
            if found:
                unmarked[name] = found
    assert not unmarked, f"Mark these with gettext (placeholders, not f-strings): {unmarked}"


def test_the_python_scan_notices_an_unmarked_message():
    source = """
def view(request, name):
    messages.success(request, f"Team {name} created.")
    messages.error(request, gettext("Fine"))
    form.add_error("email", "Not marked")
    notify_on_commit(user=user, subject="Also not marked", what=gettext("Fine"))
    raise InvalidAction(gettext("%(name)s is fine.") % {"name": name})
    raise ValueError("internal, never shown")
"""
    assert sorted(unmarked_python_messages(source)) == [
        (3, "Team  created."),
        (5, "Not marked"),
        (6, "Also not marked"),
    ]


@pytest.fixture
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_german_browser_reads_the_rate_limit_in_german(client, settings, fresh_cache):
    settings.REGISTRATION_RATE_LIMIT = 1

    def register(n):
        return client.post(
            "/account/register/",
            {
                "username": f"neu{n}",
                "name": "Neu",
                "email": f"neu{n}@example.com",
                "password1": "a long and unusual passphrase 42",
                "password2": "a long and unusual passphrase 42",
            },
            HTTP_ACCEPT_LANGUAGE=GERMAN,
        )

    assert register(1).status_code == 302
    client.post("/account/logout/")
    response = register(2)
    assert response.status_code == 429
    assert re.search(r"Zu viele Versuche\. Versuche es in \d+ Minuten? erneut\.", response.content.decode())


@pytest.mark.django_db
def test_a_german_browser_reads_service_errors_in_german(logged_in_client, user):
    primary = user.emails.get(primary=True)
    response = logged_in_client.post(
        f"/manage/account/email/{primary.pk}/remove/", HTTP_ACCEPT_LANGUAGE=GERMAN, follow=True
    )
    text = response.content.decode()
    assert "Die primäre E-Mail-Adresse kann nicht entfernt werden." in text
    assert primary.email in text  # nothing was removed


@pytest.mark.django_db
def test_a_german_browser_gets_german_mail(logged_in_client, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in_client.post(
            "/manage/account/", {"add-email": "zweite@example.com"}, HTTP_ACCEPT_LANGUAGE=GERMAN
        )
    assert response.status_code == 302
    notice = next(m for m in mailoutbox if "hinzugefügt" in m.subject)
    assert notice.subject.endswith("E-Mail-Adresse hinzugefügt")
    assert "Die E-Mail-Adresse zweite@example.com wurde deinem Konto hinzugefügt." in notice.body


@pytest.mark.django_db
def test_machines_read_english_after_a_german_page_on_the_same_thread(client, fresh_cache):
    assert "Anmelden" in client.get("/account/login/", HTTP_ACCEPT_LANGUAGE=GERMAN).content.decode()
    for _ in range(60):
        client.post("/_/secrets/disclose-token", b"[]", content_type="application/json", HTTP_ACCEPT_LANGUAGE=GERMAN)
    response = client.post(
        "/_/secrets/disclose-token", b"[]", content_type="application/json", HTTP_ACCEPT_LANGUAGE=GERMAN
    )
    assert response.status_code == 429
    assert response.content.decode().startswith("Too many attempts. Try again in 1 minute.")
