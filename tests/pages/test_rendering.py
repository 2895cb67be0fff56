"""Rendering page source to safe HTML, a heading tree and search text (API.md §4.1.1)."""

import re

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


def test_empty_and_symbol_only_headings_get_unique_anchors():
    rendered = render("#\n# !!!\n# Section\n## ***\n# Section 1", "markdown", ALL_LEVELS)
    keys = [(level, key) for level, key in _levels_and_keys(rendered.html)]
    assert keys == [
        (1, "section"),
        (1, "section-1"),
        (1, "section-2"),
        (2, "section-3"),
        (1, "section-1-1"),
    ]
    assert [item["key"] for item in rendered.toc] == [
        "section",
        "section-1",
        "section-2",
        "section-1-1",
    ]
    assert rendered.toc[2]["children"] == [node("***", "section-3")]


def _levels_and_keys(output):
    return [(int(level), key) for level, key in re.findall(r'<h([1-6]) id="([^"]*)">', output)]


def test_anchors_stay_unique_in_a_long_page():
    source = "\n".join(
        f"{'#' * (1 + i % 6)} {['Intro', 'Intro 1', '', 'Intro-2'][i % 4]}" for i in range(200)
    )
    keys = [key for _, key in _levels_and_keys(render(source, "markdown").html)]
    assert len(keys) == 200
    assert len(set(keys)) == 200


def test_the_author_cannot_choose_heading_ids():
    rendered = render('<h2 id="b">A</h2><h2 id="a" onclick="x()">B</h2>', "html", ALL_LEVELS)
    assert rendered.html == '<h2 id="a">A</h2><h2 id="b">B</h2>'


def test_heading_markup_inside_an_attribute_is_not_a_heading():
    """The anchoring reads sanitised HTML, where ``<`` in an attribute value is escaped."""
    source = '<img alt="<h1>x</h1>" src="/i.png"><p title="<h2 class=a>y</h2>">p</p>'
    rendered = render(source, "html", ALL_LEVELS)
    assert rendered.html == (
        '<img alt="&lt;h1&gt;x&lt;/h1&gt;" src="/i.png">'
        '<p title="&lt;h2 class=a&gt;y&lt;/h2&gt;">p</p>'
    )
    assert rendered.toc == []


def test_script_in_a_heading_leaves_only_its_text():
    rendered = render("# Setup <script>alert(1)</script><img src=x onerror=alert(2)>", "markdown")
    assert rendered.html == '<h1 id="setup">Setup <img src="x"></h1>\n'
    assert rendered.toc == [node("Setup", "setup")]


def test_markdown_table_alignment_and_cell_spans_survive():
    rendered = render("| a | b |\n|:-:|--:|\n| 1 | 2 |", "markdown")
    assert '<th style="text-align:center">a</th>' in rendered.html
    assert '<td style="text-align:right">2</td>' in rendered.html
    cells = render(
        '<table><tr><td colspan="2" rowspan="3" style="TEXT-ALIGN: Left;">x</td></tr></table>',
        "html",
    )
    assert cells.html == (
        '<table><tbody><tr><td colspan="2" rowspan="3" style="text-align:left">x</td>'
        "</tr></tbody></table>"
    )


@pytest.mark.parametrize(
    ("style", "kept"),
    [
        ("text-align:right", ' style="text-align:right"'),
        ("text-align: justify ;", ' style="text-align:justify"'),
        ("text-align:right;color:red", ""),
        ("position:fixed", ""),
        ("text-align:expression(alert(1))", ""),
        ("background:url(javascript:alert(1))", ""),
        ("", ""),
    ],
)
def test_cells_keep_only_an_alignment_style(style, kept):
    rendered = render(f'<table><tr><td style="{style}">x</td></tr></table>', "html")
    assert rendered.html == f"<table><tbody><tr><td{kept}>x</td></tr></tbody></table>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```py\nx\n```", '<pre><code class="language-py">x\n</code></pre>\n'),
        ("```c++ extra\nx\n```", '<pre><code class="language-c++">x\n</code></pre>\n'),
        (
            '<code class="language-js btn fixed-top">x</code>',
            '<p><code class="language-js">x</code></p>\n',
        ),
        ('<code class="alert">x</code>', "<p><code>x</code></p>\n"),
        ('<p class="language-js">x</p>', "<p>x</p>"),
    ],
)
def test_classes_only_name_a_code_language(source, expected):
    assert render(source, "markdown").html == expected
