"""Who receives an alert, and when: recipients by area, quiet hours, a rate limit per recipient.

The recipients file (``SHEQING_RECIPIENTS_FILE``, YAML)::

    default: [duty@office.example.org]          # alerts whose places fall in no area below
    brief: [director@office.example.org]         # the daily brief (default: the default list)
    areas:
      - name: 西湖区综治中心
        district: "330106"                      # a code or a name (西湖区)
        emails: [xihu@office.example.org]
      - name: 北山街道
        street: 北山街道
        emails: [beishan@office.example.org]
        min_level: yellow                       # optional: only yellow and above

A district's monitors receive alerts whose places fall in their district (any of its streets included); a
street's monitors only their street's. An alert that matches no area goes to the default list. Matching
uses the place lists of the alert (codes and names along each place's administrative path).

Quiet hours (``SHEQING_QUIET_HOURS``, local time, e.g. ``22:00-07:00``) hold blue and yellow alerts until
they end; orange and red go at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from indexer.documents import alert_document
from indexer.query import LOCAL_TZ
from sheqing.labels import level_at_least
from sheqing.records import Alert

__all__ = ["Area", "Routing", "RoutingError", "QuietHours", "load_routing"]


class RoutingError(ValueError):
    """A recipients file or quiet-hours setting that cannot be used, with the file and reason."""


class Area(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    district: str | None = None
    street: str | None = None
    emails: tuple[str, ...] = Field(min_length=1)
    min_level: str = "blue"

    @model_validator(mode="after")
    def _one_place(self):
        if (self.district is None) == (self.street is None):
            raise ValueError("an area names either a district or a street")
        for email in self.emails:
            if "@" not in email:
                raise ValueError(f"not an e-mail address: {email!r}")
        return self

    def covers(self, alert_places: dict[str, list[str]]) -> bool:
        if self.district is not None:
            return self.district in alert_places["district"] or self.district in alert_places["district_code"]
        return self.street in alert_places["street"] or self.street in alert_places["street_code"]


class _RoutingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: tuple[str, ...] = ()
    brief: tuple[str, ...] | None = None
    areas: tuple[Area, ...] = ()

    @model_validator(mode="after")
    def _addresses(self):
        for email in (*self.default, *(self.brief or ())):
            if "@" not in email:
                raise ValueError(f"not an e-mail address: {email!r}")
        return self


@dataclass
class Routing:
    default: tuple[str, ...] = ()
    areas: tuple[Area, ...] = field(default_factory=tuple)
    brief: tuple[str, ...] = ()  # who receives the daily brief (the default list unless given)

    def recipients(self, alert: Alert) -> list[str]:
        """Addresses for ``alert``: every matching area's (at its minimum level), else the default list."""
        places = alert_document(alert)
        matched = [a for a in self.areas if a.covers(places)]
        if not matched:
            return list(self.default)
        return list(dict.fromkeys(e for a in matched if level_at_least(alert.level, a.min_level) for e in a.emails))


def load_routing(path: Path) -> Routing:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parsed = _RoutingFile.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise RoutingError(f"{path}: cannot read the recipients file: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise RoutingError(f"{path}: {where}: {err['msg'].removeprefix('Value error, ')}") from None
    if not parsed.default and not parsed.areas:
        raise RoutingError(f"{path}: no recipients: give a default list or areas")
    return Routing(default=parsed.default, areas=parsed.areas,
                   brief=parsed.brief if parsed.brief is not None else parsed.default)


@dataclass(frozen=True)
class QuietHours:
    start: time | None = None
    end: time | None = None

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        if not text.strip():
            return cls()
        try:
            a, b = (datetime.strptime(part.strip(), "%H:%M").time() for part in text.split("-"))
        except ValueError:
            raise RoutingError(f"quiet hours {text!r}: expected HH:MM-HH:MM, e.g. 22:00-07:00") from None
        return cls(a, b)

    def holds(self, level: str, now: datetime) -> bool:
        """Whether an alert of ``level`` waits at ``now`` (blue and yellow, inside the quiet hours)."""
        if self.start is None or level_at_least(level, "orange"):
            return False
        t = now.astimezone(LOCAL_TZ).time()
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # across midnight
