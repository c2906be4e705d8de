"""The upload pipeline: pure checks (validation), file storage (storage), and
the one service that runs them and writes everything (service)."""
