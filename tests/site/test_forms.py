"""Every form: one error summary at the top, field errors beside their field and
linked to it by aria-describedby, "Error:" at the start of the page's title."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_a_failed_login_shows_one_summary_and_no_repeated_error(client, user):
    page = client.post("/account/login/", {"username": user.username, "password": "wrong"}).content.decode()
    assert page.count('class="error-summary"') == 1
    assert re.search(r"<title>Error: Log in", page)
    message = "The username or email and password you entered do not match an account."
    assert page.count(message) == 1  # in the summary only, not again inside the form


def test_field_errors_are_linked_to_their_input(client):
    page = client.post("/account/register/", {"username": "", "email": "not-an-email", "password1": "x"}).content.decode()
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert 'href="#id_email"' in summary
    email_input = re.search(r'<input[^>]*id="id_email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email_input
    described = re.search(r'aria-describedby="([^"]+)"', email_input).group(1).split()
    assert "id_email_error" in described
    assert 'id="id_email_error"' in page


def test_a_page_without_errors_has_a_plain_title(client):
    page = client.get("/account/login/").content.decode()
    assert "error-summary" not in page and "<title>Log in" in page
