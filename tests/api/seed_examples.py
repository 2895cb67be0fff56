"""The examples of the seed document, character for character (line breaks included).

Used by test_seed.py (every example against an Administrators API key) and by the tests of
the single operations that check their seed example verbatim.
"""

SEED_ID = "dc0d23e6-3309-42a7-9742-6317e9a4ba7f"

SEED_PAGES = """{
pages (orderBy: TITLE) {
id
path
title
}
}"""

SEED_PAGE_BY_ID = """{
pageById (id: "dc0d23e6-3309-42a7-9742-6317e9a4ba7f") {
path
title
createdAt
updatedAt
}
}"""

SEED_GROUPS = """{
groups {
id
name
}
}"""

SEED_USERS = """{
users (query: "john") {
id
name
email
}
}"""

SEED_CREATE_USER = """mutation {
createUser (
email: "john.doe@example.com"
name: "John Doe"
passwordRaw: "Password123"
providerKey: "local"
groups: [
"dc0d23e6-3309-42a7-9742-6317e9a4ba7f"
]
mustChangePassword: true
sendWelcomeEmail: false
) {
operation {
succeeded
message
}
user {
id
}
}
}"""
