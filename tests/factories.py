"""Factories for the models tests need; they go through the models' own save()."""

import uuid

import factory
from django.utils import timezone

from accounts.models import USERS_GROUP_ID, Group, User
from pages.models import Page
from wiki.models import Site


def default_site() -> Site:
    return Site.objects.get(hostname="*")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n:03d}")
    is_active = True
    is_verified = True
    password = factory.django.Password("Password123")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if not create:
            return
        self.groups.add(USERS_GROUP_ID, *(extracted or []))


def rule(
    mode="ALLOW", match="START", path="", roles=("read:pages",), locales=(), sites=(), name="rule"
):
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "mode": mode,
        "match": match,
        "roles": list(roles),
        "path": path,
        "locales": list(locales),
        "sites": [str(s) for s in sites],
    }


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n:03d}")
    permissions = factory.LazyFunction(lambda: ["read:pages"])
    rules = factory.LazyFunction(list)


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    site = factory.LazyFunction(default_site)
    locale = "en"
    path = factory.Sequence(lambda n: f"page-{n:04d}")
    title = factory.Sequence(lambda n: f"Page {n:04d}")
    description = ""
    content = "# Hello\n\nSome text."
    render = "<h1>Hello</h1><p>Some text.</p>"
    publish_state = "published"
    author = factory.SubFactory(UserFactory)
    creator = factory.SelfAttribute("author")
    owner = factory.SelfAttribute("author")
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
