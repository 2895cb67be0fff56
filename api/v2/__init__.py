"""The Wiki.js 2 GraphQL API at ``/graphql`` (API-v2.md): an adapter onto the same domain.

Every resolver here converts Wiki.js 2's arguments (integer ids, booleans, date strings),
checks the operation's gate (``gates.py``), calls the services that ``/_graphql`` calls, and
renders results and failures in the Wiki.js 2 dialect (``dialect.py``). No business rule
lives in this package.
"""
