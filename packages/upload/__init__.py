"""The upload pipeline: the legacy API view (api), small pure checks by subject
(checks/), the description renderer (description), file storage (storage), and
the one service that runs them and writes everything (service)."""
