"""Alert rules, the alert ledger, e-mails and the daily brief. Not built yet."""
