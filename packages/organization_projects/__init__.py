"""Projects owned by organisations: moving projects in and out, team roles on them, and the pages that list them."""
