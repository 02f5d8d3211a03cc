"""Matching items to national guideline items and to statutory clauses.

In order of trust:

1. an explicit code — the guideline code a template carries (``YWJY-006``), or a clause the item cites
   in its 公开依据 (“条例第二十条第（七）项”);
2. the normalised name — the item's 事项 names equal a guideline item's, or a clause keyword appears
   in the item's own text (name, category, domain, content);
3. fuzzy candidates (rapidfuzz) — reported as *needs review* with their score and **never** counted
   as coverage.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from zwgk.validators.normalise import fold, name_key
from zwgk.validators.reference import GuidelineItem, Reference, StatutoryClause

FUZZY_CUTOFF = 70.0  # below this rapidfuzz's ratio is noise for short Chinese names
CLAUSE_FUZZY_CUTOFF = 60.0
CANDIDATES_PER_CLAUSE = 3

_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CITED = re.compile(r"第二十(一)?条\s*第?\s*[（(]?\s*([一二三四五六七八九十]{1,3})\s*[）)]?\s*项?")
_CODE = re.compile(r"^[A-Z]{2,8}-\d{3}$")


@dataclass(frozen=True, slots=True)
class Match:
    target: str  # guideline code or clause id
    method: str  # code | name | fuzzy
    score: float
    counted: bool


def _numeral(text: str) -> int:
    """一 → 1, 十五 → 15, 二十 → 20 (enough for clause numbers)."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _NUMERALS.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _NUMERALS.get(tens, 0) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)
    return _NUMERALS.get(text, 0)


def _names_key(level1: str | None, level2: str | None, level3: str | None) -> tuple[str, str, str]:
    """(full key, leaf key, level-1 key) of an item's 事项 names."""
    parts = [name_key(x) for x in (level1, level2, level3) if x]
    parts = [p for p in parts if p]
    if not parts:
        return "", "", ""
    return "".join(parts), parts[-1], parts[0]


class GuidelineMatcher:
    """An item's national guideline items, within its (pilot) domain."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.by_code: dict[str, GuidelineItem] = {g.code: g for g in reference.guideline_items}
        self._domain: dict[str, list[tuple[GuidelineItem, str, str, str]]] = defaultdict(list)
        for g in reference.guideline_items:
            self._domain[g.domain].append((g, *_names_key(g.level1, g.level2, g.level3)))
        self._leaf_count: dict[str, Counter[str]] = {
            d: Counter(leaf for _, _, leaf, _ in rows) for d, rows in self._domain.items()
        }
        self._choices: dict[str, list[str]] = {d: [full for _, full, _, _ in rows] for d, rows in self._domain.items()}
        self._memo: dict[tuple[str | None, ...], tuple[Match, ...]] = {}

    def code(self, text: str | None) -> str | None:
        """The known guideline code ``text`` denotes (width and case folded), else None."""
        if not text:
            return None
        code = fold(text).upper().replace(" ", "").replace("_", "-")
        return code if _CODE.match(code) and code in self.by_code else None

    def match(self, domain: str | None, level1: str | None, level2: str | None, level3: str | None,
              guideline_code: str | None) -> tuple[Match, ...]:
        """Guideline matches of an item (the same names recur across units: answers are memoised)."""
        key = (domain, level1, level2, level3, guideline_code)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(self._match(domain, level1, level2, level3, guideline_code))
        return found

    def _match(self, domain: str | None, level1: str | None, level2: str | None, level3: str | None,
               guideline_code: str | None) -> list[Match]:
        found: list[Match] = []
        code = self.code(guideline_code)
        if code is not None:
            found.append(Match(code, "code", 100.0, True))
        rows = self._domain.get(domain or "")
        if not rows:
            return found
        full, leaf, first = _names_key(level1, level2, level3)
        if not full:
            return found
        named = [
            g.code for g, g_full, g_leaf, g_first in rows
            if g.code != code and (full == g_full or (leaf == g_leaf and (self._leaf_count[g.domain][g_leaf] == 1 or first == g_first)))
        ]
        found.extend(Match(c, "name", 100.0, True) for c in named)
        if found:
            return found
        best = process.extractOne(full, self._choices[domain or ""], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is not None:
            found.append(Match(rows[best[2]][0].code, "fuzzy", round(float(best[1]), 1), False))
        return found


class ClauseMatcher:
    """The statutory clauses an item satisfies: a cited clause, or a clause keyword in the item's text."""

    def __init__(self, reference: Reference) -> None:
        self.reference = reference
        self.clauses: dict[str, StatutoryClause] = {c.id: c for c in reference.clauses}
        keywords: dict[str, set[str]] = defaultdict(set)
        for c in reference.clauses:
            for kw in c.keywords:
                k = name_key(kw)
                if k:
                    keywords[k].add(c.id)
        # The pattern below finds the longest keyword starting at each position; a shorter keyword that is
        # a prefix of it starts there too, so the longer one carries the shorter one's clauses as well.
        self._clauses_of: dict[str, frozenset[str]] = {
            k: frozenset().union(*(ids for other, ids in keywords.items() if k.startswith(other)))
            for k in keywords
        }
        alternatives = sorted(keywords, key=lambda k: (-len(k), k))
        self._pattern = re.compile("(?=(" + "|".join(re.escape(k) for k in alternatives) + "))") if alternatives else None
        self._memo: dict[str, frozenset[str]] = {}

    def keywords_in(self, text: str | None, *, memo: bool = True) -> frozenset[str]:
        """Clause ids whose keywords occur in ``text`` (names recur, so their answers are memoised)."""
        if not text or self._pattern is None:
            return frozenset()
        found = self._memo.get(text) if memo else None
        if found is None:
            found = frozenset(cid for m in self._pattern.finditer(name_key(text)) for cid in self._clauses_of[m.group(1)])
            if memo:
                self._memo[text] = found
        return found

    def match(self, *, text_parts: Iterable[str | None], cited_in: Iterable[str | None], township: bool,
              content: str | None = None) -> list[Match]:
        """Clauses the item satisfies.  ``township``: the item's unit is a 街镇 (第二十一条 second list).

        Each text is searched on its own: a keyword never spans the end of one cell and the start of the next.
        """
        ids: dict[str, str] = {}
        for text in cited_in:
            if not text:
                continue
            for m in _CITED.finditer(fold(text)):
                n = _numeral(m.group(2))
                cid = (f"art21-{'township' if township else 'district'}-{n}" if m.group(1) else f"art20-{n}")
                if cid in self.clauses:
                    ids.setdefault(cid, "code")
        named: set[str] = set()
        for text in text_parts:
            named |= self.keywords_in(text)
        named |= self.keywords_in(content, memo=False)
        for cid in sorted(named):
            ids.setdefault(cid, "name")
        out = []
        for cid in sorted(ids):
            scope = self.clauses[cid].scope
            if scope == "township" and not township:
                continue  # 第二十一条's 乡镇 list speaks of 乡镇 only
            out.append(Match(cid, ids[cid], 100.0, True))
        return out


def clause_candidates(clause: StatutoryClause, names: Sequence[str], ids: Sequence[str],
                      limit: int = CANDIDATES_PER_CLAUSE) -> list[tuple[str, float]]:
    """The items whose names most resemble an uncovered clause: (item id, score), for review only."""
    if not names:
        return []
    query = name_key(clause.text)
    hits = process.extract(query, names, scorer=fuzz.partial_ratio, limit=limit, score_cutoff=CLAUSE_FUZZY_CUTOFF)
    return [(ids[i], round(float(score), 1)) for _, score, i in hits]
