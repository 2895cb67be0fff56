"""The shapes of site, system, localization and navigation match Wiki.js 2.5's schema exactly
(API-v2.md §1.1: clients validate their operations against the downloaded schema)."""

from __future__ import annotations

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType, build_schema

from api.v2.schema import schema

# Wiki.js 2.5's definitions (server/graph/schemas/*.graphql), trimmed to what is offered.
WIKIJS2_SDL = """
scalar Date
type Query { _x: Int }
type SiteQuery { config: SiteConfig }
type SiteConfig {
  host: String
  title: String
  description: String
  robots: [String]
  analyticsService: String
  analyticsId: String
  company: String
  contentLicense: String
  footerOverride: String
  logoUrl: String
  pageExtensions: String
  authAutoLogin: Boolean
  authEnforce2FA: Boolean
  authHideLocal: Boolean
  authLoginBgUrl: String
  authJwtAudience: String
  authJwtExpiration: String
  authJwtRenewablePeriod: String
  editFab: Boolean
  editMenuBar: Boolean
  editMenuBtn: Boolean
  editMenuExternalBtn: Boolean
  editMenuExternalName: String
  editMenuExternalIcon: String
  editMenuExternalUrl: String
  featurePageRatings: Boolean
  featurePageComments: Boolean
  featurePersonalWikis: Boolean
  securityOpenRedirect: Boolean
  securityIframe: Boolean
  securityReferrerPolicy: Boolean
  securityTrustProxy: Boolean
  securitySRI: Boolean
  securityHSTS: Boolean
  securityHSTSDuration: Int
  securityCSP: Boolean
  securityCSPDirectives: String
  uploadMaxFileSize: Int
  uploadMaxFiles: Int
  uploadScanSVG: Boolean
  uploadForceDownload: Boolean
}
type SystemQuery { info: SystemInfo }
type SystemInfo {
  configFile: String
  cpuCores: Int
  currentVersion: String
  dbHost: String
  dbType: String
  dbVersion: String
  groupsTotal: Int
  hostname: String
  httpPort: Int
  httpRedirection: Boolean
  httpsPort: Int
  latestVersion: String
  latestVersionReleaseDate: Date
  nodeVersion: String
  operatingSystem: String
  pagesTotal: Int
  platform: String
  ramTotal: String
  sslDomain: String
  sslExpirationDate: Date
  sslProvider: String
  sslStatus: String
  sslSubscriberEmail: String
  tagsTotal: Int
  telemetry: Boolean
  telemetryClientId: String
  upgradeCapable: Boolean
  usersTotal: Int
  workingDirectory: String
}
type LocalizationQuery {
  locales: [LocalizationLocale]
  config: LocalizationConfig
  translations(locale: String!, namespace: String!): [Translation]
}
type LocalizationLocale {
  availability: Int!
  code: String!
  createdAt: Date!
  installDate: Date
  isInstalled: Boolean!
  isRTL: Boolean!
  name: String!
  nativeName: String!
  updatedAt: Date!
}
type LocalizationConfig {
  locale: String!
  autoUpdate: Boolean!
  namespacing: Boolean!
  namespaces: [String]!
}
type Translation {
  key: String!
  value: String!
}
type NavigationQuery {
  tree: [NavigationTree]!
  config: NavigationConfig!
}
type ResponseStatus { succeeded: Boolean! errorCode: Int! slug: String! message: String }
type DefaultResponse { responseResult: ResponseStatus }
type NavigationMutation {
  updateTree(tree: [NavigationTreeInput]!): DefaultResponse
  updateConfig(mode: NavigationMode!): DefaultResponse
}
type NavigationTree {
  locale: String!
  items: [NavigationItem]!
}
input NavigationTreeInput {
  locale: String!
  items: [NavigationItemInput]!
}
type NavigationItem {
  id: String!
  kind: String!
  label: String
  icon: String
  targetType: String
  target: String
  visibilityMode: String
  visibilityGroups: [Int]
}
input NavigationItemInput {
  id: String!
  kind: String!
  label: String
  icon: String
  targetType: String
  target: String
  visibilityMode: String
  visibilityGroups: [Int]
}
type NavigationConfig {
  mode: NavigationMode!
}
enum NavigationMode {
  NONE
  TREE
  MIXED
  STATIC
}
"""
REFERENCE = build_schema(WIKIJS2_SDL)
OURS = schema.graphql_schema
NAMES = sorted(
    name
    for name, kind in REFERENCE.type_map.items()
    if not name.startswith("__")
    and name not in ("Query", "Date", "String", "Int", "Boolean")
    and isinstance(kind, GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType)
)


def shape(named) -> dict:
    if isinstance(named, GraphQLEnumType):
        return {"values": sorted(named.values)}
    fields = {}
    for name, field in named.fields.items():
        arguments = {arg: str(a.type) for arg, a in getattr(field, "args", {}).items()}
        fields[name] = (str(field.type), arguments)
    return fields


@pytest.mark.parametrize("name", NAMES)
def test_type_matches_wikijs2(name):
    assert name in OURS.type_map, name
    assert shape(OURS.type_map[name]) == shape(REFERENCE.type_map[name])


def test_root_fields():
    assert str(OURS.query_type.fields["site"].type) == "SiteQuery"
    assert str(OURS.query_type.fields["system"].type) == "SystemQuery"
    assert str(OURS.query_type.fields["localization"].type) == "LocalizationQuery"
    assert str(OURS.query_type.fields["navigation"].type) == "NavigationQuery"
    assert str(OURS.mutation_type.fields["navigation"].type) == "NavigationMutation"
