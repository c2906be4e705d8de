"""A README's HTML made accessible for the project page (packages.pages.readme)."""

from django.utils import translation

from packages.pages.readme import description_accessible
from packages.upload.description import render_description

README = """# Title

## Tasks

- [x] done
- [ ] open

```bash
pip install demo
```

| a | b |
|---|---|
| 1 | 2 |
"""


def test_readme_headings_sit_under_the_page_and_tasks_are_labelled():
    with translation.override("en"):
        html = description_accessible(render_description(README, "text/markdown"))
    assert "<h1" not in html and "<h2" not in html
    assert '<h3 id="user-content-title">Title</h3>' in html and "<h4" in html
    assert "></a>" not in html  # no empty self-links
    assert 'aria-label="Done"' in html and 'aria-label="Not done"' in html
    assert ' lang="bash"' not in html and 'data-lang="bash"' in html
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Table"><table>' in html
