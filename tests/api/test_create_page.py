"""createPage through /_graphql (API.md §4.1.1, §4.1.3): effects, defaults and every check."""

import hashlib
import re

import pytest

from pages.models import Page, PageTag, Tag
from tests.factories import PageFactory, default_site, rule
from wiki.models import Site

pytestmark = pytest.mark.django_db

PAGE_FIELDS = """
    id siteId locale path hash alias title description icon content contentType editor
    render toc tocDepth { min max } tags
    relations { id position label caption icon target }
    publishState publishStartDate publishEndDate isBrowsable isSearchable
    allowComments allowContributions allowRatings showSidebar showTags showToc
    scriptCss scriptJsLoad scriptJsUnload password navigationId navigationMode
    author { id name email } creator { id name email } createdAt updatedAt
"""
CREATE_PAGE = (
    """
mutation CreatePage(
  $siteId: UUID!, $locale: String!, $path: String!, $title: String!, $description: String!,
  $content: String!, $editor: String!, $publishState: PagePublishState!,
  $publishStartDate: Date, $publishEndDate: Date, $alias: String, $icon: String,
  $tags: [String!], $relations: [PageRelationInput!], $tocDepth: PageTocDepthInput,
  $allowComments: Boolean, $allowContributions: Boolean, $allowRatings: Boolean,
  $showSidebar: Boolean, $showTags: Boolean, $showToc: Boolean, $isBrowsable: Boolean,
  $isSearchable: Boolean, $scriptCss: String, $scriptJsLoad: String, $scriptJsUnload: String
) {
  createPage(
    siteId: $siteId, locale: $locale, path: $path, title: $title, description: $description,
    content: $content, editor: $editor, publishState: $publishState,
    publishStartDate: $publishStartDate, publishEndDate: $publishEndDate, alias: $alias,
    icon: $icon, tags: $tags, relations: $relations, tocDepth: $tocDepth,
    allowComments: $allowComments, allowContributions: $allowContributions,
    allowRatings: $allowRatings, showSidebar: $showSidebar, showTags: $showTags,
    showToc: $showToc, isBrowsable: $isBrowsable, isSearchable: $isSearchable,
    scriptCss: $scriptCss, scriptJsLoad: $scriptJsLoad, scriptJsUnload: $scriptJsUnload
  ) {
    operation { succeeded slug message }
    page { """
    + PAGE_FIELDS
    + """ }
  }
}
"""
)
MARKDOWN = """# Install

Intro <script>alert(1)</script> **bold**

## Requirements

### Detail

#### Too deep

## Steps
"""
DATE_FORMAT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
REL_1 = "6f1c3c4e-1b7a-4a55-9c1e-0d1f2a3b4c5d"
REL_2 = "0b9e4a3e-2c8d-4e6f-a1b2-c3d4e5f60718"
# The page flags test_create_with_every_argument gives: the API returns them as given and
# Page.config stores them under the same names.
DISPLAY_FLAGS = {
    "allowComments": False,
    "allowContributions": True,
    "allowRatings": False,
    "showSidebar": False,
    "showTags": True,
    "showToc": False,
}


def variables(**overrides) -> dict:
    base = {
        "siteId": str(default_site().pk),
        "locale": "en",
        "path": "docs/start",
        "title": "Start",
        "description": "",
        "content": "# Start\n\nText.",
        "editor": "markdown",
        "publishState": "published",
    }
    base.update(overrides)
    return base


def create(client, **overrides):
    return client(CREATE_PAGE, variables(**overrides))


def assert_ok(response) -> dict:
    assert response.status == 200, response.body
    assert "errors" not in response.body, response.body
    payload = response.data["createPage"]
    assert payload["operation"]["succeeded"] is True, payload
    assert payload["operation"]["slug"] == "ok"
    return payload["page"]


def assert_failed(response, key: str) -> None:
    assert response.status == 200, response.body
    assert response.body == {
        "data": {
            "createPage": {
                "operation": {"succeeded": False, "slug": key, "message": key},
                "page": None,
            }
        }
    }


def _rows() -> tuple[int, ...]:
    return (Page.objects.count(), Tag.objects.count(), PageTag.objects.count())


def refused(client, key: str, **overrides) -> None:
    """createPage fails with ``key`` and leaves no page, tag or tag link behind."""
    before = _rows()
    assert_failed(create(client, **overrides), key)
    assert _rows() == before


def test_create_with_every_argument(admin_client, admin):
    r = create(
        admin_client,
        locale=" en-US ",
        path=" /Docs/Install-Guide/ ",
        title="  Install guide  ",
        description=" How to install ",
        content=MARKDOWN,
        publishStartDate="2024-05-01T14:00:00+02:00",
        publishEndDate="2030-01-01T00:00:00.5Z",
        alias=" install-Guide_2 ",
        icon="  mdi-book ",
        tags=[" Setup ", "#Guide", "setup", "", "  ", "入门", "GUIDE", "#"],
        relations=[
            {"id": REL_1, "position": "left", "label": " Prev ", "target": " /docs/a "},
            {
                "id": REL_2.upper(),
                "position": "right",
                "label": "Next",
                "caption": " Then ",
                "icon": " mdi-arrow ",
                "target": "/docs/b",
            },
        ],
        tocDepth={"min": 1, "max": 3},
        **DISPLAY_FLAGS,
        isBrowsable=False,
        isSearchable=False,
        scriptCss="body { color: red; }",
        scriptJsLoad="load()",
        scriptJsUnload="unload()",
    )
    page = assert_ok(r)
    row = Page.objects.get()
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", page["id"]
    )
    who = {"id": str(admin.pk), "name": "Administrator", "email": "admin@example.com"}
    assert page == {
        "id": str(row.pk),
        "siteId": str(default_site().pk),
        "locale": "en-us",
        "path": "docs/install-guide",
        "hash": hashlib.sha1(b"en-us/docs/install-guide", usedforsecurity=False).hexdigest(),
        "alias": "install-Guide_2",
        "title": "Install guide",
        "description": "How to install",
        "icon": "mdi-book",
        "content": MARKDOWN,
        "contentType": "markdown",
        "editor": "markdown",
        "render": '<h1 id="install">Install</h1>\n<p>Intro  <strong>bold</strong></p>\n'
        '<h2 id="requirements">Requirements</h2>\n<h3 id="detail">Detail</h3>\n'
        '<h4 id="too-deep">Too deep</h4>\n<h2 id="steps">Steps</h2>\n',
        "toc": [
            {
                "label": "Install",
                "key": "install",
                "children": [
                    {
                        "label": "Requirements",
                        "key": "requirements",
                        "children": [{"label": "Detail", "key": "detail", "children": []}],
                    },
                    {"label": "Steps", "key": "steps", "children": []},
                ],
            }
        ],
        "tocDepth": {"min": 1, "max": 3},
        "tags": ["setup", "guide", "入门"],
        "relations": [
            {
                "id": REL_1,
                "position": "left",
                "label": "Prev",
                "caption": "",
                "icon": "",
                "target": "/docs/a",
            },
            {
                "id": REL_2,
                "position": "right",
                "label": "Next",
                "caption": "Then",
                "icon": "mdi-arrow",
                "target": "/docs/b",
            },
        ],
        "publishState": "published",
        "publishStartDate": "2024-05-01T12:00:00.000Z",
        "publishEndDate": "2030-01-01T00:00:00.500Z",
        "isBrowsable": False,
        "isSearchable": False,
        **DISPLAY_FLAGS,
        "scriptCss": "body { color: red; }",
        "scriptJsLoad": "load()",
        "scriptJsUnload": "unload()",
        "password": "",
        "navigationId": None,
        "navigationMode": "inherit",
        "author": who,
        "creator": who,
        "createdAt": page["createdAt"],
        "updatedAt": page["updatedAt"],
    }
    assert "<script" not in page["render"]
    assert DATE_FORMAT.match(page["createdAt"])
    assert DATE_FORMAT.match(page["updatedAt"])
    assert page["createdAt"] == row.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{row.created_at.microsecond // 1000:03d}Z"
    )
    # The row itself.
    assert (row.site_id, row.locale, row.path, row.hash) == (
        default_site().pk,
        "en-us",
        "docs/install-guide",
        page["hash"],
    )
    assert (row.author_id, row.creator_id, row.owner_id) == (admin.pk, admin.pk, admin.pk)
    assert row.config == {**DISPLAY_FLAGS, "tocDepth": {"min": 1, "max": 3}}
    assert row.scripts == {
        "css": "body { color: red; }",
        "jsLoad": "load()",
        "jsUnload": "unload()",
    }
    assert row.tags == ["setup", "guide", "入门"]
    assert row.relations == page["relations"]
    assert row.search_content == "Install Intro bold Requirements Detail Too deep Steps"
    assert row.password is None
    assert row.publish_state == "published"
    # Tag vocabulary and links.
    assert sorted(Tag.objects.values_list("site_id", "tag", "usage_count")) == sorted(
        (default_site().pk, tag, 1) for tag in ("setup", "guide", "入门")
    )
    assert sorted(PageTag.objects.values_list("page_id", "tag__tag")) == sorted(
        (row.pk, tag) for tag in ("setup", "guide", "入门")
    )


def test_known_tags_are_reused_and_counted(admin_client):
    assert_ok(create(admin_client, path="ant", tags=["setup", "one"]))
    assert_ok(create(admin_client, path="bee", tags=["SETUP", "two"]))
    other = Site.objects.create(hostname="other.example.com")
    assert_ok(create(admin_client, siteId=str(other.pk), path="ant", tags=["setup"]))
    counts = {(t.site_id == other.pk, t.tag): t.usage_count for t in Tag.objects.all()}
    assert counts == {
        (False, "setup"): 2,
        (False, "one"): 1,
        (False, "two"): 1,
        (True, "setup"): 1,
    }
    assert PageTag.objects.count() == 5


def test_defaults_when_optional_arguments_are_omitted(admin_client):
    page = assert_ok(create(admin_client, icon="   ", alias="  "))
    row = Page.objects.get()
    assert row.icon == ""
    assert row.alias is None
    assert {k: page[k] for k in ("icon", "alias", "tags", "relations", "tocDepth")} == {
        "icon": "las la-file-alt",
        "alias": None,
        "tags": [],
        "relations": [],
        "tocDepth": {"min": 1, "max": 2},
    }
    flags = ("allowComments", "allowContributions", "allowRatings", "showSidebar", "showTags")
    assert all(page[f] is True for f in (*flags, "showToc", "isBrowsable", "isSearchable"))
    assert (page["publishStartDate"], page["publishEndDate"]) == (None, None)
    assert (page["scriptCss"], page["scriptJsLoad"], page["scriptJsUnload"]) == ("", "", "")
    assert page["toc"] == [{"label": "Start", "key": "start", "children": []}]
    assert row.scripts == {"css": "", "jsLoad": "", "jsUnload": ""}
    assert Tag.objects.count() == 0


def test_toc_depth_defaults_to_the_site_setting(admin_client):
    site = default_site()
    site.config["defaults"] = {"tocDepth": {"min": 2, "max": 3}}
    site.save()
    page = assert_ok(create(admin_client, content="# A\n\n## B\n\n### C\n\n#### D"))
    assert page["tocDepth"] == {"min": 2, "max": 3}
    assert page["toc"] == [
        {"label": "B", "key": "b", "children": [{"label": "C", "key": "c", "children": []}]}
    ]
    assert Page.objects.get().config["tocDepth"] == {"min": 2, "max": 3}


@pytest.mark.parametrize(
    ("editor", "content", "content_type", "render"),
    [
        ("markdown", "*hi* <b>x</b>", "markdown", "<p><em>hi</em> <b>x</b></p>\n"),
        ("asciidoc", '<p onclick="x()">hi</p><script>x()</script>', "html", "<p>hi</p>"),
        ("wysiwyg", "<h2>Hi</h2><iframe src=x></iframe>", "html", '<h2 id="hi">Hi</h2>'),
        ("ckeditor", "<p>a</p><script>x()</script>", "html", "<p>a</p>"),
        ("code", "<p>a</p><script>x()</script>", "html", "<p>a</p>"),
        ("raw", "a < b <script>", "text", "<pre>a &lt; b &lt;script&gt;</pre>"),
        ("Markdown", "*hi*", "text", "<pre>*hi*</pre>"),
    ],
)
def test_editor_decides_content_type_and_render(
    admin_client, editor, content, content_type, render
):
    page = assert_ok(create(admin_client, editor=editor, content=content))
    assert (page["editor"], page["contentType"], page["render"]) == (editor, content_type, render)
    row = Page.objects.get()
    assert (row.content_type, row.render, row.content) == (content_type, render, content)


def test_api_key_pages_belong_to_the_root_administrator(admin, api_key_for, group_with):
    writers = group_with("read:pages", rules=[rule(roles=("read:pages", "write:pages"))])
    page = assert_ok(create(api_key_for(writers), path="by-key"))
    who = {"id": str(admin.pk), "name": "Administrator", "email": None}
    assert (page["author"], page["creator"]) == (who, who)
    row = Page.objects.get()
    assert (row.author_id, row.creator_id, row.owner_id) == (admin.pk, admin.pk, admin.pk)


def test_same_path_in_another_locale_or_site_is_not_a_duplicate(admin_client):
    assert_ok(create(admin_client, path="docs/x"))
    assert_ok(create(admin_client, path="docs/x", locale="de"))
    other = Site.objects.create(hostname="other.example.com")
    assert_ok(create(admin_client, path="docs/x", siteId=str(other.pk)))
    assert Page.objects.filter(path="docs/x").count() == 3


def test_alias_is_unique_per_site_not_per_locale(admin_client):
    PageFactory(path="first", alias="intro")
    refused(admin_client, "ERR_PAGE_DUPLICATE_ALIAS", alias=" intro ", tags=["new"])
    refused(admin_client, "ERR_PAGE_DUPLICATE_ALIAS", alias="intro", locale="de")


def test_alias_may_repeat_across_sites_and_case(admin_client):
    PageFactory(path="first", alias="intro")
    other = Site.objects.create(hostname="other.example.com")
    assert_ok(create(admin_client, alias="intro", siteId=str(other.pk)))
    assert_ok(create(admin_client, alias="Intro", path="second"))
    assert sorted(Page.objects.values_list("alias", flat=True)) == ["Intro", "intro", "intro"]


# --- Permission (write:pages at the new location) ---------------------------------------------
def test_users_without_write_pages_are_forbidden(user_client, api_key_for, group_with):
    PageFactory(path="taken")
    refused(user_client, "ERR_FORBIDDEN", path="taken")
    readers = group_with("read:pages", "write:pages", rules=[rule(roles=("read:pages",))])
    refused(api_key_for(readers), "ERR_FORBIDDEN", path="xyz", title="")


def test_write_rule_on_a_start_path(client_for, make_user, group_with):
    docs = group_with(rules=[rule(path="docs", roles=("write:pages",))])
    writer = client_for(make_user(groups=[docs]))
    assert_ok(create(writer, path="docs/x"))
    assert_ok(create(writer, path="Docs"))
    assert_ok(create(writer, path="docs2/y"))  # START is a plain prefix (API.md §3.4)
    refused(writer, "ERR_FORBIDDEN", path="other/x")
    refused(writer, "ERR_FORBIDDEN", path="doc")
    assert sorted(Page.objects.values_list("path", flat=True)) == ["docs", "docs/x", "docs2/y"]


def test_write_rule_limited_by_site_locale_and_deny(client_for, make_user, group_with):
    other = Site.objects.create(hostname="other.example.com")
    group = group_with(
        rules=[
            rule(path="", roles=("write:pages",), locales=("en",), sites=(default_site().pk,)),
            rule(mode="DENY", path="docs/secret", roles=("write:pages",)),
        ]
    )
    writer = client_for(make_user(groups=[group]))
    assert_ok(create(writer, path="docs/open"))
    refused(writer, "ERR_FORBIDDEN", path="docs/open", locale="de")
    refused(writer, "ERR_FORBIDDEN", path="docs/open", siteId=str(other.pk))
    refused(writer, "ERR_FORBIDDEN", path="docs/secret/x")


def test_tag_rule_is_judged_on_the_input_tags(client_for, make_user, group_with):
    group = group_with(rules=[rule(match="TAG", path="public, open", roles=("write:pages",))])
    writer = client_for(make_user(groups=[group]))
    page = assert_ok(create(writer, path="ant", tags=[" #Public ", "other"]))
    assert page["tags"] == ["public", "other"]
    refused(writer, "ERR_FORBIDDEN", path="bee", tags=["other"])
    refused(writer, "ERR_FORBIDDEN", path="cat")
    # Permission comes before tag validation: a bad tag next to an allowing one is step 12.
    refused(writer, "ERR_INVALID_INPUT", path="dog", tags=["open", "bad tag"])


# --- Scripts and styles are kept only with permission ------------------------------------------
SCRIPTS = {"scriptCss": "p{}", "scriptJsLoad": "on()", "scriptJsUnload": "off()"}


@pytest.mark.parametrize(
    ("roles", "stored"),
    [
        ((), {"css": "", "jsLoad": "", "jsUnload": ""}),
        (("write:styles",), {"css": "p{}", "jsLoad": "", "jsUnload": ""}),
        (("write:scripts",), {"css": "", "jsLoad": "on()", "jsUnload": "off()"}),
        (("write:styles", "write:scripts"), {"css": "p{}", "jsLoad": "on()", "jsUnload": "off()"}),
    ],
)
def test_scripts_need_their_roles(client_for, make_user, group_with, roles, stored):
    group = group_with(rules=[rule(roles=("write:pages", *roles))])
    page = assert_ok(create(client_for(make_user(groups=[group])), **SCRIPTS))
    assert (page["scriptCss"], page["scriptJsLoad"], page["scriptJsUnload"]) == (
        stored["css"],
        stored["jsLoad"],
        stored["jsUnload"],
    )
    assert Page.objects.get().scripts == stored


def test_script_roles_are_judged_at_the_page(client_for, make_user, group_with):
    group = group_with(
        rules=[rule(roles=("write:pages",)), rule(path="styled", roles=("write:styles",))]
    )
    writer = client_for(make_user(groups=[group]))
    assert assert_ok(create(writer, path="styled/a", **SCRIPTS))["scriptCss"] == "p{}"
    assert assert_ok(create(writer, path="plain/a", **SCRIPTS))["scriptCss"] == ""
