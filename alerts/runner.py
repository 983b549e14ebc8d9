"""One alert run: evaluate the rules, keep the ledger, send what is due. Small on purpose.

``AlertRunner(store, rules, routing, mailer).run(now)``:

1. Every rule's findings (``alerts.rules``). A rule that fails is logged and skipped; a store that is
   down stops the run (``StoreUnavailable``) with nothing half-done, and the next run starts over. Post
   rules may overlap (an urgent-post rule for any category, a hazard-post rule for hazards from medium up):
   one event (a topic or thread) found by several of them is one alert, not one per rule
   (``one_alert_per_event``).
2. The ledger (the store's alerts, by fingerprint) turns findings into events. A new fingerprint is a new
   alert (status ``new``). A finding for an open alert refreshes its numbers and evidence; it becomes an
   *update* (a new version, announced again) only when the event grew: a higher level, or at least twice
   the posts it had when last announced. A finding for a resolved alert reopens it only if it has posts
   newer than the resolution; otherwise it is the old event still inside the rule's window.
3. Delivery: each open alert goes to its recipients (``alerts.routing``) once per version; a recipient who
   already had an earlier version receives it marked as an update. Blue and yellow alerts wait during quiet
   hours; a recipient gets at most ``rate_per_hour`` alert e-mails an hour, the most urgent first. Every send
   is recorded in the alert (``details.deliveries``) right after it succeeds, so a crash never repeats
   an e-mail; a send that fails leaves the alert pending and stops sending for this run (the mail server is
   probably down); the next run sends it.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from indexer.query import LOCAL_TZ
from indexer.store import Store, StoreUnavailable
from sheqing.labels import OFFICES
from sheqing.records import ALERT_LEVELS, Alert, AlertEvent

from .emails import alert_email
from .mailer import DeliveryError
from .routing import QuietHours, Routing
from .rules import Finding

__all__ = ["AlertRunner", "AlertRunReport"]

log = logging.getLogger(__name__)

_TREND_DAYS = 14


@dataclass
class AlertRunReport:
    raised: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    sent: int = 0
    held_quiet: int = 0
    held_rate: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{len(self.raised)} new alerts, {len(self.updated)} updated, {len(self.reopened)} reopened; "
                f"{self.sent} e-mails sent")
        if self.held_quiet:
            text += f", {self.held_quiet} alerts held for quiet hours"
        if self.held_rate:
            text += f", {self.held_rate} e-mails held by the rate limit"
        if self.failed:
            text += f", {self.failed} sends failed (kept for the next run)"
        return text


class AlertRunner:
    def __init__(self, store: Store, rules, routing: Routing, mailer, *, quiet: QuietHours | None = None,
                 rate_per_hour: int = 20, sender: str = "sheqing@localhost", web_url: str = ""):
        self.store = store
        self.rules = list(rules)
        self.routing = routing
        self.mailer = mailer
        self.quiet = quiet or QuietHours()
        self.rate_per_hour = rate_per_hour
        self.sender = sender
        self.web_url = web_url

    @classmethod
    def from_settings(cls, store: Store, settings) -> "AlertRunner":
        from .mailer import mailer_from_settings
        from .routing import load_routing
        from .rules import load_rules

        return cls(store, load_rules(settings.alert_rules_dir), load_routing(settings.recipients_file),
                   mailer_from_settings(settings), quiet=QuietHours.parse(settings.quiet_hours),
                   rate_per_hour=settings.mail_rate_per_hour, sender=settings.mail_from, web_url=settings.web_url)

    def run(self, now: datetime) -> AlertRunReport:
        report = AlertRunReport()
        findings: list[Finding] = []
        for rule in self.rules:
            try:
                findings += rule.find(self.store, now)
            except StoreUnavailable:
                raise
            except Exception as exc:  # one broken rule must not silence the others
                log.exception("rule %s failed: %s", rule.name, exc)
                report.errors.append(f"rule {rule.name}: {type(exc).__name__}: {exc}")
        for finding in one_alert_per_event(findings, self._is_open):
            self._record(finding, now, report)
        self._deliver(now, report)
        log.info("alerts: %s", report.summary())
        return report

    def _is_open(self, fingerprint: str) -> bool:
        alert = self.store.get_alert(fingerprint)
        return alert is not None and alert.status != "resolved"

    # -- the ledger ----------------------------------------------------------------------------
    def _record(self, f: Finding, now: datetime, report: AlertRunReport) -> None:
        existing = self.store.get_alert(f.fingerprint)
        facts = dict(title=f.title, numbers=f.numbers, post_ids=tuple(f.post_ids), places=tuple(f.places),
                     category=f.category)
        if existing is None:
            alert = Alert(fingerprint=f.fingerprint, rule=f.rule, rule_type=f.rule_type, level=f.level,
                          office=OFFICES.get(f.category or "other", ""), created_at=now, updated_at=now,
                          history=(AlertEvent(at=now, action="raised", note=f.title),),
                          details={"version": 1, "announced_size": f.size, "announced_level": f.level,
                                   "scope": f.scope, "deliveries": {}}, **facts)
            self.store.put_alert(alert)
            report.raised.append(f.fingerprint)
            return
        details = dict(existing.details)
        if existing.status == "resolved":
            resolved_at = max((e.at for e in existing.history if e.action == "resolved"), default=existing.updated_at)
            if f.newest is None or f.newest <= resolved_at:
                return  # the resolved event, still inside the rule's window
            details.update(version=details.get("version", 1) + 1, announced_size=f.size, announced_level=f.level)
            self.store.put_alert(existing.model_copy(update={
                **facts, "level": f.level, "status": "new", "updated_at": now, "details": details,
                "history": (*existing.history, AlertEvent(at=now, action="reopened", note=f.title))}))
            report.reopened.append(f.fingerprint)
            return
        level = max(existing.level, f.level, key=ALERT_LEVELS.index)
        announced_level = details.get("announced_level", existing.level)
        grew = (ALERT_LEVELS.index(level) > ALERT_LEVELS.index(announced_level)
                or f.size >= 2 * max(details.get("announced_size", 1), 1))
        update: dict = {**facts, "level": level}
        if grew:
            note = f"{details.get('announced_size', '?')} → {f.size}；{announced_level} → {level}"
            details.update(version=details.get("version", 1) + 1, announced_size=f.size, announced_level=level)
            update.update(updated_at=now, history=(*existing.history, AlertEvent(at=now, action="updated", note=note)))
            report.updated.append(f.fingerprint)
        elif all(getattr(existing, k) == v for k, v in update.items()):
            return  # nothing new: no write
        update["details"] = details
        self.store.put_alert(existing.model_copy(update=update))

    # -- delivery ------------------------------------------------------------------------------
    def _deliver(self, now: datetime, report: AlertRunReport) -> None:
        open_alerts = self.store.alerts(status=["new", "acknowledged"], limit=10_000)
        hour_ago = now - timedelta(hours=1)
        sent_last_hour = Counter(
            recipient for a in open_alerts for recipient, d in a.details.get("deliveries", {}).items()
            if datetime.fromisoformat(d["at"]) >= hour_ago)
        urgent_first = sorted(open_alerts, key=lambda a: (-ALERT_LEVELS.index(a.level), a.created_at))
        for alert in urgent_first:
            version = alert.details.get("version", 1)
            deliveries = dict(alert.details.get("deliveries", {}))
            pending = [r for r in self.routing.recipients(alert) if deliveries.get(r, {}).get("version", 0) < version]
            if not pending:
                continue
            if self.quiet.holds(alert.level, now):
                report.held_quiet += 1
                continue
            posts = self.store.get_posts(alert.post_ids)
            evidence = [posts[i] for i in alert.post_ids if i in posts]
            trend = self._trend(alert, now)
            for recipient in pending:
                if sent_last_hour[recipient] >= self.rate_per_hour:
                    report.held_rate += 1
                    continue
                message = alert_email(alert, evidence, trend, sender=self.sender, recipient=recipient,
                                      web_url=self.web_url, update=recipient in deliveries, now=now)
                try:
                    self.mailer.send(message)
                except DeliveryError as exc:
                    log.error("alert %s to %s not sent, kept for the next run: %s", alert.fingerprint, recipient, exc)
                    report.failed += 1
                    report.errors.append(str(exc))
                    return  # the mail server is probably down: everything left waits for the next run
                deliveries[recipient] = {"version": version, "at": now.isoformat()}
                sent_last_hour[recipient] += 1
                alert = alert.model_copy(update={
                    "details": {**alert.details, "deliveries": dict(deliveries)},
                    "history": (*alert.history, AlertEvent(at=now, action="notified", note=recipient))})
                self.store.put_alert(alert)  # recorded at once: a crash after this never repeats the e-mail
                report.sent += 1

    def _trend(self, alert: Alert, now: datetime) -> list[tuple[datetime, int]]:
        """Posts per local day over the last two weeks in the alert's scope (its category and district,
        its topic, or the values of the spike)."""
        today = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        start = today - timedelta(days=_TREND_DAYS - 1)
        buckets = self.store.trend(interval="day", start=start, end=now, **alert.details.get("scope", {}))
        counts = {b.start: b.count for b in buckets}
        return [(start + timedelta(days=i), counts.get(start + timedelta(days=i), 0)) for i in range(_TREND_DAYS)]


def one_alert_per_event(findings: list[Finding], is_open) -> list[Finding]:
    """The findings with at most one per event among post rules (the event: the fingerprint after the rule
    name, a topic or a thread). Kept: the finding whose alert is already open (its ledger goes on), else the
    highest level, then the most posts, then the rule listed first; it carries the highest level found."""
    best: dict[str, tuple[tuple, int]] = {}
    top: dict[str, int] = {}
    for n, f in enumerate(findings):
        if f.rule_type == "post":
            event = f.fingerprint.split(":", 1)[1]
            rank = (is_open(f.fingerprint), ALERT_LEVELS.index(f.level), f.size, -n)
            if event not in best or rank > best[event][0]:
                best[event] = (rank, n)
            top[event] = max(top.get(event, 0), ALERT_LEVELS.index(f.level))
    kept = []
    for n, f in enumerate(findings):
        event = f.fingerprint.split(":", 1)[1]
        if f.rule_type != "post":
            kept.append(f)
        elif best[event][1] == n:
            f.level = ALERT_LEVELS[top[event]]
            kept.append(f)
    return kept
