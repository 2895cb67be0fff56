"""A sample folder for the tests of the Markdown import: nested folders, front matter
variants, unicode, a locale folder, and entries the import leaves out."""

from __future__ import annotations

from pathlib import Path

SAMPLE = {
    "index.md": "# Welcome\n\nThe home page.\n",
    "docs/Install Guide.md": (
        "---\n"
        "title: Installing\n"
        "description: From zero to running\n"
        "tags: [Setup, guide]\n"
        "---\n"
        "\n"
        "Run `make`.\n"
    ),
    "docs/index.md": "The docs folder's own page.\n",
    "docs/Deep/Café Notes.md": (
        "---\ntitle: Café crème ☕\ntags:\n  - Drinks\n  - 日本\npublished: no\n---\nÜnïcödé body 😀\n"
    ),
    "fr/guide/intro.md": "---\ntags: guide, intro\n---\n# Introduction\n\nBonjour.\n",
    "notes.txt": "not Markdown",
    ".hidden/secret.md": "# Hidden\n",
    "docs/image.png": "\x89PNG",
}


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return root
