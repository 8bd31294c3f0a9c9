"""The hostile corpus shared by the fuzz tests, and hypothesis strategies built on it."""

from __future__ import annotations

from hypothesis import strategies as st

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Markup that must never come back unescaped in an HTML page.
RAW_MARKUP = (SCRIPT.encode(), b"<img src=x onerror")

HOSTILE_TEXT = [
    SCRIPT,
    IMG,
    "javascript:alert(1)",
    "Robert'); DROP TABLE people_person;--",
    "' OR 1=1 --",
    "1; SELECT pg_sleep(10)",
    "\u202egnp.exe",  # right-to-left override
    "a\u200db\u200cc\ufeff",  # zero-width joiner, non-joiner, BOM
    "\x00 NUL",
    "\x01\x07\x1b[31m control",
    "line\r\nbreak\u2028sep",
    "a" * 100_000,
    "😀" * 500,
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "{{ settings.SECRET_KEY }}{% debug %}",
    "%(password)s %s %d %n",
    "../../etc/passwd",
    "\\",
    "",
    " ",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
]

# The part of the corpus each field gets alone (the whole corpus goes into every field at once).
ONE_FIELD_TEXT = [
    SCRIPT,
    IMG,
    "\x00 NUL",
    "\x01\x07\x1b[31m control",
    "\u202egnp.exe",
    "a" * 100_000,
    "😀" * 500,
    "Robert'); DROP TABLE people_person;--",
    "{{ settings.SECRET_KEY }}{% debug %}",
    "",
]

HOSTILE_NUMBERS = ["-1", "0", "6", str(10**20), "-" + str(10**20), "1e309", "NaN", "3.5", "abc"]
HOSTILE_DATES = ["2020-13-45", "0000-00-00", "9999-12-31", "1899-01-01", "31/31/31", "yesterday"]

# Query-string values: every kind of thing a page or a filter could choke on.
HOSTILE_PARAMS = [
    "-1",
    "0",
    str(10**20),
    "1e309",
    "abc",
    "\x00",
    SCRIPT,
    "' OR 1=1 --",
    "💥",
    "a" * 5000,
    "2020-13-45T99:99:99",
    "%",
    "[]",
    "00000000-0000-0000-0000-000000000000",
]

# Text as a person could type it (every Unicode category, including controls and NUL), plus
# the corpus.
text = st.one_of(
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(HOSTILE_TEXT),
)
