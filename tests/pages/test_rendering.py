"""Rendering page source to safe HTML, a heading tree and search text (API.md §4.1.1)."""

import pytest

from pages.rendering import build_toc, render, slugify_heading


def node(label, key, *children):
    return {"label": label, "key": key, "children": list(children)}


ALL_LEVELS = {"min": 1, "max": 6}


def test_markdown_headings_get_anchors_and_a_tree():
    rendered = render("# Top\n\ntext\n\n## Sub\n\n### Leaf\n\n## Next", "markdown", ALL_LEVELS)
    assert rendered.html == (
        '<h1 id="top">Top</h1>\n<p>text</p>\n<h2 id="sub">Sub</h2>\n'
        '<h3 id="leaf">Leaf</h3>\n<h2 id="next">Next</h2>\n'
    )
    assert rendered.toc == [
        node("Top", "top", node("Sub", "sub", node("Leaf", "leaf")), node("Next", "next"))
    ]
    assert rendered.text == "Top text Sub Leaf Next"


@pytest.mark.parametrize(
    ("depth", "toc"),
    [
        (None, [node("A", "a", node("B", "b"))]),
        ({"min": 1, "max": 2}, [node("A", "a", node("B", "b"))]),
        ({"min": 2, "max": 3}, [node("B", "b", node("C", "c"))]),
        ({"min": 3, "max": 3}, [node("C", "c")]),
        ({"min": 4, "max": 6}, [node("D", "d")]),
        ({"min": 5, "max": 6}, []),
    ],
)
def test_toc_is_limited_to_the_depth(depth, toc):
    rendered = render("# A\n## B\n### C\n#### D", "markdown", depth)
    assert rendered.toc == toc
    # The depth only shapes the tree: every heading keeps its anchor.
    assert rendered.html.count(" id=") == 4


def test_skipped_levels_and_leading_deep_headings():
    rendered = render("### Early\n# Top\n### Under\n## Mid\n# Second", "markdown", ALL_LEVELS)
    assert rendered.toc == [
        node("Early", "early"),
        node("Top", "top", node("Under", "under"), node("Mid", "mid")),
        node("Second", "second"),
    ]


def test_anchor_keys_are_unique():
    rendered = render("# Steps\n# Steps 1\n# Steps\n# Steps\n# Steps 1", "markdown", ALL_LEVELS)
    keys = [item["key"] for item in rendered.toc]
    assert keys == ["steps", "steps-1", "steps-2", "steps-3", "steps-1-1"]
    for key in keys:
        assert rendered.html.count(f'id="{key}"') == 1


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Hello World", "hello-world"),
        ("  Many   spaces  ", "many-spaces"),
        ("A & B: c/d", "a-b-cd"),
        ("snake_case-and--dashes", "snake-case-and-dashes"),
        ("中文 标题", "中文-标题"),
        ("Ünïcode", "ünïcode"),
        ("!!!", "section"),
        ("", "section"),
    ],
)
def test_slugify_heading(label, key):
    assert slugify_heading(label) == key


def test_labels_are_plain_text():
    rendered = render("# A &amp; *B* `c` <b>d</b>", "markdown", ALL_LEVELS)
    assert rendered.toc == [node("A & B c d", "a-b-c-d")]
    assert rendered.html == '<h1 id="a-b-c-d">A &amp; <em>B</em> <code>c</code> <b>d</b></h1>\n'


@pytest.mark.parametrize(
    ("source", "content_type"),
    [
        ("Hi <script>alert(1)</script>", "markdown"),
        ("Hi <script>alert(1)</script>", "html"),
        ('<img src="x" onerror="alert(1)">', "markdown"),
        ('<a href="javascript:alert(1)">x</a>', "html"),
        ("<iframe src='https://evil.example'></iframe><style>*{}</style>", "html"),
        ("<p onclick='steal()' style='x'>p</p>", "html"),
        ("<svg onload=alert(1)></svg><object data=x></object>", "markdown"),
    ],
)
def test_dangerous_markup_is_removed(source, content_type):
    out = render(source, content_type).html.lower()
    for needle in (
        "<script",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "onclick",
        "onload",
        "<object",
        "<svg",
    ):
        assert needle not in out


def test_sanitised_html_keeps_safe_markup():
    source = (
        '<h2 id="mine" class="x">T</h2><p>a <strong>b</strong></p>'
        '<a href="https://example.com">e</a><img src="/i.png" alt="i"><pre><code class="language-py">x</code></pre>'
    )
    assert render(source, "html").html == (
        '<h2 id="t">T</h2><p>a <strong>b</strong></p>'
        '<a href="https://example.com" rel="noopener noreferrer">e</a><img src="/i.png" alt="i">'
        '<pre><code class="language-py">x</code></pre>'
    )


def test_markdown_tables_strikethrough_and_code():
    rendered = render("| a |\n|---|\n| 1 |\n\n~~x~~\n\n```\n<h1>no</h1>\n```", "markdown")
    assert rendered.html == (
        "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n</tr>\n"
        "</tbody>\n</table>\n<p><s>x</s></p>\n<pre><code>&lt;h1&gt;no&lt;/h1&gt;\n</code></pre>\n"
    )
    assert rendered.toc == []


def test_text_is_escaped_and_never_structured():
    rendered = render("# not a heading\n<b>x</b> & y", "text", ALL_LEVELS)
    assert rendered.html == "<pre># not a heading\n&lt;b&gt;x&lt;/b&gt; &amp; y</pre>"
    assert rendered.toc == []
    assert rendered.text == "# not a heading <b>x</b> & y"


def test_html_headings_in_any_case_are_anchored():
    rendered = render("<H2>Upper</H2><h3 title='t'>Lower</h3>", "html", ALL_LEVELS)
    assert rendered.html == '<h2 id="upper">Upper</h2><h3 id="lower">Lower</h3>'
    assert rendered.toc == [node("Upper", "upper", node("Lower", "lower"))]


def test_build_toc_directly():
    headings = [(2, "B", "b"), (1, "A", "a"), (2, "C", "c"), (4, "D", "d"), (3, "E", "e")]
    assert build_toc(headings, 1, 6) == [
        node("B", "b"),
        node("A", "a", node("C", "c", node("D", "d"), node("E", "e"))),
    ]
    assert build_toc(headings, 2, 2) == [node("B", "b"), node("C", "c")]
    assert build_toc([], 1, 6) == []
