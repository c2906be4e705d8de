"""Finds the user-visible text of a Django template that is not marked for translation.

Text is visible when it sits outside HTML tags, outside <script>, <style>, <pre>
and <code>, outside {% comment %}, and outside {% translate %} /
{% blocktranslate %}; attribute values people see or hear (aria-label, title,
alt, placeholder, data-label, ...) count too. Text without a letter does not.
"""

import ast
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


# -- Python: the messages people read (flash messages, form and service errors, mail) --

# Modules whose messages are PyPI's wire contract, read by installers and upload
# clients: they stay English on purpose.
MACHINE_MODULES = (
    "packages/upload/",
    # The rules of a new project's name and the allowance of new projects, moved out of packages/upload/:
    # an upload's refusals in PyPI's words (what they say to a person is marked, as it was there).
    "packages/naming/",
    # Upload refusals for attestations and the provenance policy, in the upload API's words.
    "packages/provenance/upload.py",
    "packages/provenance/verification.py",
    "packages/index/",
    "tokens/api.py",
    "tokens/authentication.py",
    "tokens/disclosure.py",
    "tokens/publishing/api.py",
    "tokens/publishing/mint.py",
    "tokens/publishing/keys.py",
    # What installers read of the upstream index (502/504 lines) and what staff read in the logs.
    "packages/upstream/pages.py",
    "packages/upstream/files.py",
    "packages/reading/readers.py",
    # Why an outbound request was refused or failed: for the logs and for the caller, never a page.
    "accounts/outbound/",
    # Read by the operator at the command line (manage.py backup, restore), where Django
    # runs commands with translation deactivated, like its own commands' messages.
    "packages/backup.py",
)
# Exceptions that are bugs or configuration mistakes, never shown to a person.
INTERNAL_ERRORS = {
    "ValueError",
    "TypeError",
    "KeyError",
    "OSError",
    "RuntimeError",
    "ImproperlyConfigured",
    "AssertionError",
}
# Calls that show their text to a person, and the position of that text.
_MESSAGE_CALLS = {
    "success": 1,
    "error": 1,
    "info": 1,
    "warning": 1,
    "add_error": 1,
    "message_user": 1,
    "ValidationError": 0,
    "Http404": 0,
    "PermissionDenied": 0,
    "notify_on_commit": None,
}


def unmarked_python_messages(source):
    """[(line, text)] of string literals handed to a person-facing sink without gettext.

    Sinks: `raise SomeError("...")` (our errors carry the message the page shows),
    messages.success/error/..., form.add_error, ValidationError, the admin's
    message_user and notify_on_commit's subject/what.
    """

    found = []

    def literal(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and LETTER.search(node.value):
            return node.value
        if isinstance(node, ast.JoinedStr):
            words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            return words if LETTER.search(words) else None  # "[{site}] {subject}" has no words to translate
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            return literal(node.left) or literal(node.right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return literal(node.func.value)
        return None

    for argument in message_arguments(ast.parse(source)):
        text = literal(argument)
        if text:
            found.append((argument.lineno, text))
    return found


def message_arguments(tree):
    """The expressions of `tree` whose text a person reads (see unmarked_python_messages)."""

    def _is_sentence(node):
        # An f-string sentence returned as a page's message: "Team {name} created.", or one that
        # starts with a name: "{user} is now {role} of {project}." (words, ending in a full stop).
        if not isinstance(node, ast.JoinedStr):
            return False
        words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        starts_with_word = re.match(r"[A-Z][a-z]* ", "".join(v.value for v in node.values[:1] if isinstance(v, ast.Constant)))
        return bool(starts_with_word) or (len(re.findall(r"[a-z]{2,}", words)) >= 2 and words.rstrip().endswith("."))

    def name_of(func):
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")

    for node in ast.walk(tree):
        arguments = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            if name_of(node.exc.func) not in INTERNAL_ERRORS:
                arguments = node.exc.args[:1]
        elif isinstance(node, ast.Call) and name_of(node.func) in _MESSAGE_CALLS:
            position = _MESSAGE_CALLS[name_of(node.func)]
            arguments = [] if position is None else node.args[position : position + 1]
        if isinstance(node, ast.Call) and name_of(node.func).startswith(("notify", "_mail")):
            arguments += [k.value for k in node.keywords if k.arg in ("subject", "what", "message")]
        if isinstance(node, ast.Return) and node.value is not None and _is_sentence(node.value):
            arguments = [node.value]
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in ("message", "subject", "what") for target in node.targets
        ):
            # A mail's text built first and handed over later: message = f"{user} left {project}."
            arguments = [node.value]
        yield from arguments


# -- Sentences cut in pieces around markup ----------------------------------------

_INLINE_OPEN = re.compile(r"^\s*<(a|strong|code|em|time|span)\b")
_INLINE_CLOSE = re.compile(r"</(a|strong|code|em|time|span)>\s*$")
_TRANSLATE = re.compile(r"""^(?:translate|trans)\s+(["'])(.*?)\1(?:\s+context\s+\S+)?\s*$""")


def split_sentences(source):
    """[(line, text)] of {% translate %} strings that are pieces of a sentence cut around markup.

    A piece continues a sentence after inline markup or a value ("to confirm" after
    <code>…</code>) or runs into them without ending ("Type" before <code>).
    Translators must see the whole sentence: {% blocktranslate %} with the markup inside.
    """
    tokens = list(Lexer(source).tokenize())
    found = []
    for index, token in enumerate(tokens):
        match = token.token_type == TokenType.BLOCK and _TRANSLATE.match(token.contents)
        if not match or " as " in token.contents:
            continue
        text = match.group(2)
        before = tokens[index - 1] if index else None
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        continues = (
            re.match(r"[a-z,.;:)]", text)
            and before is not None
            and (
                before.token_type == TokenType.VAR
                or (before.token_type == TokenType.TEXT and _INLINE_CLOSE.search(before.contents))
                or (
                    before.token_type == TokenType.TEXT
                    and not before.contents.strip()
                    and index > 1
                    and tokens[index - 2].token_type in (TokenType.VAR, TokenType.BLOCK)
                    and tokens[index - 2].contents.split()[0] in ("translate", "trans", "endblocktranslate")
                )
            )
        )
        runs_on = (
            not re.search(r"[.:?!)…]$", text)
            and after is not None
            and (
                (
                    after.token_type == TokenType.TEXT
                    and _INLINE_OPEN.match(after.contents)
                    and not after.contents.lstrip().startswith(("<span", "<time"))
                )
                or (
                    after.token_type == TokenType.TEXT
                    and after.contents.strip() == ""
                    and index + 2 < len(tokens)
                    and tokens[index + 2].token_type == TokenType.VAR
                )
            )
        )
        if continues or runs_on:
            found.append((token.lineno, text))
    return found
