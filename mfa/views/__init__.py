"""mfa's pages: the login side (login) and the management side (manage)."""
