"""A local OIDC issuer for tests: discovery and JWKS over real HTTP on 127.0.0.1, tokens signed with keys made here.

One server hosts three issuers, each at its own path: ``/github`` (GitHub
Actions), ``/gitlab`` (GitLab CI/CD) and ``/forgejo`` (an issuer staff
register). ``/github/token`` answers like GitHub Actions' ID-token endpoint
(``ACTIONS_ID_TOKEN_REQUEST_URL``): ``{"value": "<JWT>"}`` for the audience
asked, with the claims set in ``actions_claims``.

    issuer = LocalIssuer(); issuer.start()
    jwt = issuer.sign(issuer.github_claims(audience="localhost", repository="octo/app"))
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUERS = ("github", "gitlab", "forgejo")


def _public_jwk(private_key, kid, alg):
    algorithm = jwt.algorithms.RSAAlgorithm if alg == "RS256" else jwt.algorithms.ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


class LocalIssuer:
    def __init__(self):
        self.keys = {}  # kid -> (private key, alg)
        self.published = []  # kids in the JWKS
        self.add_key("rsa-1", "RS256")
        self.add_key("ec-1", "ES256")
        self.requests = []  # paths served, in order
        self.actions_claims = {}  # what /github/token puts in the token besides aud
        self.actions_request_token = uuid.uuid4().hex
        self._server = None

    # -- keys ------------------------------------------------------------------

    def add_key(self, kid, alg="RS256", *, publish=True):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if alg == "RS256" else ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = (key, alg)
        if publish:
            self.published.append(kid)
        return key

    def jwks(self):
        return {"keys": [_public_jwk(self.keys[kid][0], kid, self.keys[kid][1]) for kid in self.published]}

    def sign(self, claims, *, kid="rsa-1", key=None):
        private, alg = self.keys[kid]
        return jwt.encode(claims, key or private, algorithm=alg, headers={"kid": kid})

    # -- realistic claim sets ------------------------------------------------------

    def url(self, name):
        return f"{self.base_url}/{name}"

    def _times(self, lifetime=300):
        now = int(time.time())
        return {"iat": now, "nbf": now - 5, "exp": now + lifetime}

    def github_claims(self, *, audience, repository="octo-org/octo-app", workflow="release.yml", environment="pypi", event_name="release", ref="refs/tags/v1.0", **overrides):
        """Claims as GitHub Actions issues them (docs.github.com, "About security hardening with OpenID Connect")."""
        owner = repository.split("/")[0]
        claims = {
            "jti": str(uuid.uuid4()),
            "sub": f"repo:{repository}:environment:{environment}" if environment else f"repo:{repository}:ref:{ref}",
            "aud": audience,
            "ref": ref,
            "sha": "8a3f3c2e0c9d7b1f4e5a6b7c8d9e0f1a2b3c4d5e",
            "repository": repository,
            "repository_owner": owner,
            "repository_owner_id": "5432101",
            "repository_id": "987654321",
            "repository_visibility": "public",
            "actor": "octocat",
            "actor_id": "583231",
            "run_id": "12345678901",
            "run_number": "42",
            "run_attempt": "1",
            "runner_environment": "github-hosted",
            "workflow": "Release",
            "head_ref": "",
            "base_ref": "",
            "event_name": event_name,
            "ref_type": "tag",
            "ref_protected": "false",
            "workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
            "workflow_sha": "8a3f3c2e0c9d7b1f4e5a6b7c8d9e0f1a2b3c4d5e",
            "job_workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
            "job_workflow_sha": "8a3f3c2e0c9d7b1f4e5a6b7c8d9e0f1a2b3c4d5e",
            "iss": self.url("github"),
            **self._times(),
        }
        if environment:
            claims["environment"] = environment
        claims.update(overrides)
        return claims

    def gitlab_claims(self, *, audience, project_path="my-group/my-project", workflow=".gitlab-ci.yml", environment="pypi", ref="v1.0", **overrides):
        """Claims as GitLab CI/CD issues them in `id_tokens` (docs.gitlab.com, "ID token authentication")."""
        namespace = project_path.rpartition("/")[0]
        host = urlsplit(self.base_url).netloc
        claims = {
            "namespace_id": "72",
            "namespace_path": namespace,
            "project_id": "20",
            "project_path": project_path,
            "user_id": "1",
            "user_login": "sample-user",
            "user_email": "sample-user@example.com",
            "user_access_level": "maintainer",
            "pipeline_id": "574",
            "pipeline_source": "push",
            "job_id": "302",
            "ref": ref,
            "ref_type": "tag",
            "ref_path": f"refs/tags/{ref}",
            "ref_protected": "true",
            "runner_id": 1,
            "runner_environment": "gitlab-hosted",
            "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "project_visibility": "public",
            "ci_config_ref_uri": f"{host}/{project_path}//{workflow}@refs/tags/{ref}",
            "ci_config_sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
            "jti": str(uuid.uuid4()),
            "sub": f"project_path:{project_path}:ref_type:tag:ref:{ref}",
            "aud": audience,
            "iss": self.url("gitlab"),
            **self._times(),
        }
        if environment:
            claims.update(environment=environment, environment_protected="true", deployment_tier="production")
        claims.update(overrides)
        return claims

    def forgejo_claims(self, *, audience, repository="team/tool", ref="refs/tags/v1.0", **overrides):
        """Claims as Forgejo/Gitea Actions issue them (GitHub's shape, their own issuer)."""
        claims = self.github_claims(audience=audience, repository=repository, ref=ref, environment=None)
        claims.update(iss=self.url("forgejo"), sub=f"repo:{repository}:ref:{ref}", **overrides)
        return claims

    # -- HTTP ----------------------------------------------------------------------

    def start(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                issuer.requests.append(parts.path)
                name, _, rest = parts.path.strip("/").partition("/")
                if name not in ISSUERS:
                    return self._json(404, {"error": "no such issuer"})
                if rest == ".well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": issuer.url(name),
                        "jwks_uri": f"{issuer.url(name)}/jwks",
                        "response_types_supported": ["id_token"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                    })
                if rest == "jwks":
                    return self._json(200, issuer.jwks())
                if rest == "token" and name == "github":
                    if self.headers.get("Authorization", "").lower() != f"bearer {issuer.actions_request_token}":
                        return self._json(401, {"message": "bad request token"})
                    audience = parse_qs(parts.query).get("audience", [""])[0]
                    claims = issuer.github_claims(audience=audience, **issuer.actions_claims)
                    return self._json(200, {"count": 1, "value": issuer.sign(claims)})
                return self._json(404, {"error": "not found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def jwks_fetches(self, name):
        return sum(1 for path in self.requests if path == f"/{name}/jwks")
