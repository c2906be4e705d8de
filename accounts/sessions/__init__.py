"""Signed-in sessions: one row per session (accounts.models.AccountSession), kept by the login and logout
signals and a light middleware, listed on the account page, ended by their owner or by a security change."""

# The session's own record of its row's id.
SESSION_ROW = "account_session"
