"""The front matter reader and the file-to-path rules of the Markdown import."""

from pathlib import PurePosixPath

import pytest

from pages.frontmatter import Document, FrontMatterError, first_heading, parse_document
from pages.importing import FileRefused, fallback_title, page_address, path_segment


def test_text_without_front_matter_is_all_body():
    assert parse_document("# Title\n\n---\nText") == Document(body="# Title\n\n---\nText")


def test_every_known_field_in_its_plain_form():
    text = (
        "---\n"
        "title: Install Guide: the long way\n"
        "description: How to install #1\n"
        "tags: [setup, 'quoted, tag', \"double\"]\n"
        "published: false\n"
        "---\n"
        "\n"
        "\n"
        "Body text\n"
    )
    assert parse_document(text) == Document(
        body="Body text\n",
        title="Install Guide: the long way",
        description="How to install #1",
        tags=("setup", "quoted, tag", "double"),
        published=False,
    )


@pytest.mark.parametrize(
    ("lines", "tags"),
    [
        ("tags:\n  - alpha\n  - 'beta gamma'\n", ("alpha", "beta gamma")),
        ("tags:\n- alpha\n- beta\n", ("alpha", "beta")),
        ("tags: alpha, beta ,gamma\n", ("alpha", "beta", "gamma")),  # Wiki.js 2's form
        ("tags: alpha\n", ("alpha",)),
        ("tags: []\n", ()),
        ("tags:\n", ()),
        ("tags: [ a ,b ]\n", ("a", "b")),
    ],
)
def test_tag_forms(lines, tags):
    assert parse_document(f"---\n{lines}---\nx").tags == tags


@pytest.mark.parametrize(
    ("value", "published"),
    [("true", True), ("Yes", True), ("on", True), ("FALSE", False), ("no", False)],
)
def test_published_words(value, published):
    assert parse_document(f"---\npublished: {value}\n---\nx").published is published


def test_quoted_values_unescape():
    text = "---\ntitle: \"Say \\\"hi\\\"\\tnow\"\ndescription: 'It''s here'\n---\nx"
    document = parse_document(text)
    assert (document.title, document.description) == ('Say "hi"\tnow', "It's here")


def test_unknown_keys_their_nested_values_and_comments_are_ignored():
    text = (
        "---\n"
        "# written by another tool\n"
        "date: 2024-01-01T10:00:00Z\n"
        "menu:\n"
        "  main:\n"
        "    weight: 3\n"
        "aliases:\n"
        "- /old\n"
        "editor: markdown\n"
        "title: Kept\n"
        "...\n"
        "Body"
    )
    assert parse_document(text) == Document(body="Body", title="Kept")


def test_absent_fields_are_none_and_an_empty_title_is_empty():
    document = parse_document("---\ntitle:\n---\nBody")
    assert document == Document(body="Body", title="")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: x\nBody", "the front matter opened by '---' on line 1 is never closed"),
        ("---\ntitle: a\ntitle: b\n---\nx", "front matter line 3: 'title' is given twice"),
        ("---\njust words\n---\nx", "front matter line 2: expected 'key: value'"),
        ("---\ntitle:x\n---\nx", "front matter line 2: expected 'key: value'"),
        ("---\n- a\n---\nx", "front matter line 2: expected 'key: value'"),
        ("---\ntitle: a\n  more\n---\nx", "front matter line 3: unexpected indented line"),
        (
            "---\npublished: maybe\n---\nx",
            "front matter line 2: 'published' must be true or false, not 'maybe'",
        ),
        ('---\ntitle: "open\n---\nx', "front matter line 2: a quoted value is not closed"),
        (
            "---\ntitle: 'a' b\n---\nx",
            "front matter line 2: unexpected text after the closing quote: 'b'",
        ),
        ('---\ntitle: "a\\qb"\n---\nx', "front matter line 2: unsupported escape '\\\\q'"),
        ("---\ntitle: [a]\n---\nx", "front matter line 2: 'title' takes one value, not a list"),
        (
            "---\ndescription:\n  - a\n---\nx",
            "front matter line 2: 'description' takes one value, not a list",
        ),
        (
            "---\ndescription: |\n---\nx",
            "front matter line 2: 'description': block scalars ('|', '>') are not supported",
        ),
        ("---\ntags: [a, b\n---\nx", "front matter line 2: a '[' list is not closed"),
        ("---\ntags: [a] b\n---\nx", "front matter line 2: unexpected text after ']': 'b'"),
        ("---\ntags: ['a' b]\n---\nx", "front matter line 2: expected ',' or ']' in a '[' list"),
        (
            "---\ntags: [[a], b]\n---\nx",
            "front matter line 2: nested lists and mappings are not supported",
        ),
        (
            "---\ntags: a\n  - b\n---\nx",
            "front matter line 3: a '- item' line cannot follow the value of 'tags'",
        ),
    ],
)
def test_malformed_front_matter_names_the_line(text, message):
    with pytest.raises(FrontMatterError) as caught:
        parse_document(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("body", "heading"),
    [
        ("Intro\n\n# The Title #\n\n# Second", "The Title"),
        ("```\n# not this\n```\n   # This one\n", "This one"),
        ("~~~~\n# no\n~~~\n# still code\n~~~~\n# Yes", "Yes"),
        ("## Only a subheading\n#no-space", None),
    ],
)
def test_first_heading(body, heading):
    assert first_heading(body) == heading


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("Install Guide", "install-guide"),
        ("Café  Crème", "cafe-creme"),
        ("C++ & Rust!", "c-rust"),
        ("notes.v2", "notes-v2"),
        ("snake_case-OK", "snake_case-ok"),
        ("日本語", ""),
    ],
)
def test_path_segment(name, segment):
    assert path_segment(name) == segment


@pytest.mark.parametrize(
    ("relative", "address"),
    [
        ("docs/Install Guide.md", ("en", "docs/install-guide")),
        ("docs/index.md", ("en", "docs")),
        ("Docs/Deep/README.markdown", ("en", "docs/deep")),
        ("index.md", ("en", "home")),
        ("README.md", ("en", "home")),
        ("fr/guide/intro.md", ("fr", "guide/intro")),
        ("pt-BR/index.md", ("pt-br", "home")),
        ("guide/fr.md", ("en", "guide/fr")),
    ],
)
def test_page_address(relative, address):
    assert page_address(PurePosixPath(relative), "en") == address


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("admin.md", "no valid page path: reserved first segment 'admin': a route of the server uses it"),
        ("x.md", "no valid page path: reserved first segment 'x': single characters are kept for the server's routes"),
        ("de.md", "no valid page path: reserved first segment 'de': it would be read as a locale code"),
        ("_drafts/a.md", "no valid page path: reserved first segment '_drafts': a leading underscore is kept for the server's routes"),
        ("docs/日本.md", "'日本' has no letter or digit a page path can use"),
        ("fr.md", "no valid page path: reserved first segment 'fr': it would be read as a locale code"),
        (f"{'a' * 256}.md", "no valid page path: empty or too long"),
    ],
)  # fmt: skip
def test_page_address_refusals(relative, reason):
    with pytest.raises(FileRefused) as caught:
        page_address(PurePosixPath(relative), "en")
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("relative", "title"),
    [
        ("docs/Install Guide.md", "Install Guide"),
        ("docs/Deep/index.md", "Deep"),
        ("README.md", "Home"),
        ("fr/index.md", "Home"),
        ("fr/guide/readme.md", "guide"),
    ],
)
def test_fallback_title(relative, title):
    assert fallback_title(PurePosixPath(relative)) == title
