"""Languages: every visible template string marked, German and Spanish catalogues
complete and compiled, the browser's language or the footer's switcher decides,
and what machines read never varies by language."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tests.i18n_scan import unmarked_mail_strings, unmarked_strings

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
    compiled = {(entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))) for entry in mo}
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
