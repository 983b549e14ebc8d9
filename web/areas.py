"""Areas and scope: which posts and alerts a user may see, as store filters.

A monitor's areas (districts or streets) become a ``place`` filter on every query made for them (``Scope``);
an admin sees everything. Areas are matched by administrative code when they have one (``330106001``, the
same in every post that names the street, whatever the spelling) and by name otherwise.

A place the user asks for (the search form's place field) must stay inside their areas. With the
administrative table (``nlp/data/admin_places.tsv.gz``, through ``nlp.places.PlaceIndex``) a name or code is
placed in the hierarchy (administrative codes nest: 330106001 is in 330106): a place inside an area is
searched as asked, an area inside the place is searched instead of it (a street office asking for its
district gets its streets), a place elsewhere gives nothing. A place the table does not know (a housing
estate, an anonymised name) is matched as written and intersected with the areas by id (``Scope.filters``).
With a home area, a name read the way the place extractor reads posts of the home city is placed by that
reading's code, for an admin too: a district's short name (拱墅 finds 拱墅区), a street's or town's (瓜沥 finds
瓜沥镇 of 萧山), and a street or town written with another suffix (瓜沥街道; 飞云镇 in Wenzhou is 瑞安's 飞云街道,
not the 飞云镇 of Gansu that the name alone gives).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sheqing.records import PlaceMention

from .auth import Area, User

__all__ = ["Scope", "AreaError", "resolve_area", "place_values", "unit", "candidate_codes", "EMPTY"]

MAX_INTERSECTION = 10_000  # posts of an unknown place intersected with a user's areas by id
EMPTY = None  # what ``Scope.filters`` returns for a question whose answer is known to be empty


class AreaError(ValueError):
    """An area name that is unknown or ambiguous."""


@lru_cache(maxsize=1)
def _index():
    from nlp.places import PlaceIndex

    index = PlaceIndex.load()
    return index, {code: n for n, code in enumerate(index.codes)}


def unit(code: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Names and codes from the province down to the unit with this administrative code."""
    index, by_code = _index()
    position = by_code.get(code)
    return None if position is None else index.path(position)


def candidate_codes(text: str) -> tuple[str, ...]:
    """The administrative codes a place name (or code) may stand for."""
    text = text.strip()
    index, by_code = _index()
    if text.isdigit():  # codes nest by prefix, listed in the table or not
        return (text,)
    units, _ = index.forms.get(text, ((), False))
    return tuple(index.codes[u] for u in units)


def resolve_area(text: str, home: str = "") -> Area:
    """The area a user means by a name or code; ambiguous names are settled by ``home`` (a code prefix)."""
    text = text.strip()
    if not text:
        raise AreaError("an empty area")
    if text.isdigit() and unit(text) is None:
        raise AreaError(f"no administrative unit has the code {text}")
    codes = candidate_codes(text)
    codes = _home_reading(text, home, codes) or codes
    if not codes:
        return Area(name=text)  # an anonymised or unlisted name: matched as written
    if len(codes) > 1 and home:
        codes = tuple(c for c in codes if c.startswith(home)) or codes
    if len(codes) > 1:
        options = "; ".join(f"{c} {'/'.join(unit(c)[0])}" for c in codes[:12])
        raise AreaError(f"{text} names {len(codes)} places; give the code instead: {options}")
    names, _ = unit(codes[0])
    return Area(name=names[-1], code=codes[0])


def _home_reading(text: str, home: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    """The codes of the home city's units a name stands for as posts there are read, where the ``codes`` the
    name alone gives (``candidate_codes``) hold no unit of that city; ``()`` otherwise, and without a home
    (``PlaceIndex.home_readings``: 拱墅, 瓜沥, 瓜沥街道; 飞云镇 with home 3303 is 瑞安's 飞云街道). Units inside the
    home area first; a unit inside another of them left out (临平: the district, not its 临平街道)."""
    city = home[:4]
    if not city or any(code.startswith(city) for code in codes):
        return ()
    found = _index()[0].home_readings(text, home)
    found = [c for c in found if c.startswith(home)] or found
    return tuple(c for c in found if not any(c != other and c.startswith(other) for other in found))


def place_values(places: Iterable[PlaceMention]) -> set[str]:
    """Every name and code a post (or alert) can be found by with a place filter (the stores' places_all)."""
    values: set[str] = set()
    for place in places:
        values.add(place.text)
        values.update(place.path)
        values.update(place.path_codes)
    return values


@dataclass(frozen=True)
class Scope:
    """The areas a user sees (None: everything), and the home area (``SHEQING_HOME_AREA``) that lets a place
    asked for be read as in posts of the home city (``_home_reading``: 拱墅, 瓜沥 with home 3301)."""

    areas: tuple[Area, ...] | None
    home: str = ""

    @classmethod
    def of(cls, user: User, home: str = "") -> "Scope":
        return cls(None if user.sees_everything else tuple(user.areas), home)

    @property
    def everything(self) -> bool:
        return self.areas is None

    @property
    def values(self) -> tuple[str, ...]:
        """The store place filter of the areas (empty for everything)."""
        return () if self.areas is None else tuple(dict.fromkeys(a.value for a in self.areas))

    def allows(self, places: Iterable[PlaceMention]) -> bool:
        """Whether a post or alert with these places is in the user's areas."""
        return self.everything or bool(place_values(places) & set(self.values))

    def covers(self, code: str) -> bool:
        """Whether an administrative unit is in (or around) the areas: rows of the overview's area table."""
        return self.everything or any(code.startswith(a.code) or a.code.startswith(code)
                                      for a in self.areas if a.code)

    def base(self) -> dict:
        """The filter every query of this user carries (``{}`` for everything)."""
        if self.everything:
            return {}
        return {"place": self.values or ("\x00no area",)}  # a monitor with no areas sees nothing

    def narrow(self, place: str) -> tuple[str, ...] | None:
        """The place filter for ``place`` within the areas; () when none of it is theirs; None when unknown.

        A name with a reading in the home city (``_home_reading``: 拱墅, 瓜沥) is searched by that reading's code
        as well, so that it finds the posts that wrote 拱墅区 as well as those that wrote 拱墅."""
        place = place.strip()
        codes = candidate_codes(place)
        local = _home_reading(place, self.home, codes)
        if self.everything:
            return (place, *local)
        same = [a.value for a in self.areas if place in (a.name, a.code)]
        if same:
            return tuple(same)
        coded = [a for a in self.areas if a.code]
        codes = local or codes
        if not codes:
            return None
        inside = [c for c in codes if any(c.startswith(a.code) for a in coded)]
        if inside:
            return tuple(inside)
        around = [a.code for a in coded if any(a.code.startswith(c) for c in codes)]
        if around:
            return tuple(around)
        return () if len(coded) == len(self.areas) else None

    def filters(self, store, filters: dict) -> dict | None:
        """``filters`` (a store query, possibly with a ``place``) within the areas; EMPTY when nothing can match.

        An unknown place asked by a user with areas: the ids of its posts (up to ``MAX_INTERSECTION``, newest
        first) are searched within the areas.
        """
        place = filters.get("place")
        asked = [place] if isinstance(place, str) else list(place or ())
        if self.everything:
            return {**filters, "place": tuple(v for p in asked for v in self.narrow(p))} if asked else dict(filters)
        if not asked:
            return {**filters, **self.base()}
        narrowed: list[str] = []
        unknown: list[str] = []
        for p in asked:
            n = self.narrow(p)
            if n is None:
                unknown.append(p)
            else:
                narrowed.extend(n)
        out = {k: v for k, v in filters.items() if k != "place"}
        if not unknown:
            return {**out, "place": tuple(dict.fromkeys(narrowed))} if narrowed else EMPTY
        ids = _ids(store, {**out, "place": tuple(unknown)})
        if not ids and not narrowed:
            return EMPTY
        if narrowed:  # a known place and an unknown one: any of them, within the areas
            ids |= _ids(store, {**out, "place": tuple(narrowed)})
        return {**out, "place": self.values, "ids": tuple(sorted(ids))} if ids else EMPTY


def _ids(store, filters: dict) -> set[str]:
    keep = {k: v for k, v in filters.items() if k not in ("sort", "page", "size")}
    ids: set[str] = set()
    size = 500
    for page in range(1, MAX_INTERSECTION // size + 1):
        hits = store.search(**keep, sort="newest", page=page, size=size).hits
        ids.update(h.post.id for h in hits)
        if len(hits) < size:
            break
    return ids
