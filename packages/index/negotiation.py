"""PEP 691's content negotiation for the simple API: which representation an Accept header and `?format=` choose.

Below the documents (`simple`) and the fast path, whose key holds the
representation chosen, never the raw header or query string.
"""

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
# Order breaks ties between equal q-values: plain HTML is the default (PEP 691).
OFFERS = (TEXT_HTML, HTML, JSON)
CONTENT_TYPES = {TEXT_HTML: "text/html; charset=utf-8", HTML: HTML, JSON: JSON}
# PEP 691's aliases for "whatever v1 is".
ALIASES = {
    "application/vnd.pypi.simple.latest+json": JSON,
    "application/vnd.pypi.simple.latest+html": HTML,
}


class NotAcceptable(Exception):
    pass


def _parse_accept(header):
    """[(media type, q)] from an Accept header; malformed entries are ignored."""
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = ALIASES.get(media.lower(), media.lower())
        if "/" not in media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        ranges.append((media, q))
    return ranges


def _quality(offer, ranges):
    """The q of the most specific range matching `offer`, or None when none does."""
    kind = offer.split("/")[0]
    best = None
    for media, q in ranges:
        if media == offer:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return None if best is None else best[1]


def negotiate(request):
    """The representation to answer with (one of OFFERS), or NotAcceptable.

    A ``?format=<type>`` query parameter (PEP 691) overrides the Accept header.
    """
    return representation(request.headers.get("Accept", ""), request.GET.get("format", ""))


def representation(accept, requested=""):
    """`negotiate` on the raw values: the Accept header and the ``format`` query parameter (empty if absent)."""
    requested = requested.strip().lower()
    if requested:
        requested = ALIASES.get(requested, requested)
        if requested in OFFERS:
            return requested
        raise NotAcceptable
    header = accept.strip()
    if not header:
        return TEXT_HTML
    ranges = _parse_accept(header)
    scored = [(q, -i, offer) for i, offer in enumerate(OFFERS) if (q := _quality(offer, ranges))]
    if not scored:
        raise NotAcceptable
    return max(scored)[2]
