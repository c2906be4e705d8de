"""The index machines read: the simple API (simple), the JSON API (jsonapi),
file downloads, and the per-serial document cache (rendering)."""
