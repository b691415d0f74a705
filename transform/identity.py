"""Identity across years: the same project (and indicator) gets the same id in every year.

How (deterministic, never dependent on the order files arrive in):

1. Names are normalized (half-width, no white space or punctuation, year mentions and a leading
   budget code such as ``51000021R000000019951-`` dropped) and
   reduced to a *core* by stripping generic suffixes (:data:`GENERIC_SUFFIXES`: 劳动保护项目 →
   劳动保护). Names within one department whose cores are equal form one node (unless two of them
   were printed in the same year: then they are different projects and stay apart).
2. The committed override file (:data:`OVERRIDES_PATH`) forces a name onto a canonical name, or
   keeps it apart from every other name (canonical name = reported name).
3. Remaining nodes are matched with rapidfuzz (``fuzz.ratio`` on the cores, at least
   :data:`PROJECT_THRESHOLD`); pairs are merged best score first, ties broken by the names, and
   never when the two were printed in the same year.
4. Each cluster's canonical key is the override's, else the core of the name printed in the
   earliest year (then: printed in more years, shorter, alphabetical). The id is a short hash of
   department + canonical key, so a set of documents gives the same ids whatever their order; a
   rename such as 劳动保护 → 劳动保护项目 keeps its id even when one year is seen alone.

Indicators: the same within one project and 一级指标 (level1), on the normalized 三级指标 name
(no suffix stripping: 完成率 and 完成数 differ), with :data:`INDICATOR_THRESHOLD`.

:func:`load_overrides` is the only function here that reads a file; everything else is pure and
takes the overrides as an argument.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from rapidfuzz import fuzz

from extract.records import RawDocument, RawReport
from transform.numbers import to_halfwidth

# --------------------------------------------------------------------------------------------
# parameters (data)
# --------------------------------------------------------------------------------------------

#: the committed override file
OVERRIDES_PATH = Path(__file__).with_name("identity_overrides.csv")
#: columns of the override file
OVERRIDE_COLUMNS = ("kind", "department", "project", "reported_name", "canonical_name", "note")
#: words a project name may gain or lose between years without becoming another project
GENERIC_SUFFIXES = ("项目", "专项经费", "专项资金", "经费", "资金")
#: a core is never stripped below this many characters
MIN_CORE_LENGTH = 2
#: rapidfuzz ``fuzz.ratio`` (0–100) needed to merge two names
PROJECT_THRESHOLD = 85.0
INDICATOR_THRESHOLD = 85.0
#: printed after a department's name without making it another department
DEPARTMENT_SUFFIXES = ("(汇总)", "(本级)", "(合并)")
#: length of the hex digest in an id
ID_HEX_LENGTH = 12

#: printed before a project name without being part of it: a budget project code and its
#: separator (Sichuan ``51000021R000000019951-工资性支出``, ``51092324T000010263357-…``); the name
#: is kept as printed, identity is derived without it
NAME_PREFIX_PATTERNS = (
    r"\d{6,}[A-Z]{1,2}\d{6,}\s*[-－—–_:：]\s*",  # 8 digits, a letter, 12 digits (预算项目编码)
    r"\d{12,}\s*[-－—–_:：]\s*",  # an all-digit code of 12 or more
)

_APART = "\x00apart:"  # forced key of a name an override keeps apart
_NAME_PREFIX = re.compile("^(?:" + "|".join(f"(?:{p})" for p in NAME_PREFIX_PATTERNS) + ")")
_YEAR_MENTION = re.compile(r"\(?(?:19|20)\d{2}\s*年度?\)?|\((?:19|20)\d{2}\)")
_NOT_WORD = re.compile(r"[\W_]+")


# --------------------------------------------------------------------------------------------
# normalization and ids
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def normalize_name(name: str | None) -> str:
    """Matching key of a name: half-width, a leading budget code (:data:`NAME_PREFIX_PATTERNS`),
    year mentions, white space and punctuation removed. (Cached: a night asks for the same
    names again and again, in identity, transform and load.)"""
    if not name:
        return ""
    s = _NAME_PREFIX.sub("", to_halfwidth(name).strip())
    s = _YEAR_MENTION.sub("", s)
    return _NOT_WORD.sub("", s)


def core_name(name: str | None) -> str:
    """:func:`normalize_name` without generic suffixes (劳动保护项目 → 劳动保护)."""
    s = normalize_name(name)
    changed = True
    while changed:
        changed = False
        for suffix in GENERIC_SUFFIXES:
            if s.endswith(suffix) and len(s) - len(suffix) >= MIN_CORE_LENGTH:
                s = s[: -len(suffix)]
                changed = True
    return s


def department_name(name: str | None) -> str:
    """The department as printed, without "(汇总)" and surrounding white space."""
    s = to_halfwidth(name or "").strip()
    changed = True
    while changed:
        changed = False
        for suffix in DEPARTMENT_SUFFIXES:
            if s.endswith(suffix):
                s = s[: -len(suffix)].strip()
                changed = True
    return s


def department_key(name: str | None) -> str:
    return normalize_name(department_name(name))


def make_id(prefix: str, *parts: str) -> str:
    """``prefix_`` + the first hex digits of sha256 over the parts (stable across runs)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:ID_HEX_LENGTH]}"


def department_id(name: str | None) -> str:
    return make_id("dep", department_key(name))


# --------------------------------------------------------------------------------------------
# overrides
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Override:
    """One correction: ``reported_name`` is the project (indicator) called ``canonical_name``.

    ``canonical_name == reported_name`` keeps the name apart from every other (no fuzzy merge).
    ``department`` / ``project`` narrow where the row applies (empty: everywhere).
    """

    kind: str  # project / indicator
    department: str
    project: str
    reported_name: str
    canonical_name: str
    note: str = ""

    @property
    def keeps_apart(self) -> bool:
        return normalize_name(self.reported_name) == normalize_name(self.canonical_name)


def parse_overrides(text: str) -> tuple[Override, ...]:
    """The override CSV's text → rows (lines starting with ``#`` are comments)."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return ()
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = set(OVERRIDE_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"identity overrides: missing columns {sorted(missing)}")
    rows = []
    for n, rec in enumerate(reader, start=2):
        kind = (rec.get("kind") or "").strip()
        if kind not in ("project", "indicator"):
            raise ValueError(f"identity overrides, row {n}: kind must be project or indicator")
        reported = (rec.get("reported_name") or "").strip()
        canonical = (rec.get("canonical_name") or "").strip()
        if not reported or not canonical:
            raise ValueError(f"identity overrides, row {n}: reported_name and canonical_name "
                             "are required")
        rows.append(Override(kind, (rec.get("department") or "").strip(),
                             (rec.get("project") or "").strip(), reported, canonical,
                             (rec.get("note") or "").strip()))
    return tuple(rows)


def load_overrides(path: str | Path | None = None) -> tuple[Override, ...]:
    """Read the committed override file (the one I/O of the transform layer)."""
    p = Path(path) if path is not None else OVERRIDES_PATH
    return parse_overrides(p.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# observations
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IndicatorSeen:
    level1: str | None
    level2: str | None
    name: str | None


@dataclass(frozen=True, slots=True)
class ProjectSeen:
    """One project as printed in one year (the input of :func:`resolve_identity`)."""

    fiscal_year: int | None
    department: str | None
    name: str | None
    indicators: tuple[IndicatorSeen, ...] = ()


def observations(documents: Iterable[RawDocument]) -> tuple[ProjectSeen, ...]:
    """Every project of the documents, with its indicators."""
    out = []
    for doc in documents:
        for r in doc.reports:
            out.append(project_seen(r, doc.fiscal_year))
    return tuple(out)


def project_seen(report: RawReport, default_year: int | None = None) -> ProjectSeen:
    return ProjectSeen(
        fiscal_year=report.fiscal_year if report.fiscal_year is not None else default_year,
        department=report.supervising_department,
        name=report.project_name,
        indicators=tuple(IndicatorSeen(i.level1, i.level2, i.level3) for i in report.indicators),
    )


def indicator_keys(indicators: Iterable[IndicatorSeen]) -> tuple[tuple[str, str], ...]:
    """(level1 key, name key) of each indicator row; a name repeated under the same 一级指标 in
    one table is told apart by its 二级指标 and then its order."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    keys = []
    for ind in indicators:
        base = (normalize_name(ind.level1), normalize_name(ind.name))
        seen[base] += 1
        if seen[base] == 1:
            keys.append(base)
        else:
            keys.append((base[0], f"{base[1]}#{normalize_name(ind.level2)}#{seen[base]}"))
    return tuple(keys)


# --------------------------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ProjectIdentity:
    """One project across the years of the set."""

    project_id: str
    department_id: str
    department: str
    canonical_name: str  # the name of the canonical key's year
    latest_name: str
    years: tuple[int, ...]
    aliases: tuple[tuple[int | None, str], ...]  # (fiscal_year, reported name)


@dataclass(frozen=True, slots=True)
class FuzzyMatch:
    """Two names merged by fuzzy matching, for review (and an override if wrong)."""

    kind: str  # project / indicator
    scope: str  # department (projects) or project id (indicators)
    name_a: str
    name_b: str
    score: float


@dataclass(frozen=True, slots=True)
class IdentityReport:
    """What identity resolution did: new, discontinued and unmatched projects, fuzzy merges."""

    first_year: int | None
    last_year: int | None
    projects: tuple[ProjectIdentity, ...]
    new_projects: tuple[ProjectIdentity, ...]  # first seen after the set's first year
    discontinued_projects: tuple[ProjectIdentity, ...]  # last seen before the set's last year
    unmatched_projects: tuple[ProjectIdentity, ...]  # seen in one year only, the set spans more
    renamed_projects: tuple[ProjectIdentity, ...]  # reported under more than one name
    fuzzy_matches: tuple[FuzzyMatch, ...]
    overrides_applied: tuple[Override, ...]
    overrides_unused: tuple[Override, ...]


@dataclass(frozen=True, slots=True)
class IdentityMap:
    """Resolved ids; lookups of names outside the resolved set fall back to a singleton id."""

    project_ids: Mapping[tuple[str, str], str]  # (department key, name key) → project_id
    indicator_ids: Mapping[tuple[str, str, str], str]  # (project_id, level1 key, name key) → id
    latest_names: Mapping[str, str]  # project_id → latest reported name
    report: IdentityReport
    overrides: tuple[Override, ...] = field(default=())

    def project_id(self, department: str | None, name: str | None) -> str:
        key = (department_key(department), normalize_name(name))
        found = self.project_ids.get(key)
        if found is not None:
            return found
        forced = _forced_key(self.overrides, "project", department, "", name)
        if forced is None or forced.startswith(_APART):
            forced = None
        return make_id("prj", key[0], forced or core_name(name) or key[1])

    def indicator_id(self, project_id: str, level1_key: str, name_key: str) -> str:
        found = self.indicator_ids.get((project_id, level1_key, name_key))
        if found is not None:
            return found
        return make_id("ind", project_id, level1_key, name_key)

    def project_name(self, project_id: str, default: str) -> str:
        return self.latest_names.get(project_id, default)


# --------------------------------------------------------------------------------------------
# clustering (shared by projects and indicators)
# --------------------------------------------------------------------------------------------

@dataclass
class _Node:
    key: str  # matching key (core for projects, normalized name for indicators)
    names: dict[str, set[int | None]]  # normalized name → years printed
    printed: list[tuple[int | None, str]]  # (year, printed name)
    forced: str | None = None
    apart: bool = False

    @property
    def years(self) -> set:
        return {y for ys in self.names.values() for y in ys}


def _forced_key(overrides: Iterable[Override], kind: str, department: str | None,
                project: str | None, name: str | None, applied: set | None = None) -> str | None:
    n = normalize_name(name)
    for o in overrides:
        if o.kind != kind or normalize_name(o.reported_name) != n:
            continue
        if o.department and department_key(o.department) != department_key(department):
            continue
        if o.project and normalize_name(o.project) != normalize_name(project):
            continue
        if applied is not None:
            applied.add(o)
        key = core_name if kind == "project" else normalize_name
        return key(o.canonical_name) if not o.keeps_apart else _APART + n
    return None


def _year_sort(y: int | None) -> int:
    return y if y is not None else 10**6


def _cluster(nodes: list[_Node], threshold: float, kind: str, scope: str,
             matches: list[FuzzyMatch]) -> list[list[_Node]]:
    nodes = sorted(nodes, key=lambda n: n.key)
    parent = list(range(len(nodes)))
    years = [set(n.years) for n in nodes]
    forced = [n.forced for n in nodes]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri == rj:
            return
        lo, hi = min(ri, rj), max(ri, rj)
        parent[hi] = lo
        years[lo] |= years[hi]
        forced[lo] = forced[lo] or forced[hi]

    # overrides first: nodes forced onto the same canonical key are one
    by_forced: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(nodes):
        if n.forced is not None and not n.apart:
            by_forced[n.forced].append(i)
    for i, n in enumerate(nodes):  # the canonical name itself, when it was printed
        if n.forced is None and not n.apart and n.key in by_forced:
            by_forced[n.key].insert(0, i)
            forced[i] = n.key
    for members in by_forced.values():
        for j in members[1:]:
            union(members[0], j)

    # then fuzzy matching, best pair first; never two names of one year, never against overrides
    pairs = []
    for i in range(len(nodes)):
        if nodes[i].apart:
            continue
        for j in range(i + 1, len(nodes)):
            if nodes[j].apart:
                continue
            score = fuzz.ratio(nodes[i].key, nodes[j].key, score_cutoff=threshold)
            if score:
                pairs.append((-score, nodes[i].key, nodes[j].key, i, j))
    for neg, _, _, i, j in sorted(pairs):
        ri, rj = find(i), find(j)
        if ri == rj or years[ri] & years[rj]:
            continue
        if forced[ri] and forced[rj] and forced[ri] != forced[rj]:
            continue
        union(i, j)
        matches.append(FuzzyMatch(kind, scope, nodes[i].key, nodes[j].key, -neg))

    groups: dict[int, list[_Node]] = defaultdict(list)
    for i, n in enumerate(nodes):
        groups[find(i)].append(n)
    return [groups[k] for k in sorted(groups)]


def _canonical(cluster: list[_Node]) -> _Node:
    def rank(n: _Node):
        first = min((_year_sort(y) for y in n.years), default=10**6)
        return (first, -len(n.years), len(n.key), n.key)

    return min(cluster, key=rank)


def _node(key: str, names: dict[str, set], members: list[tuple[int | None, str, str | None]]
          ) -> _Node:
    """A node from its (year, printed name, forced key) members."""
    forced = next((f for _, _, f in members if f is not None), None)
    return _Node(
        key=key, names=names,
        printed=sorted({(y, p) for y, p, _ in members}, key=lambda t: (_year_sort(t[0]), t[1])),
        forced=forced, apart=forced is not None and forced.startswith(_APART))


def _by_key(items: Iterable[tuple[int | None, str, str, str | None]]
            ) -> dict[str, list[tuple[int | None, str, str | None]]]:
    """(year, printed, key, forced) items → key → their (year, printed, forced)."""
    by_key: dict[str, list[tuple[int | None, str, str | None]]] = defaultdict(list)
    for year, printed, key, forced in items:
        by_key[key].append((year, printed, forced))
    return by_key


def _make_nodes(items: list[tuple[int | None, str, str, str]]) -> list[_Node]:
    """items: (year, printed name, node key, forced key or None) → nodes keyed by node key,
    split by normalized name where one year printed two names with the same key."""
    by_key = _by_key(items)
    nodes = []
    for key, members in sorted(by_key.items()):
        per_year: dict[int | None, set[str]] = defaultdict(set)
        for year, printed, _ in members:
            per_year[year].add(normalize_name(printed))
        split = any(len(v) > 1 for v in per_year.values())
        parts: dict[str, list] = defaultdict(list)
        for m in members:
            parts[normalize_name(m[1]) if split else key].append(m)
        for part_key, ms in sorted(parts.items()):
            names: dict[str, set] = defaultdict(set)
            for year, printed, _ in ms:
                names[normalize_name(printed)].add(year)
            nodes.append(_node(part_key, dict(names), ms))
    return nodes


# --------------------------------------------------------------------------------------------
# resolution
# --------------------------------------------------------------------------------------------

def resolve_identity(seen: Iterable[ProjectSeen], overrides: Iterable[Override] = (), *,
                     project_threshold: float = PROJECT_THRESHOLD,
                     indicator_threshold: float = INDICATOR_THRESHOLD) -> IdentityMap:
    """Project and indicator ids for every name in ``seen`` (order of ``seen`` is irrelevant)."""
    seen = tuple(seen)
    overrides = tuple(overrides)
    applied: set[Override] = set()
    matches: list[FuzzyMatch] = []

    # ---- projects, per department
    by_dept: dict[str, list[ProjectSeen]] = defaultdict(list)
    for p in seen:
        if p.name:
            by_dept[department_key(p.department)].append(p)

    project_ids: dict[tuple[str, str], str] = {}
    identities: list[ProjectIdentity] = []
    for dkey in sorted(by_dept):
        projects = by_dept[dkey]
        dept_printed = min(department_name(p.department) for p in projects)
        items = []
        for p in projects:
            forced = _forced_key(overrides, "project", p.department, "", p.name, applied)
            items.append((p.fiscal_year, p.name, core_name(p.name), forced))
        clusters = _cluster(_make_nodes(items), project_threshold, "project", dept_printed,
                            matches)
        used_ids: set[str] = set()
        for cluster in clusters:
            canon = _canonical(cluster)
            forced = next((n.forced for n in cluster if n.forced and not n.apart), None)
            key = forced or canon.key
            pid = make_id("prj", dkey, key)
            n = 2
            while pid in used_ids:  # two clusters on one key (printed apart in one year)
                pid = make_id("prj", dkey, key, str(n))
                n += 1
            used_ids.add(pid)
            printed = sorted({pr for node in cluster for pr in node.printed},
                             key=lambda t: (_year_sort(t[0]), t[1]))
            for node in cluster:
                for nm in node.names:
                    project_ids[(dkey, nm)] = pid
            years = tuple(sorted({y for y, _ in printed if y is not None}))
            identities.append(ProjectIdentity(
                project_id=pid, department_id=make_id("dep", dkey), department=dept_printed,
                canonical_name=canon.printed[0][1], latest_name=printed[-1][1], years=years,
                aliases=tuple(printed),
            ))

    # ---- indicators, per project and 一级指标
    by_scope: dict[tuple[str, str], list[tuple[int | None, str, str]]] = defaultdict(list)
    for p in seen:
        if not p.name:
            continue
        pid = project_ids[(department_key(p.department), normalize_name(p.name))]
        for ind, (l1, nkey) in zip(p.indicators, indicator_keys(p.indicators), strict=True):
            by_scope[(pid, l1)].append((p.fiscal_year, ind.name or "", nkey))
    indicator_ids: dict[tuple[str, str, str], str] = {}
    for (pid, l1) in sorted(by_scope):
        items = []
        for year, printed, nkey in by_scope[(pid, l1)]:
            forced = _scoped_indicator_override(overrides, identities, pid, printed, applied)
            items.append((year, printed, nkey, forced))
        nodes = _make_nodes_for_indicators(items)
        clusters = _cluster(nodes, indicator_threshold, "indicator", pid, matches)
        for cluster in clusters:
            canon = _canonical(cluster)
            forced = next((n.forced for n in cluster if n.forced and not n.apart), None)
            iid = make_id("ind", pid, l1, forced or canon.key)
            for node in cluster:
                for k in node.names:
                    indicator_ids[(pid, l1, k)] = iid

    # ---- report
    all_years = sorted({y for i in identities for y in i.years})
    first = all_years[0] if all_years else None
    last = all_years[-1] if all_years else None
    identities.sort(key=lambda i: (i.department, i.canonical_name, i.project_id))
    new = tuple(i for i in identities if i.years and first is not None and i.years[0] > first)
    gone = tuple(i for i in identities if i.years and last is not None and i.years[-1] < last)
    unmatched = tuple(i for i in identities if len(i.years) == 1 and len(all_years) > 1)
    renamed = tuple(i for i in identities
                    if len({normalize_name(n) for _, n in i.aliases}) > 1)
    matches.sort(key=lambda m: (m.kind, m.scope, m.name_a, m.name_b))
    report = IdentityReport(
        first_year=first, last_year=last, projects=tuple(identities), new_projects=new,
        discontinued_projects=gone, unmatched_projects=unmatched, renamed_projects=renamed,
        fuzzy_matches=tuple(matches),
        overrides_applied=tuple(o for o in overrides if o in applied),
        overrides_unused=tuple(o for o in overrides if o not in applied),
    )
    latest = {i.project_id: i.latest_name for i in identities}
    return IdentityMap(MappingProxyType(project_ids), MappingProxyType(indicator_ids),
                       MappingProxyType(latest), report, overrides)


def _scoped_indicator_override(overrides: tuple[Override, ...],
                               identities: list[ProjectIdentity], pid: str, printed: str,
                               applied: set[Override]) -> str | None:
    """An indicator override applies when its ``project`` is empty or one of the project's names."""
    n = normalize_name(printed)
    candidates = [o for o in overrides
                  if o.kind == "indicator" and normalize_name(o.reported_name) == n]
    if not candidates:  # (most indicators: the project's names are not needed)
        return None
    ident = next((i for i in identities if i.project_id == pid), None)
    names = {normalize_name(n) for _, n in ident.aliases} if ident else set()
    for o in candidates:
        if o.project and normalize_name(o.project) not in names:
            continue
        applied.add(o)
        return normalize_name(o.canonical_name) if not o.keeps_apart else _APART + n
    return None


def _make_nodes_for_indicators(items: list[tuple[int | None, str, str, str | None]]
                               ) -> list[_Node]:
    """Indicator nodes: keyed by the row key of :func:`indicator_keys` (already unique per year)."""
    by_key = _by_key(items)
    return [_node(key, {key: {y for y, _, _ in ms}}, ms) for key, ms in sorted(by_key.items())]


def resolve_documents(documents: Iterable[RawDocument],
                      overrides: Iterable[Override] = ()) -> IdentityMap:
    """:func:`resolve_identity` over every report of the documents."""
    return resolve_identity(observations(documents), overrides)
