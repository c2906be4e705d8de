"""The security history as people read it: words, devices, minutes, pages."""

from datetime import datetime, timedelta, timezone

import pytest

from accounts.events import EventTag, record_event
from accounts.history import details_in_words, device_description

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def test_devices_are_named_as_people_know_them():
    assert device_description(FIREFOX) == "Firefox on Linux"
    assert device_description("twine/7.0.0 CPython/3.12.1 Linux/6.1") == "twine 7.0"
    assert device_description("uv/0.13.8") == "uv 0.13"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    assert device_description(iphone) == "Mobile Safari on iOS"
    assert device_description("") == ""


def test_details_are_words_not_python_reprs():
    words = dict(details_in_words({"scope": ["demo", "other"], "replaced": False, "project_name": "demo", "expires": None}))
    assert words == {"Scope": "demo, other", "Replaced": "no", "Project name": "demo", "Expires": "none"}


@pytest.mark.django_db
def test_account_history_reads_like_sentences_with_minutes_and_pages(logged_in_client, user):
    event = record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, user=user, details={"email": "a@example.com", "primary": False})
    event.user_agent = FIREFOX
    when = (datetime.now(timezone.utc) - timedelta(days=3)).replace(second=7, microsecond=891011)
    event.time = when
    event.save()
    page = logged_in_client.get("/manage/account/").content.decode()
    assert "Email address added" in page and "account:email:add" not in page
    assert "Firefox on Linux" in page and FIREFOX not in page
    assert f"{when:%Y-%m-%d %H:%M} UTC" in page and f"{when:%H:%M:%S}" not in page
    assert "<dt>Primary</dt><dd>no</dd>" in page and "False" not in page

    for n in range(30):
        record_event(tag=EventTag.ACCOUNT_EMAIL_ADD, user=user, details={"email": f"many{n}@example.com"})
    first = logged_in_client.get("/manage/account/").content.decode()
    assert "Page 1 of 2" in first and "many29@example.com" in first and "a@example.com" not in first
    second = logged_in_client.get("/manage/account/?page=2").content.decode()
    assert "a@example.com" in second
