"""createPage checks in the contract's order (API.md §4.1.1, §4.1.3): every refusal carries its
key and leaves nothing behind; edge values that are valid are accepted."""

import pytest

from pages.models import Page
from tests.factories import PageFactory

from .test_create_page import REL_1, assert_ok, create, refused

pytestmark = pytest.mark.django_db

NIL = "00000000-0000-0000-0000-000000000000"
LONG = "x" * 256


def relation(**fields) -> dict:
    return {"id": REL_1, "position": "center", "label": "L", "target": "/t", **fields}


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"siteId": NIL}, "ERR_INVALID_SITE"),
        ({"siteId": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}, "ERR_INVALID_SITE"),
        *(
            ({"path": path}, "ERR_INVALID_PATH")
            for path in (
                "",
                "   ",
                "/",
                "///",
                "a//b",
                "docs/in stall",
                "docs/a.b",
                "docs/../x",
                "docs/ünï",
                "docs/a%20b",
                "docs\n/x",
                "docs/x\n/y",
                "docs/\ty",
                "en",
                "en/page",
                "EN-us/page",
                "fr-ca",
                "_hidden",
                "_hidden/x",
                # Single characters and route words are the server's addresses (§4.1.1).
                "e/en/home",
                " /Login/ ",
                "ADMIN/x",
                "a" * 256,
                "docs/" + "a" * 251,
            )
        ),
        *(
            ({"locale": locale}, "ERR_INVALID_INPUT")
            for locale in ("", " ", "e", "eng", "en_us", "en-usa", "12", "en-", "é")
        ),
        ({"alias": "a" * 256}, "ERR_PAGE_ALIAS_TOO_LONG"),
        ({"alias": "a b!" * 64 + "c"}, "ERR_PAGE_ALIAS_TOO_LONG"),
        ({"alias": "a b"}, "ERR_PAGE_INVALID_ALIAS"),
        ({"alias": "a/b"}, "ERR_PAGE_INVALID_ALIAS"),
        ({"alias": "café"}, "ERR_PAGE_INVALID_ALIAS"),
        ({"title": ""}, "ERR_PAGE_TITLE_MISSING"),
        ({"title": " \t "}, "ERR_PAGE_TITLE_MISSING"),
        ({"title": LONG}, "ERR_INVALID_INPUT"),
        ({"description": LONG}, "ERR_INVALID_INPUT"),
        ({"icon": LONG}, "ERR_INVALID_INPUT"),
        ({"content": ""}, "ERR_INVALID_INPUT"),
        ({"editor": " "}, "ERR_INVALID_INPUT"),
        ({"content": " \n\t "}, "ERR_INVALID_INPUT"),
        ({"publishState": "scheduled"}, "ERR_PAGE_MISSING_SCHEDULED_DATES"),
        (
            {"publishState": "scheduled", "publishStartDate": "2024-01-01T00:00:00Z"},
            "ERR_PAGE_MISSING_SCHEDULED_DATES",
        ),
        (
            {"publishState": "scheduled", "publishEndDate": "2024-01-01T00:00:00Z"},
            "ERR_PAGE_MISSING_SCHEDULED_DATES",
        ),
        (
            {
                "publishState": "scheduled",
                "publishStartDate": "2024-01-01T00:00:00Z",
                "publishEndDate": "2024-01-01T00:00:00Z",
            },
            "ERR_INVALID_INPUT",
        ),
        (
            {
                "publishState": "scheduled",
                "publishStartDate": "2024-01-01T12:00:00Z",
                "publishEndDate": "2024-01-01T13:00:00+02:00",
            },
            "ERR_INVALID_INPUT",
        ),
        *(
            ({"tocDepth": depth}, "ERR_PAGE_INVALID_TOC_DEPTH")
            for depth in (
                {"min": 0, "max": 2},
                {"min": 1, "max": 7},
                {"min": -1, "max": 2},
                {"min": 7, "max": 7},
                {"min": 3, "max": 2},
            )
        ),
        ({"relations": [relation(label="")]}, "ERR_PAGE_RELATION_LABEL_MISSING"),
        ({"relations": [relation(label="  ")]}, "ERR_PAGE_RELATION_LABEL_MISSING"),
        ({"relations": [relation(label=LONG)]}, "ERR_PAGE_RELATION_LABEL_TOOLONG"),
        ({"relations": [relation(icon=LONG)]}, "ERR_PAGE_RELATION_ICON_INVALID"),
        ({"relations": [relation(target="")]}, "ERR_PAGE_RELATION_TARGET_INVALID"),
        ({"relations": [relation(target="   ")]}, "ERR_PAGE_RELATION_TARGET_INVALID"),
        ({"relations": [relation(target="t" * 1025)]}, "ERR_PAGE_RELATION_TARGET_INVALID"),
        (
            {"relations": [relation(), relation(target=""), relation(label="")]},
            "ERR_PAGE_RELATION_TARGET_INVALID",
        ),
        *(
            ({"tags": ["fine", tag]}, "ERR_INVALID_INPUT")
            for tag in ("a b", "tag!", "ü", "a_b", "a.b", "a/b", "t" * 256, "😀")
        ),
    ],
)
def test_refused_input(admin_client, overrides, key):
    refused(admin_client, key, **{"tags": ["fresh"], **overrides})


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"path": "Docs/Setup"}, {"path": "docs/setup"}),
        ({"path": " //abc/d// "}, {"path": "abc/d"}),
        ({"path": "/" + "a" * 255 + "/"}, {"path": "a" * 255}),
        ({"path": "eng/x"}, {"path": "eng/x"}),
        ({"path": "en_us/x"}, {"path": "en_us/x"}),
        ({"path": "x1/_y/en"}, {"path": "x1/_y/en"}),
        ({"path": "a-b_c/0-9"}, {"path": "a-b_c/0-9"}),
        ({"locale": "EN"}, {"locale": "en"}),
        ({"locale": " pt-BR "}, {"locale": "pt-br"}),
        ({"alias": "a" * 255}, {"alias": "a" * 255}),
        ({"title": " " + "t" * 255 + " "}, {"title": "t" * 255}),
        (
            {"description": "d" * 255, "icon": "i" * 255},
            {"description": "d" * 255, "icon": "i" * 255},
        ),
        ({"tocDepth": {"min": 6, "max": 6}}, {"tocDepth": {"min": 6, "max": 6}}),
        (
            {"tags": ["  #A-b#1 ", "中文", "㐀", "x" * 255]},
            {"tags": ["a-b1", "中文", "㐀", "x" * 255]},
        ),
        (
            {"relations": [relation(label="l" * 255, icon="i" * 255, target="t" * 1024)]},
            {
                "relations": [
                    {
                        "id": REL_1,
                        "position": "center",
                        "label": "l" * 255,
                        "caption": "",
                        "icon": "i" * 255,
                        "target": "t" * 1024,
                    }
                ]
            },
        ),
        (
            # Offsets are honoured: 12:00+02:00 is before 11:00Z.
            {
                "publishState": "scheduled",
                "publishStartDate": "2024-05-01T12:00:00+02:00",
                "publishEndDate": "2024-05-01T11:00:00Z",
            },
            {
                "publishState": "scheduled",
                "publishStartDate": "2024-05-01T10:00:00.000Z",
                "publishEndDate": "2024-05-01T11:00:00.000Z",
            },
        ),
        (
            # Dates are kept with any state; only "scheduled" needs both.
            {"publishState": "draft", "publishEndDate": "2024-05-01T11:00:00-03:30"},
            {
                "publishState": "draft",
                "publishStartDate": None,
                "publishEndDate": "2024-05-01T14:30:00.000Z",
            },
        ),
    ],
)
def test_accepted_edge_input(admin_client, overrides, expected):
    page = assert_ok(create(admin_client, **overrides))
    assert {k: page[k] for k in expected} == expected
    assert Page.objects.count() == 1


def test_duplicate_path_after_normalisation(admin_client):
    PageFactory(path="docs/x", locale="en")
    refused(admin_client, "ERR_PAGE_DUPLICATE_PATH", path=" /Docs/X/ ", locale="EN", tags=["n"])


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"siteId": NIL, "path": "/"}, "ERR_INVALID_SITE"),
        ({"path": "a//b", "locale": "xxx"}, "ERR_INVALID_PATH"),
        ({"locale": "xxx", "path": "taken", "alias": "a b"}, "ERR_INVALID_INPUT"),
        ({"path": "taken", "alias": "a b", "title": ""}, "ERR_PAGE_DUPLICATE_PATH"),
        ({"alias": "taken", "title": ""}, "ERR_PAGE_DUPLICATE_ALIAS"),
        ({"alias": "a b", "title": ""}, "ERR_PAGE_INVALID_ALIAS"),
        ({"title": "", "content": ""}, "ERR_PAGE_TITLE_MISSING"),
        ({"icon": LONG, "publishState": "scheduled"}, "ERR_INVALID_INPUT"),
        ({"content": " ", "publishState": "scheduled"}, "ERR_INVALID_INPUT"),
        (
            {"publishState": "scheduled", "tocDepth": {"min": 0, "max": 9}},
            "ERR_PAGE_MISSING_SCHEDULED_DATES",
        ),
        (
            {"tocDepth": {"min": 0, "max": 9}, "relations": [relation(label="")]},
            "ERR_PAGE_INVALID_TOC_DEPTH",
        ),
        (
            {"relations": [relation(label="")], "tags": ["bad tag"]},
            "ERR_PAGE_RELATION_LABEL_MISSING",
        ),
    ],
)
def test_the_first_failing_check_decides(admin_client, overrides, key):
    PageFactory(path="taken", alias="taken")
    refused(admin_client, key, **{"tags": ["fresh"], **overrides})


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"siteId": NIL}, "ERR_INVALID_SITE"),
        ({"path": "en/x"}, "ERR_INVALID_PATH"),
        ({"locale": "english"}, "ERR_INVALID_INPUT"),
        ({"path": "taken"}, "ERR_NOT_AUTHENTICATED"),
        ({"title": "", "tags": ["bad tag"]}, "ERR_NOT_AUTHENTICATED"),
    ],
)
def test_guest_is_told_to_authenticate_after_the_location_checks(anonymous, overrides, key):
    PageFactory(path="taken")
    refused(anonymous, key, **overrides)
