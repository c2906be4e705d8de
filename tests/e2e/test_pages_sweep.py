"""Every page of the site in a real Chromium at 1280 px and 390 px: axe-core finds no
violation, nothing scrolls sideways, every table cell that becomes a card on a phone
names its column, and every page but the admin weighs under 100 KB with its CSS and JS.
Error pages (403, 403 CSRF, 404, 429, 500), invitations, re-authentication, TOTP and
recovery codes are swept too.

One test visits every page in one browser (the sweep is what costs; pages are
cheap). With SCREENSHOT_DIR set (`make screenshots`) it also saves a full-page
screenshot of each page at both widths.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission

from packages.models import Release
from packages.upload.description import render_description
from accounts.models import Email
from organizations.services import members as organization_members
from packages.collaboration import services as collaboration
from tests.accounts.factories import PASSWORD, UserFactory
from tests.mfa.factories import TOTPDeviceFactory, known_device_in_browser, totp_code
from tests.organizations.factories import make_organization, make_team
from tests.packages.factories import FileFactory, ProjectFactory, ProjectRoleFactory, ReleaseFactory
from tokens.services import token_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 390}
PAGE_BUDGET = 100 * 1024

README = """# Demo project

A package to show what a README may hold.

## Features

- [x] headings, lists and **emphasis**
- [ ] tables

### Installing

```bash
pip install demo-pkg
```

| Python | Supported |
|--------|-----------|
| 3.12   | yes       |
| 3.13   | yes       |

#### Links

See [the documentation](https://example.org/docs).
"""


def _site_data():
    owner = UserFactory(username="olivia", name="Olivia Owner", is_staff=True, is_superuser=True)
    device = TOTPDeviceFactory(user=owner)
    project = ProjectFactory(name="demo-pkg")
    ProjectRoleFactory(project=project, user=owner)
    classifiers = ["License :: OSI Approved :: MIT License", "Programming Language :: Python :: 3"]
    old = ReleaseFactory(project=project, version="1.0", yanked=True, yanked_reason="broken metadata")
    latest = ReleaseFactory(
        project=project,
        version="2.0",
        description=README,
        description_content_type="text/markdown",
        description_html=render_description(README, "text/markdown"),
        requires_python=">=3.10",
        metadata={
            "name": "demo-pkg",
            "version": "2.0",
            "summary": "A small test package",
            "license_expression": "MIT",
            "author": "Olivia Owner",
            "classifiers": classifiers,
            "project_urls": {"Source": "https://example.org/src", "Documentation": "https://example.org/docs"},
        },
    )
    ReleaseFactory(project=project, version="2.1b1")
    FileFactory(release=old)
    FileFactory(release=latest)
    FileFactory(release=latest, filename="demo_pkg-2.0.tar.gz", packagetype="sdist", python_version="source")
    organization = make_organization(owner, name="acme", display_name="Acme Research")
    team = make_team(organization, owner, name="core", members=[owner])
    make_team(organization, owner, name="empty")
    Email.objects.create(user=owner, email="second@example.org", verified=False)
    token_create(user=owner, name="ci", projects=None)
    return owner, device, project, latest, organization, team


def _invitations_for(invitee):
    """Signed links of a project invitation and an organisation invitation sent to `invitee`."""
    inviter = UserFactory(username="ines", name="Ines Inviter")
    other = ProjectFactory(name="other-pkg")
    ProjectRoleFactory(project=other, user=inviter)
    to_project = collaboration.invitation_create(actor=inviter, project=other, invitee=invitee, role="Maintainer")
    guild = make_organization(inviter, name="guild", display_name="The Guild")
    to_guild = organization_members.invitation_create(actor=inviter, organization=guild, invitee=invitee, role="Member")
    return collaboration.invitation_link(to_project), organization_members.invitation_link(to_guild)


def _log_in(page, site_url, user, device):
    known_device_in_browser(page, site_url, user)  # a browser the account has used: no new-device link
    page.goto(f"{site_url}/account/login/")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Verify code").click()
    page.wait_for_url(lambda url: "/two-factor/" not in url)


def _weight(page):
    """Bytes of the document and of every stylesheet and script it loaded."""
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const parts = performance.getEntriesByType("resource")
                .filter(r => r.initiatorType === "link" || r.initiatorType === "script");
            const size = r => r.decodedBodySize || r.transferSize || 0;
            return size(nav) + parts.reduce((sum, r) => sum + size(r), 0);
        }"""
    )


def _check(page, axe, url, name, *, admin=False, shots=None):
    problems = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        # Only the deliberate failure may answer 500 (and it must).
        assert response is not None and (response.status >= 500) == (name == "error-500"), (
            url,
            response and response.status,
        )
        results = axe.run(page)
        assert results.response["passes"], f"axe checked nothing on {url}"
        for violation in results.response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{name} @{width}: {violation['id']} ({violation['help']}) {targets}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0 and not admin:
            problems.append(f"{name} @{width}: scrolls sideways by {overflow} px")
        if not admin and label == "phone":
            problems += [f"{name} @{width}: {cell}" for cell in page.evaluate(UNLABELLED_CELLS)]
        if not admin and label == "desktop":
            weight = _weight(page)
            if weight >= PAGE_BUDGET:
                problems.append(f"{name}: weighs {weight} bytes with its CSS and JS (budget {PAGE_BUDGET})")
        if shots is not None:
            page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    return problems


def test_every_page_passes_axe_fits_a_phone_and_stays_light(browser, site_url, media_root, settings):
    settings.ROOT_URLCONF = "tests.e2e.error_urls"
    owner, device, project, latest, organization, team = _site_data()
    project_invitation, organization_invitation = _invitations_for(owner)
    shots = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []

    public = {
        "home": "/",
        "search": "/search/?q=demo",
        "project": "/project/demo-pkg/",
        "release-yanked": "/project/demo-pkg/1.0/",
        "user": "/user/olivia/",
        "organization": "/org/acme/",
        "login": "/account/login/",
        "register": "/account/register/",
        "reset-password": "/account/reset-password/",
        "new-device-confirm": "/account/new-device/confirm/",
        "not-found": "/project/no-such-project/",
        "error-403": "/_test/denied/",
        "error-500": "/_test/boom/",
    }
    for name, path in public.items():
        problems += _check(page, axe, site_url + path, name, shots=shots)

    # A failed login: the error summary and the field errors.
    page.goto(f"{site_url}/account/login/")
    page.get_by_label("Username or email").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    problems += [p for p in _check_current(page, axe, "login-error")]

    # A form whose CSRF token went missing: the 403 CSRF page.
    page.goto(f"{site_url}/account/login/")
    page.evaluate("() => document.querySelector('input[name=csrfmiddlewaretoken]').remove()")
    page.get_by_label("Username or email").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.locator("text=The form expired").count(), "not the CSRF page"
    problems += _check_current(page, axe, "error-403-csrf", shots=shots)

    _log_in(page, site_url, owner, device)
    signed_in = {
        "account": "/manage/account/",
        "password-change": "/manage/account/password/",
        "two-factor": "/manage/account/two-factor/",
        "webauthn-provision": "/manage/account/webauthn-provision/",
        "tokens": "/manage/account/token/",
        "publishing-account": "/manage/account/publishing/",
        "projects": "/manage/projects/",
        "manage-releases": "/manage/project/demo-pkg/releases/",
        "manage-collaboration": "/manage/project/demo-pkg/collaboration/",
        "manage-settings": "/manage/project/demo-pkg/settings/",
        "manage-publishing": "/manage/project/demo-pkg/publishing/",
        "manage-history": "/manage/project/demo-pkg/history/",
        "organizations": "/manage/organizations/",
        "organization-home": "/manage/organization/acme/",
        "organization-people": "/manage/organization/acme/people/",
        "organization-teams": "/manage/organization/acme/teams/",
        "organization-team": f"/manage/organization/acme/teams/{team.pk}/",
        "organization-settings": "/manage/organization/acme/settings/",
        "organization-history": "/manage/organization/acme/history/",
        "organization-tokens": "/manage/organization/acme/tokens/",
        "organization-team-empty": f"/manage/organization/acme/teams/{team.pk + 1}/",
        "totp-setup": "/manage/account/totp-provision/",
        "recovery-codes": "/manage/account/recovery-codes/",
        "token-revoke-confirm": f"/manage/account/token/{owner.api_tokens.get().identifier}/revoke/",
        "invitation-project": project_invitation.removeprefix(settings.SITE_URL),
        "invitation-organization": organization_invitation.removeprefix(settings.SITE_URL),
        "organization-projects": "/manage/organization/acme/projects/",
        "project-as-owner": "/project/demo-pkg/",
    }
    for name, path in signed_in.items():
        problems += _check(page, axe, site_url + path, name, shots=shots)

    # Recovery codes generated: the page that shows them once.
    page.goto(f"{site_url}/manage/account/recovery-codes/")
    page.get_by_role("button", name="Generate recovery codes").click()
    page.wait_for_load_state()
    problems += _check_current(page, axe, "recovery-codes-shown", shots=shots)

    # A sign-in too old for a sensitive page: the re-authentication prompt.
    fresh_for, settings.REAUTH_MAX_AGE = settings.REAUTH_MAX_AGE, -1
    problems += _check(page, axe, f"{site_url}/manage/project/demo-pkg/releases/", "reauthenticate", shots=shots)
    assert page.get_by_role("button", name="Confirm").count() or page.get_by_label("Password").count()
    settings.REAUTH_MAX_AGE = fresh_for

    # A token made: the shown-once page.
    page.goto(f"{site_url}/manage/account/token/")
    page.get_by_label("Token name").fill("sweep")
    page.get_by_label("Entire account (all projects)").check()
    page.get_by_role("button", name="Create token").click()
    page.wait_for_url("**/token/new/**")
    problems += _check_current(page, axe, "token-shown", shots=shots)

    admin = {
        "admin": "/admin/",
        "admin-projects": "/admin/packages/project/",
        "admin-project": f"/admin/packages/project/{project.pk}/change/",
        "admin-users": "/admin/accounts/user/",
        "admin-events": "/admin/accounts/securityevent/",
    }
    for name, path in admin.items():
        problems += _check(page, axe, site_url + path, name, admin=True, shots=shots)

    # Too many verification mails asked for: the 429 page (last: it uses up a limit).
    page.goto(f"{site_url}/manage/account/")
    resend = page.get_by_role("button", name="Resend verification to second@example.org")
    for _ in range(6):
        resend.click()
        page.wait_for_load_state()
        if page.locator("text=Too many attempts").count():
            break
    assert page.locator("text=Too many attempts").count(), "the resend limit was not reached"
    problems += _check_current(page, axe, "error-429", shots=shots)
    context.close()
    assert not problems, "\n".join(problems)


# On phones tables become cards and each cell shows its column's name from data-label
# (static/css/site.css); a README's tables keep their columns (.table-scroll).
UNLABELLED_CELLS = """() => [...document.querySelectorAll("main table td:not([data-label]):not([colspan])")]
    .filter(td => !td.closest(".table-scroll"))
    .map(td => "a table cell without data-label: " + td.textContent.trim().slice(0, 40))"""


def _check_current(page, axe, name, shots=None):
    """The checks on the page already shown (a form's answer cannot be reloaded)."""
    problems = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for violation in axe.run(page).response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{name} @{width}: {violation['id']} ({violation['help']}) {targets}")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{name} @{width}: scrolls sideways by {overflow} px")
        if label == "phone":
            problems += [f"{name} @{width}: {cell}" for cell in page.evaluate(UNLABELLED_CELLS)]
        if shots is not None:
            page.screenshot(path=str(shots / f"{name}-{label}.png"), full_page=True)
    return problems
