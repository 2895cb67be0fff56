"""The GraphQL documents the soak's clients send (API.md §4.1, §4.2)."""

OPERATION = "operation { succeeded slug message }"

SITES = "{ sites { id } }"
LOCAL_STRATEGY_ID = "5a528c4c-0a82-4ad2-96a5-2b23811e6588"
LOGIN = (
    "mutation ($siteId: UUID!, $email: String!, $password: String!) { login(username: $email,"
    f' password: $password, strategyId: "{LOCAL_STRATEGY_ID}", siteId: $siteId) {{ '
    + OPERATION
    + " jwt } }"
)
CREATE_PAGE = (
    "mutation ($siteId: UUID!, $path: String!, $title: String!, $content: String!,"
    ' $tags: [String!]) { createPage(siteId: $siteId, locale: "en", path: $path, title: $title,'
    ' description: "soak", content: $content, editor: "markdown", publishState: published,'
    " tags: $tags) { " + OPERATION + " page { id path } } }"
)
UPDATE_PAGE = (
    "mutation ($id: UUID!, $patch: PageUpdateInput!) { updatePage(id: $id, patch: $patch) { "
    + OPERATION
    + " page { id title content } } }"
)
MOVE_PAGE = (
    'mutation ($id: UUID!, $path: String!) { movePage(id: $id, destinationLocale: "en",'
    " destinationPath: $path) { " + OPERATION + " } }"
)
DELETE_PAGE = "mutation ($id: UUID!) { deletePage(id: $id) { " + OPERATION + " } }"
CREATE_FOLDER = (
    "mutation ($siteId: UUID!, $parentPath: String, $pathName: String!, $title: String!) {"
    ' createFolder(siteId: $siteId, locale: "en", parentPath: $parentPath, pathName: $pathName,'
    " title: $title) { " + OPERATION + " } }"
)
PAGE_BY_ID = "query ($id: UUID!) { pageById(id: $id) { id path title content tags updatedAt } }"
PAGE_BY_PATH = (
    "query ($siteId: UUID!, $path: String!) { pageByPath(siteId: $siteId, path: $path) {"
    " id path title } }"
)
SEARCH_PAGES = (
    "query ($siteId: UUID!, $query: String!) { searchPages(siteId: $siteId, query: $query,"
    ' path: "soak", limit: 20) { totalHits results { id path title } } }'
)
PAGES = (
    "query { pages(limit: 50, orderBy: UPDATED, orderByDirection: DESC) { id path title tags } }"
)
TREE = (
    "query ($siteId: UUID!, $parentPath: String) { tree(siteId: $siteId, parentPath: $parentPath,"
    ' locale: "en", limit: 100) { __typename id folderPath fileName title'
    " ... on TreeItemFolder { childrenCount } } }"
)
PAGE_HISTORY = (
    "query ($id: UUID!) { pageHistoryById(id: $id, offsetSize: 5) {"
    " total trail { versionId actionType } } }"
)
