"""A throwaway Sigstore instance for tests: a Fulcio-like CA, a CT log and a Rekor log, all offline.

`SigstoreInstance()` makes fresh keys, `write_trusted_root(path)` writes the
`trusted_root.json` that INTEGRITY_TRUSTED_ROOT points at, and `attest(...)`
signs a PEP 740 attestation (an in-toto statement with the PyPI publish/v1
predicate in a DSSE envelope) for a file's name and sha256, with a leaf
certificate carrying the GitHub Actions or GitLab CI claims Fulcio would
embed, an SCT from the CT log, and a Rekor entry (dsse 0.0.1) with its
signed inclusion promise and an inclusion proof plus signed checkpoint for
a tree of one leaf. The output is the JSON object pypi-attestations reads.

Only `cryptography` and `rfc8785`: nothing of sigstore's own signing code, so
the verifier is checked against independently produced material.
"""

import base64
import hashlib
import json
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
_FULCIO = "1.3.6.1.4.1.57264.1."
_SCT_LIST_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def _b64(data):
    return base64.b64encode(data).decode()


def _spki(key):
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_id(key):
    return hashlib.sha256(_spki(key)).digest()


def _der_utf8(text):
    """A DER UTF8String, as Fulcio encodes its claims (1.3.6.1.4.1.57264.1.8 and later)."""
    raw = text.encode()
    if len(raw) < 128:
        length = bytes([len(raw)])
    else:
        size = (len(raw).bit_length() + 7) // 8
        length = bytes([0x80 | size]) + len(raw).to_bytes(size, "big")
    return b"\x0c" + length + raw


def _der_octet_string(raw):
    if len(raw) < 128:
        return b"\x04" + bytes([len(raw)]) + raw
    size = (len(raw).bit_length() + 7) // 8
    return b"\x04" + bytes([0x80 | size]) + len(raw).to_bytes(size, "big") + raw


def _pae(payload_type, payload):
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True)
class Identity:
    """What the CI's OIDC token said, as Fulcio puts it into the certificate."""

    issuer: str
    san: str
    claims: dict  # Fulcio OID suffix (8, 9, ...) -> value

    @classmethod
    def github(cls, repository="octo-org/octo-app", workflow="release.yml", ref="refs/tags/v1.0", sha="a" * 40, run_id="4242"):
        workflow_uri = f"https://github.com/{repository}/.github/workflows/{workflow}@{ref}"
        return cls(
            issuer=GITHUB_ISSUER,
            san=workflow_uri,
            claims={
                8: GITHUB_ISSUER,
                9: workflow_uri,
                10: sha,
                11: "github-hosted",
                12: f"https://github.com/{repository}",
                13: sha,
                14: ref,
                18: workflow_uri,
                19: sha,
                20: "push",
                21: f"https://github.com/{repository}/actions/runs/{run_id}/attempts/1",
            },
        )

    @classmethod
    def gitlab(cls, repository="my-group/my-project", workflow=".gitlab-ci.yml", ref="refs/tags/v1.0", sha="b" * 40):
        config = f"https://gitlab.com/{repository}//{workflow}@{ref}"
        return cls(
            issuer=GITLAB_ISSUER,
            san=config,
            claims={
                8: GITLAB_ISSUER,
                9: config,
                10: sha,
                11: "gitlab-hosted",
                12: f"https://gitlab.com/{repository}",
                13: sha,
                14: ref,
                18: config,
                19: sha,
                20: "push",
                21: f"https://gitlab.com/{repository}/-/jobs/77",
            },
        )

    @property
    def commit(self):
        return self.claims[13]


class SigstoreInstance:
    """Keys and certificates of one throwaway Sigstore deployment."""

    def __init__(self, name="test"):
        now = datetime.now(timezone.utc)
        self.name = name
        self.ca_key = ec.generate_private_key(ec.SECP384R1())
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.test"), x509.NameAttribute(NameOID.COMMON_NAME, f"{name}-fulcio")])
        self.ca_cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key()), critical=False)
            .sign(self.ca_key, hashes.SHA384())
        )
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.rekor_key = ec.generate_private_key(ec.SECP256R1())
        self.log_index = 0

    # -- the trusted root ----------------------------------------------------------

    def trusted_root(self):
        start = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def log(key, url):
            return {
                "baseUrl": url,
                "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": _b64(_spki(key)), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}},
                "logId": {"keyId": _b64(_key_id(key))},
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [log(self.rekor_key, f"https://rekor.{self.name}.invalid")],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "sigstore.test", "commonName": f"{self.name}-fulcio"},
                    "uri": f"https://fulcio.{self.name}.invalid",
                    "certChain": {"certificates": [{"rawBytes": _b64(self.ca_cert.public_bytes(serialization.Encoding.DER))}]},
                    "validFor": {"start": start},
                }
            ],
            "ctlogs": [log(self.ct_key, f"https://ctfe.{self.name}.invalid")],
            "timestampAuthorities": [],
        }

    def write_trusted_root(self, path):
        path.write_text(json.dumps(self.trusted_root(), indent=2))
        return path

    # -- Fulcio: a short-lived leaf with the CI's claims and an embedded SCT ----------

    def _leaf(self, identity, key, now):
        ca_public = self.ca_key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(seconds=30))
            .not_valid_after(now + timedelta(minutes=10))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity.san)]), critical=True)
            .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(_FULCIO + "1"), identity.issuer.encode()), critical=False)
        )
        for suffix, value in sorted(identity.claims.items()):
            builder = builder.add_extension(
                x509.UnrecognizedExtension(x509.ObjectIdentifier(_FULCIO + str(suffix)), _der_utf8(value)), critical=False
            )
        # The SCT signs the certificate without its SCT list (the precertificate's TBS): build once with a
        # placeholder to learn those bytes, then again with the real SCT; both share every other field.
        placeholder = builder.add_extension(x509.UnrecognizedExtension(_SCT_LIST_OID, _der_octet_string(b"\x00\x00")), critical=False)
        tbs = placeholder.sign(self.ca_key, hashes.SHA384()).tbs_precertificate_bytes
        sct = self._sct(tbs, now)
        return builder.add_extension(x509.UnrecognizedExtension(_SCT_LIST_OID, _der_octet_string(sct)), critical=False).sign(
            self.ca_key, hashes.SHA384()
        )

    def _sct(self, tbs, now):
        timestamp = int(now.timestamp() * 1000)
        issuer_key_id = hashlib.sha256(_spki(self.ca_key)).digest()
        signed = struct.pack("!BBQH", 0, 0, timestamp, 1) + issuer_key_id + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00"
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            b"\x00" + _key_id(self.ct_key) + struct.pack("!Q", timestamp) + b"\x00\x00"
            + b"\x04\x03" + struct.pack("!H", len(signature)) + signature
        )
        entry = struct.pack("!H", len(sct)) + sct
        return struct.pack("!H", len(entry)) + entry

    # -- Rekor: a dsse 0.0.1 entry, its signed promise, a proof in a tree of one ---------

    def _tlog_entry(self, *, payload, signature, cert, now):
        body = json.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(payload + signature).hexdigest()},
                    "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                    "signatures": [{"signature": _b64(signature), "verifier": _b64(cert.public_bytes(serialization.Encoding.PEM))}],
                },
            },
            separators=(",", ":"),
        ).encode()
        index = self.log_index
        self.log_index += 1
        integrated = int(now.timestamp())
        log_id = _key_id(self.rekor_key)
        promise = rfc8785.dumps({"body": _b64(body), "integratedTime": integrated, "logID": log_id.hex(), "logIndex": index})
        signed_entry_timestamp = self.rekor_key.sign(promise, ec.ECDSA(hashes.SHA256()))
        # A tree of one leaf: the root is the leaf's hash and the proof has no hashes.
        root = hashlib.sha256(b"\x00" + body).digest()
        note = f"rekor.{self.name}.invalid - 1\n1\n{_b64(root)}\n"
        note_signature = self.rekor_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        checkpoint = note + "\n" + f"\u2014 rekor.{self.name}.invalid {_b64(log_id[:4] + note_signature)}\n"
        return {
            "logIndex": str(index),
            "logId": {"keyId": _b64(log_id)},
            "kindVersion": {"kind": "dsse", "version": "0.0.1"},
            "integratedTime": str(integrated),
            "inclusionPromise": {"signedEntryTimestamp": _b64(signed_entry_timestamp)},
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": _b64(root),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": checkpoint},
            },
            "canonicalizedBody": _b64(body),
        }

    # -- the attestation ---------------------------------------------------------

    def attest(self, *, filename, sha256, identity, predicate_type=PUBLISH_V1, predicate=None):
        """A PEP 740 attestation (a dict, as JSON would hold it) for the file `filename` with digest `sha256`."""
        now = datetime.now(timezone.utc)
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": filename, "digest": {"sha256": sha256}}],
            "predicateType": predicate_type,
            "predicate": predicate if predicate is not None else {},
        }
        payload = json.dumps(statement, separators=(",", ":")).encode()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._leaf(identity, key, now)
        signature = key.sign(_pae(INTOTO_PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
        return {
            "version": 1,
            "verification_material": {
                "certificate": _b64(cert.public_bytes(serialization.Encoding.DER)),
                "transparency_entries": [self._tlog_entry(payload=payload, signature=signature, cert=cert, now=now)],
            },
            "envelope": {"statement": _b64(payload), "signature": _b64(signature)},
        }

    def attest_file(self, path, *, identity, **kwargs):
        """attest() for the distribution file at `path`."""
        return self.attest(filename=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest(), identity=identity, **kwargs)
