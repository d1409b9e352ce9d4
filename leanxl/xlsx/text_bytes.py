"""A quick, certain "no" for "does any text of this Arrow column hold one of these
characters?", read off the column's UTF-8 bytes in one numpy pass (no regex per cell).

A column of a million CRM texts is tens of MB; a byte lookup over them takes milliseconds,
a regular expression per cell tens. The answer "maybe" (a marked byte was found) sends the
caller to its exact test.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Bytes of the characters XML cannot hold (the controls but tab, LF and CR) and 0xEF, the
#: lead byte of U+FFFE and U+FFFF in UTF-8 (and of other characters: "maybe").
ILLEGAL_BYTES = np.zeros(256, dtype=bool)
ILLEGAL_BYTES[[*(c for c in range(0x20) if c not in b"\t\n\r"), 0xEF]] = True
#: The same plus ``& < >``: what an XML text element must escape.
ESCAPE_BYTES = ILLEGAL_BYTES.copy()
ESCAPE_BYTES[list(b"&<>")] = True
#: ASCII letters (bytes of other characters never look like them in UTF-8: an exact test).
ASCII_LETTERS = np.zeros(256, dtype=bool)
ASCII_LETTERS[[*range(ord("a"), ord("z") + 1), *range(ord("A"), ord("Z") + 1)]] = True


def surely_without(texts: Any, marked: np.ndarray) -> bool:
    """True when no text of ``texts`` (an Arrow string array, or a chunked one) holds a byte
    ``marked`` (a 256-entry bool table); False means "maybe", also for another type."""
    import pyarrow as pa

    if texts.type != pa.string():
        return False
    if isinstance(texts, pa.ChunkedArray):
        return all(surely_without(chunk, marked) for chunk in texts.chunks)
    buffers = texts.buffers()
    if buffers[2] is None or not len(texts):
        return True
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[texts.offset:texts.offset + len(texts)
                                                         + 1]
    body = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return not marked[body].any()
