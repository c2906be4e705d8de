"""The upload pipeline: the legacy API view (api), small pure checks by subject
(checks/), the description renderer (description), and the one service that
runs them and writes everything (service). Bytes go through packages.storage."""
