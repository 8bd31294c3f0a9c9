"""Our copies of third-party templates (made to remove inline styles) stay in step with the
installed DRF and drf-spectacular: after an upgrade that changes the originals, these fail
and say which copy to redo."""

from __future__ import annotations

import re
from pathlib import Path

import drf_spectacular
import rest_framework

ROOT = Path(__file__).resolve().parents[3]
OURS = ROOT / "templates"
DRF = Path(rest_framework.__file__).parent / "templates"
SPECTACULAR = Path(drf_spectacular.__file__).parent / "templates"

# The only edits made to DRF's markup: style attributes become classes in drf_browsable_api.css.
DRF_EDITS = [
    (
        '<div class="dropdown" style="float: right; margin-right: 10px">',
        '<div class="dropdown drf-float-right">',
    ),
    (
        '<button style="float: right; margin-right: 10px" data-toggle="modal" '
        'data-target="#filtersModal" class="btn btn-default">',
        '<button data-toggle="modal" data-target="#filtersModal" '
        'class="btn btn-default drf-float-right">',
    ),
    (
        '<div class="form-group" style="border-bottom: 1px solid #e5e5e5">',
        '<div class="form-group drf-fieldset-head">',
    ),
    ('{% endif %}" style="border-bottom: 0">', '{% endif %}">'),
]


def drf_edited(text: str) -> str:
    for before, after in DRF_EDITS:
        text = text.replace(before, after)
    return text


def block(text: str, name: str) -> str:
    """The source inside ``{% block name %}``, nested blocks included."""
    start = re.search(r"{%\s*block " + name + r"\s*%}", text)
    assert start, name
    depth = 1
    for tag in re.finditer(r"{%\s*(block|endblock)\b[^%]*%}", text[start.end() :]):
        depth += 1 if tag.group(1) == "block" else -1
        if depth == 0:
            return text[start.end() : start.end() + tag.start()]
    raise AssertionError(f"no end of block {name}")


def without_comments(text: str) -> str:
    return re.sub(r"{#.*?#}\n?", "", text)


def test_the_browsable_api_request_forms_are_drfs_own_without_style_attributes() -> None:
    theirs = (DRF / "rest_framework" / "base.html").read_text()
    ours = (OURS / "rest_framework" / "api.html").read_text()

    assert block(ours, "request_forms") == drf_edited(block(theirs, "request_forms"))
    assert "style=" not in ours


def test_the_browsable_api_styles_are_drfs_links_without_the_inline_style() -> None:
    theirs = (DRF / "rest_framework" / "base.html").read_text()
    ours = (OURS / "rest_framework" / "api.html").read_text()

    their_links = re.findall(r"<link [^>]*>", block(theirs, "style"))
    assert their_links and all(link in block(ours, "style") for link in their_links)
    assert "{% if code_style %}<style>" in block(theirs, "style")  # what ours replaces


def test_the_browsable_api_fieldsets_are_drfs_own_without_style_attributes() -> None:
    for name in ("fieldset.html", "list_fieldset.html"):
        theirs = (DRF / "rest_framework" / "horizontal" / name).read_text()
        ours = (OURS / "rest_framework" / "horizontal" / name).read_text()

        assert without_comments(ours) == drf_edited(theirs), name


def test_the_api_docs_head_is_drf_spectaculars_without_the_inline_style() -> None:
    theirs = block((SPECTACULAR / "drf_spectacular" / "swagger_ui.html").read_text(), "head")
    ours = block((OURS / "drf_spectacular" / "swagger_ui.html").read_text(), "head")

    their_lines = [line.strip() for line in theirs.splitlines() if line.strip()]
    style = their_lines[their_lines.index("<style>") : their_lines.index("</style>") + 1]
    kept = [line for line in their_lines if line not in style]
    our_lines = [line.strip() for line in ours.splitlines() if line.strip()]
    assert our_lines[: len(kept)] == kept
    assert [line for line in our_lines if "<style" in line] == []
