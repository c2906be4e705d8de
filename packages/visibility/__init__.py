"""Whether a project is public or private: its Owners choose, staff may too; each change is recorded and mailed."""
