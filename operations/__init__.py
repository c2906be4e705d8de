"""Running the site: health probes, metrics, request logs, backups.

This app depends on nothing of ours, so every app may report to its metrics
(the tower: packages -> tokens -> organizations -> mfa -> accounts -> operations).
"""
