"""Finds the user-visible text of a Django template that is not marked for translation.

Text is visible when it sits outside HTML tags, outside <script>, <style>, <pre>
and <code>, outside {% comment %}, and outside {% translate %} /
{% blocktranslate %}; attribute values people see or hear (aria-label, title,
alt, placeholder, data-label, ...) count too. Text without a letter does not.
"""

import re

from django.template.base import Lexer, TokenType

VISIBLE_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "data-label", "data-copied-text", "data-failed-text")
SKIPPED_ELEMENTS = ("script", "style", "pre", "code")
LETTER = re.compile(r"[^\W\d_]")
_ATTRIBUTE = re.compile(r"""\b(%s)\s*=\s*"([^"]*)\"""" % "|".join(re.escape(a) for a in VISIBLE_ATTRIBUTES))
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


def unmarked_strings(source):
    """[(line, text)] of the template's visible text that is not marked for translation."""
    found = []
    in_tag = False
    skipped = []  # open <pre>/<code>/<script>/<style> elements
    in_translate = in_comment = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans"):
                in_translate = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_translate = False
            elif name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
            continue
        if token.token_type != TokenType.TEXT or in_comment:
            continue
        text = token.contents
        position = 0
        while position < len(text):
            if in_tag:
                end = text.find(">", position)
                chunk = text[position:] if end < 0 else text[position:end]
                if not in_translate:
                    for _name, value in _ATTRIBUTE.findall(chunk):
                        if LETTER.search(value) and value not in PROPER_NAMES:
                            found.append((token.lineno, value))
                if end < 0:
                    break
                in_tag = False
                position = end + 1
                continue
            start = text.find("<", position)
            chunk = text[position:] if start < 0 else text[position:start]
            visible = " ".join(chunk.split())
            if not skipped and not in_translate and LETTER.search(_without_entities(chunk)) and visible not in PROPER_NAMES:
                found.append((token.lineno, " ".join(chunk.split())))
            if start < 0:
                break
            match = _TAG.match(text, start)
            if match:
                closing, element = match.group(1), match.group(2).lower()
                if element in SKIPPED_ELEMENTS:
                    if closing and skipped and skipped[-1] == element:
                        skipped.pop()
                    elif not closing:
                        skipped.append(element)
            in_tag = True
            position = start + 1
    return found


def _without_entities(text):
    return re.sub(r"&#?\w+;", "", text)


# Names that stay the same in every language.
PROPER_NAMES = {
    "UTC", "JSON", "Python", "SHA256", "SHA-256", "GitHub Actions", "GitLab CI/CD", "Google Cloud", "ActiveState",
    "pip", "twine", "uv", "TOTP", "WebAuthn", "URL", "PyPI", "OIDC", "indexsite", "Admin",
}


def unmarked_mail_strings(source):
    """[(line, text)] of a plain-text mail template's words outside {% translate %} / {% blocktranslate %}."""
    found = []
    in_translate = False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name in ("blocktranslate", "blocktrans"):
                in_translate = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_translate = False
        elif token.token_type == TokenType.TEXT and not in_translate and LETTER.search(token.contents):
            found.append((token.lineno, " ".join(token.contents.split())))
    return found
