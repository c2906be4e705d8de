"""Hand-written statements for the hot paths: names quoted, rows turned into instances, a cursor that prepares.

The ORM compiles a query anew on every call, and for the few statements an upload or a token's
use runs every time that costs more than the database takes to run them. These helpers let such a
statement be written once from the models' own tables and columns (`table`, `column`), run on a
cursor that prepares it (`cursor`), and read back into model instances exactly as the ORM would
have built them (`instance`).
"""

from django.conf import settings
from django.db import connection

_preparing_cursor = None
_converters = {}


def quote(name):
    return connection.ops.quote_name(name)


def table(model):
    return quote(model._meta.db_table)


def column(model, field, alias=None):
    return f"{alias or table(model)}.{quote(model._meta.get_field(field).column)}"


def columns(model, alias):
    """`alias`'s concrete columns of `model`, in the order `instance` reads them."""
    return ", ".join(f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields)


def insert_fields(model):
    """The columns an INSERT of `model` writes: its concrete fields but an automatic primary key."""
    meta = model._meta
    return tuple(field for field in meta.local_concrete_fields if field is not meta.auto_field)


def insert_columns(model):
    return ", ".join(quote(field.column) for field in insert_fields(model))


def insert_params(obj):
    """`obj`'s values for its INSERT, in insert_fields' order, as the ORM's insert prepares them (defaults and
    pre-save values applied, each adapted for the database)."""
    return [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in insert_fields(type(obj))]


def saved(obj, pk):
    """Mark `obj`, inserted by a hand-written statement, as the ORM marks what it inserted."""
    obj.pk = pk
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def instance(model, values, fields=None):
    """An instance of `model` from its raw column values (its concrete fields', or `fields`'), converted as the ORM
    converts them (dates, JSON, booleans); None when the row is absent (a LEFT JOIN's NULL key)."""
    fields = tuple(model._meta.concrete_fields) if fields is None else fields
    if values[0] is None:
        return None
    key = (connection.vendor, model, fields)
    if key not in _converters:
        _converters[key] = [
            (connection.ops.get_db_converters(col) + field.get_db_converters(connection), col)
            for field in fields
            for col in [field.get_col(model._meta.db_table)]
        ]
    converted = []
    for value, (converters, col) in zip(values, _converters[key]):
        for converter in converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def cursor():
    """A cursor for hand-written statements: Django's (its wrappers, its error mapping, its query log), over a
    cursor that on PostgreSQL binds the parameters on the server and prepares each statement on the connection
    the first time it runs, so PostgreSQL stops planning it every time (the upload's read of everything its checks
    need cost about 1.5 ms to plan and a tenth of that to run). Django prepares nothing by default, for connection
    poolers in transaction mode; settings.DB_PREPARED_STATEMENTS (on unless such a pooler says otherwise) decides
    here. Only statements whose text is fixed (parameters aside) belong on it: each text is kept on the connection."""
    global _preparing_cursor
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return connection.cursor()
    if _preparing_cursor is None:
        from django.db.backends.postgresql.base import ServerBindingCursor
        from psycopg._queries import PostgresQuery, _query2pg

        class KeptQuery(PostgresQuery):
            def convert(self, query, vars):
                # psycopg keeps the parse of a statement's text (its placeholders) only for texts under 4 KB
                # with at most 50 parameters; the upload's own are longer, and parsing them again cost more
                # than running them. Their texts are fixed, so every parse is kept.
                if vars is None:
                    return super().convert(query, vars)
                query = self._ensure_bytes(query)
                self.query, self._want_formats, self._order, self._parts = _query2pg(query, self._tx.encoding)
                self.dump(vars)

        class PreparingCursor(ServerBindingCursor):
            _query_cls = KeptQuery

            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

            def _send_query_prepared(self, name, pgq, *, binary=None):
                # psycopg (3.3) notes the statement sent only for unprepared ones; Django's query log
                # (tests, DEBUG) reads it from there.
                super()._send_query_prepared(name, pgq, binary=binary)
                self._query = pgq

        _preparing_cursor = PreparingCursor
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # psycopg prepares nothing, even when asked, while the threshold is None (Django's default). A threshold
        # no statement reaches: only these cursors, which ask, prepare (Django's own cursors bind on the client
        # and never do).
        raw.prepare_threshold = 2**31
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor(raw))
