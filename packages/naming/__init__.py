"""The name of a new project, however it is created (a first upload, an organisation's projects page).

- rules: each rule as a small function on plain values (valid, unused, not prohibited, not a
  look-alike, not a standard library module), raising InvalidUpload with the message clients print
- policy: the rules applied to what the database knows of a name (`new_project_name_check`),
  read in one statement (`name_facts`), and the daily allowance of new projects
  (`project_creation_count`)
"""
