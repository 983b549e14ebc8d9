"""Markup damage for the "malformed but recoverable" Discuz thread pages.

Real forum pages carry errors a browser shrugs off; a spider must too. ``damage_html`` adds an
unclosed ``<font>``, stray end tags, ``&nbsp`` without ``;``, raw ``&`` in link attributes, and a
marker in the first floor's signature (``div.sign``) that ``damage_bytes`` turns into one invalid byte
(0xFF) after the page is encoded. No damage moves a floor out of ``div#postlist``, hides its ``td.t_f``
or changes the text of a post.
"""

from __future__ import annotations

import re

MARKER = "\x01BADBYTE\x01"


def damage_html(html: str) -> str:
    messages = [m.end() for m in re.finditer(r'<td class="t_f" id="postmessage_\d+">\n', html)]
    if messages:
        # An unclosed <font> at the start of the first message.
        first = messages[0]
        html = html[:first] + '<font color="#333333">' + html[first:]
    # The invalid byte goes into a signature under the first floor, outside any message, so the posts'
    # text is unchanged (a byte-truncated signature is a classic source of such bytes).
    html = html.replace('<tr><td class="plc plm"></td></tr>',
                        '<tr><td class="plc plm"><div class="sign" style="max-height:100px;maxHeightIE:100px;">'
                        f'住在江边{MARKER}心向远方</div></td></tr>', 1)
    # Stray end tags after the author box of every floor.
    html = re.sub(r'(</a></div></div></td>\n<td class="plc">)', r"</span></em>\1", html, count=3)
    # Entities without their semicolon; raw "&" in the pager links.
    html = html.replace("&amp;extra=page%3D1", "&extra=page%3D1")
    return html.replace("&nbsp; &nbsp; ", "&nbsp &nbsp ")


def damage_bytes(body: bytes) -> bytes:
    return body.replace(MARKER.encode("ascii"), b"\xff")
