"""`{% actionform %}`: the form of one action on a management page, written once.

    {% actionform "remove" user=member.user.pk %}
      <button type="submit" class="danger">…</button>
    {% endactionform %}

renders `<form method="post">`, the CSRF field and, on the body's first line
(indented as the body is), the hidden `action` field and one hidden field for
each keyword; then the body and `</form>`. `labelledby="x-heading"` and
`form_class="inline"` go on the form as `aria-labelledby` and `class`.
The view runs the action with accounts.page_actions.posted_action.
"""

import re

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

FORM_ATTRIBUTES = {"labelledby": "aria-labelledby", "form_class": "class"}
_INDENT = re.compile(r"\n[ \t]*")
# For the developer writing a template (a syntax error, never shown to a visitor).
USAGE = '{% actionform "action-name" field=value ... labelledby="heading-id" form_class="inline" %}'



class ActionFormNode(template.Node):
    def __init__(self, action, fields, nodelist):
        self.action, self.fields, self.nodelist = action, fields, nodelist

    def render(self, context):
        values = [(name, value.resolve(context)) for name, value in self.fields.items()]
        attributes = format_html_join("", ' {}="{}"', ((FORM_ATTRIBUTES[n], v) for n, v in values if n in FORM_ATTRIBUTES))
        hidden = format_html_join(
            "",
            '<input type="hidden" name="{}" value="{}">',
            [("action", self.action.resolve(context))] + [(n, v) for n, v in values if n not in FORM_ATTRIBUTES],
        )
        body = self.nodelist.render(context)
        indent = _INDENT.match(body)
        return format_html(
            '<form method="post"{}>{}{}{}{}</form>',
            attributes,
            CsrfTokenNode().render(context),
            mark_safe(indent.group(0) if indent else ""),
            hidden,
            body,
        )


@register.tag
def actionform(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(USAGE)
    action = parser.compile_filter(bits[1])
    fields = template.base.token_kwargs(bits[2:], parser, support_legacy=False)
    if len(fields) != len(bits) - 2:
        raise template.TemplateSyntaxError(USAGE)
    nodelist = parser.parse(("endactionform",))
    parser.delete_first_token()
    return ActionFormNode(action, fields, nodelist)
