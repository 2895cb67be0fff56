"""REGEX page rules on RE2: linear-time matching, and which patterns a rule may hold.

The local strategy's allowed-email pattern (``accounts.registration``) is compiled here too,
with the same limits, ignoring case.

Python's ``re`` backtracks: ``(a|aa)+$`` against a 33-character path takes seconds, and every
``pages`` list runs the caller's REGEX rules over every path (API.md §3.4). RE2 compiles a
pattern into an automaton and answers in time linear in the path whatever the pattern, so no
"catastrophic pattern" test is needed. The price is syntax: RE2 has no backreferences,
lookaround, atomic groups, possessive quantifiers, ``(?#...)`` comments or ``\\Z`` (RE2 writes
it ``\\z``), and caps a repetition count at 1000. Such a pattern is refused when a rule is
saved (``rule_regex_problem``); a stored one fails closed (``accounts.permissions.PageRule``).

The permission engine (``can_at``) and the SQL translators (which decide REGEX rules over the
distinct paths, see ``pages.visibility``) both call ``search`` here, so a rule means the same
in both places.
"""

from __future__ import annotations

from collections.abc import Iterable

import re2

# A compiled pattern may use this much memory (program and DFA cache); one that needs more is
# refused. RE2's default is 8 MiB; page path patterns need a few KiB.
MAX_MEMORY = 1 << 20


def _options(*, ignore_case: bool = False) -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEMORY
    # A refused pattern is an answer, not an incident: RE2 would log it to stderr.
    options.log_errors = False
    # Rules only ask "is there a match": without groups RE2 answers with its DFA alone.
    options.never_capture = True
    options.case_sensitive = not ignore_case
    return options


_OPTIONS = _options()
_OPTIONS_IGNORING_CASE = _options(ignore_case=True)


class RuleRegex:
    """A compiled REGEX rule pattern with search semantics (a match anywhere in the path)."""

    __slots__ = ("pattern", "compiled")

    def __init__(self, pattern: str, compiled) -> None:
        self.pattern = pattern
        self.compiled = compiled  # the RE2 object

    def search(self, path: str) -> bool:
        # Bytes in, bytes out: the same answer as for ``str`` (both are UTF-8 to RE2) without
        # the wrapper mapping match offsets back to characters, which rules never read.
        return self.compiled.search(path.encode("utf-8", "surrogatepass")) is not None

    def matching(self, paths: Iterable[str]) -> list[str]:
        """The paths it finds a match in, in their order."""
        search = self.compiled.search
        return [p for p in paths if search(p.encode("utf-8", "surrogatepass")) is not None]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleRegex) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"RuleRegex({self.pattern!r})"


def _compile(pattern: str, *, ignore_case: bool = False):
    """RE2's compiled pattern; raises ``re2.error`` (or UnicodeEncodeError) when refused."""
    # ``re2.compile`` keeps an LRU cache keyed by pattern and options, so the same rule held by
    # many cached policies is compiled once.
    options = _OPTIONS_IGNORING_CASE if ignore_case else _OPTIONS
    return re2.compile(pattern.encode("utf-8"), options)


def pattern_problem(pattern: str, refusal: str, *, ignore_case: bool = False) -> str | None:
    """Why RE2 refuses ``pattern`` (``refusal``, then RE2's reason), or None when it compiles."""
    try:
        _compile(pattern, ignore_case=ignore_case)
    except UnicodeEncodeError:
        return "the pattern is not valid Unicode text"
    except re2.error as error:
        reason = error.args[0] if error.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return f"{refusal} (RE2 syntax): {reason}"
    return None


def rule_regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a REGEX rule (a message for the editor), or None when it can."""
    if not isinstance(pattern, str):
        return "the pattern must be text"
    return pattern_problem(pattern, "not a regular expression rules support")


def is_supported_rule_regex(pattern: str) -> bool:
    """Whether a REGEX rule may hold ``pattern`` (the group-rule validator asks this)."""
    return rule_regex_problem(pattern) is None


def compile_rule_regex(pattern: str, *, ignore_case: bool = False) -> RuleRegex | None:
    """The linear-time matcher for ``pattern``; None when RE2 cannot express it."""
    if not isinstance(pattern, str):
        return None
    try:
        return RuleRegex(pattern, _compile(pattern, ignore_case=ignore_case))
    except (re2.error, UnicodeEncodeError):
        return None
