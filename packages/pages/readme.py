"""A release's README, as stored by readme_renderer, made fit for the project page.

readme_renderer's HTML is sanitised but not accessible as it stands: headings end
in empty self-links, task-list checkboxes have no label, code blocks carry
`lang="bash"` (a language attribute must name a human language), wide tables
would push the page sideways on a phone, and the README's `h1` would be as
large as the page's own title. The output is regular
(one element per tag, attributes quoted), so a few anchored substitutions suffice.
"""

import re

from django.utils.translation import gettext as _

_HEADING = re.compile(r"<(/?)h([1-6])\b")
_EMPTY_LINK = re.compile(r"<a\b[^>]*></a>")
_CODE_LANG = re.compile(r'(<(?:pre|code)\b[^>]*?)\slang="([^"]*)"')
_CHECKBOX = re.compile(r"<input\b([^>]*)type=\"checkbox\"([^>]*)>")
_TASK_ITEM = re.compile(r"<li>(\s*<input\b[^>]*type=\"checkbox\")")

# The page's title is h1 and the "Description" section h2: the README starts at h3.
FIRST_LEVEL = 3


def description_accessible(html):
    """The README's HTML with headings moved under the page's, no empty links, labelled checkboxes."""
    if not html:
        return html
    html = _EMPTY_LINK.sub("", html)
    html = _CODE_LANG.sub(r'\1 data-lang="\2"', html)
    html = _TASK_ITEM.sub(r'<li class="task-list-item">\1', html)
    if "task-list-item" in html:
        html = re.sub(r"<ul>(\s*<li class=\"task-list-item\">)", r'<ul class="contains-task-list">\1', html)
    html = _CHECKBOX.sub(_label_checkbox, html)
    # A wide table scrolls inside a region that the keyboard can reach, never the page sideways.
    region = _("Table")
    html = html.replace("<table>", f'<div class="table-scroll" role="region" tabindex="0" aria-label="{region}"><table>')
    html = html.replace("</table>", "</table></div>")
    levels = sorted({int(level) for _, level in _HEADING.findall(html)})
    mapping = {level: min(FIRST_LEVEL + rank, 6) for rank, level in enumerate(levels)}
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{mapping[int(m.group(2))]}", html)


def _label_checkbox(match):
    attributes = match.group(1) + match.group(2)
    label = _("Done") if "checked" in attributes else _("Not done")
    return f'<input{match.group(1)}type="checkbox"{match.group(2).rstrip()} aria-label="{label}">'
