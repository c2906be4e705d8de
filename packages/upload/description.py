"""The project description rendered to sanitised HTML, as PyPI shows it (readme_renderer)."""

import io
from email.message import Message

from readme_renderer import markdown as md_renderer
from readme_renderer import rst as rst_renderer
from readme_renderer import txt as txt_renderer

from ..errors import InvalidUpload



def render_description(text, content_type):
    """The description as sanitised HTML, or InvalidUpload when it does not render."""
    if not text or not text.strip():
        return ""
    content_type = content_type or "text/x-rst"
    header = Message()
    header["content-type"] = content_type
    kind = header.get_content_type()
    if kind == "text/plain":
        return txt_renderer.render(text)
    if kind == "text/markdown":
        html = md_renderer.render(text, variant=header.get_param("variant") or "GFM")
    elif kind == "text/x-rst":
        html = rst_renderer.render(text, stream=io.StringIO())
    else:
        raise InvalidUpload(f"Invalid description content type: {content_type!r}.")
    if html is None:
        raise InvalidUpload(f"The description failed to render for {kind!r}.")
    return html
