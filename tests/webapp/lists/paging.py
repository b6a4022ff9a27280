"""Reading a keyset-paged page (游标分页) as a user does: its rows, and its "Next" link."""
from __future__ import annotations

import html
import re


def next_link(page_html: str) -> str | None:
    """The href of the page's ``rel="next"`` link (the pager of ``loans/_macros.html``), or None."""
    found = re.search(r'rel="next" href="([^"]+)"', page_html)
    return html.unescape(found.group(1)) if found else None


def rows(page_html: str, table_id: str, attribute: str) -> list[str]:
    """The ``attribute`` of each body row of the table ``table_id``, in page order."""
    table = page_html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(rf'<tr {attribute}="([^"]*)"', table)


def walk(client, url: str, table_id: str, attribute: str, page_size: int) -> list[list[str]]:
    """Every page from ``url`` on, by following "Next": each holds at most ``page_size`` rows."""
    pages = []
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.status_code
        text = answer.get_data(as_text=True)
        pages.append(rows(text, table_id, attribute))
        assert 0 < len(pages[-1]) <= page_size
        url = next_link(text)
        assert len(pages) < 100, "the Next links do not end"
    return pages
