"""Accounts made by invitation: staff mail a person a signed, expiring, single-use link to create their account.

It works whether or not anyone may register (settings.REGISTRATION_OPEN): on a
closed site it is the way in. The link is a Django signature over the
invitation's id and address, never stored; the row says whether it was used,
and accepting locks that row, so a link makes one account however often it is
opened at once.
"""
