"""Root query fields of sites (API.md §4.7). Public."""

import graphene

from wiki.models import Site as SiteModel
from wiki.sites import site_for_hostname

from ..core.execution import computed, fast_list
from ..core.scalars import UUID
from .types import Site, public_config


class SiteQueries(graphene.ObjectType):
    sites = graphene.List(Site, description="All sites, ordered by hostname.")
    site_by_id = graphene.Field(
        Site,
        id=graphene.Argument(UUID, required=True, description="Site id."),
        description="One site, or null.",
    )
    site_by_hostname = graphene.Field(
        Site,
        hostname=graphene.String(required=True, description="Host name."),
        exact=graphene.Boolean(required=True, description="When false, fall back to the * site."),
        description="The site serving a host name.",
    )

    @staticmethod
    @fast_list(SiteModel, computed={"config": computed("config", compute=public_config)})
    def resolve_sites(root, info):
        return SiteModel.objects.order_by("hostname")

    @staticmethod
    def resolve_site_by_id(root, info, id):
        return SiteModel.objects.filter(pk=id).first()

    @staticmethod
    def resolve_site_by_hostname(root, info, hostname, exact):
        return site_for_hostname(hostname.strip().lower(), exact=exact)
