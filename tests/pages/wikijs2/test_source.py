"""Reading a Wiki.js 2 database: both engines give the same normalised rows."""

import pytest

from pages.wikijs2.source import SourceError, open_source
from tests.pages.wikijs2.conftest import ENGINES
from tests.wikijs2.builder import rule


@ENGINES
def test_rows_read_alike_from_both_engines(wikijs2):
    group = wikijs2.add_group("Editors", ["read:pages"], [rule("r1", ["read:pages"], "START", "a")])
    wikijs2.add_page("a/b", "B", tags=["x", "y"])
    with open_source(wikijs2.url) as source:
        groups = source.all_rows("groups")
        assert [g["id"] for g in groups] == [1, 2, group]
        assert groups[-1]["pageRules"][0]["id"] == "r1"
        assert groups[0]["isSystem"] is True
        (page,) = source.all_rows("pages")
        assert page["isPublished"] is True
        assert page["toc"][0]["title"] == "B"
        assert source.setting("title") == "Acme Wiki"
        assert source.setting("sessionSecret") == wikijs2.passphrase
        assert "Proc-Type: 4,ENCRYPTED" in source.setting("certs")["private"]
        assert len(source.rows_where_in("pageTags", "pageId", [page["id"]])) == 2


@ENGINES
def test_batches_walk_the_table_in_id_order(wikijs2):
    for n in range(7):
        wikijs2.add_tag(f"t{n}")
    with open_source(wikijs2.url) as source:
        seen = [[row["tag"] for row in batch] for batch in source.batches("tags", 3)]
    assert seen == [["t0", "t1", "t2"], ["t3", "t4", "t5"], ["t6"]]


@ENGINES
def test_the_source_refuses_writes(wikijs2):
    with open_source(wikijs2.url) as source, pytest.raises(SourceError):
        source.query('DELETE FROM "tags"')


def test_an_unreachable_source_is_a_clear_error():
    with pytest.raises(SourceError, match="cannot connect"):
        open_source("postgres://postgres@127.0.0.1:1/nothing")


def test_a_missing_sqlite_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        open_source(f"sqlite:///{tmp_path}/missing.sqlite")


def test_an_unknown_scheme_is_refused():
    with pytest.raises(SourceError, match="unsupported source"):
        open_source("mysql://root@127.0.0.1/wiki")


def test_a_password_never_reaches_the_messages():
    with pytest.raises(SourceError) as refused:
        open_source("postgres://postgres:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(refused.value)
