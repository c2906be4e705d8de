vcl 4.1;
# The edge in front of indexsite (production layout in README.md, "Running in production"):
#   Varnish (this file) -> gunicorn (indexsite.wsgi) -> PostgreSQL + Redis + S3.
# Machine responses carry `xkey` (project/<name>, all-projects) and
# `Surrogate-Control: max-age=N`; they are kept that long and dropped at once
# when the site sends `PURGE` with an `xkey-purge` header after a change
# (CACHE_PURGE_URLS). Everything else passes straight through.
# Needs Debian's varnish and varnish-modules (for xkey).

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may PURGE: the addresses the site sends its purges from (CACHE_PURGE_URLS, README "Layout with an
# edge cache"). Add the app servers' addresses here when they run on other hosts; nobody else.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Only the machine endpoints are cached; pages carry sessions.
    if (req.url !~ "^/(simple|files|pypi)/") {
        return (pass);
    }
    # Credentials (a read token, a browser's session) can open private projects: such requests are
    # never answered from the cache, and their answers (Cache-Control: private) are never kept.
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Anonymous machine answers depend on no cookie.
    unset req.http.Cookie;
    # One Accept per representation the site can choose (PEP 691), so clients cannot make variants
    # without end; files and the JSON API do not negotiate at all.
    if (req.url ~ "^/simple/") {
        if (req.http.Accept ~ "application/vnd\.pypi\.simple\.(v1|latest)\+json") {
            set req.http.Accept = "application/vnd.pypi.simple.v1+json";
        } elsif (req.http.Accept ~ "application/vnd\.pypi\.simple\.(v1|latest)\+html") {
            set req.http.Accept = "application/vnd.pypi.simple.v1+html";
        } else {
            set req.http.Accept = "text/html";
        }
    } else {
        unset req.http.Accept;
    }
    return (hash);
}

sub vcl_backend_response {
    # Private answers, refusals of credentials and anything the site asks not to store are never kept.
    if (!beresp.http.xkey || beresp.status == 401 || beresp.http.Cache-Control ~ "(private|no-store)") {
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    if (beresp.http.Surrogate-Control ~ "max-age=[0-9]+") {
        set beresp.ttl = std.duration(regsub(beresp.http.Surrogate-Control, ".*max-age=([0-9]+).*", "\1") + "s", 0s);
    }
    set beresp.grace = 0s;
}

sub vcl_deliver {
    # The keys are for this cache only; clients keep Cache-Control.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
