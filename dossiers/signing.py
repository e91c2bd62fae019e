"""The portal's signing key: loading it, signing a PDF (PAdES), and the development CA.

Signing material comes from the environment (settings.DOSSIER_SIGNING_*): a PKCS#12 bundle or a
PEM key and certificate. With none configured and DOSSIER_ALLOW_DEV_SIGNING on (the default when
DEBUG is true), the DEVELOPMENT-ONLY CA made by `manage.py ensure_signing_cert` is used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

from dossiers.errors import DossierError, TransientError

DEV_PREFIX = "DEVELOPMENT-ONLY-"
DEV_ROOT = f"{DEV_PREFIX}root-ca.cert.pem"
DEV_ROOT_KEY = f"{DEV_PREFIX}root-ca.key.pem"
DEV_KEY = f"{DEV_PREFIX}dossier-signer.key.pem"
DEV_CERT = f"{DEV_PREFIX}dossier-signer.cert.pem"
DEV_FILES = (DEV_ROOT, DEV_ROOT_KEY, DEV_KEY, DEV_CERT)
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
FIELD_NAME = "PortalSignature"
# Room for the CMS blob: RSA-3072 signature, a certificate chain of three and a timestamp token.
BYTES_RESERVED = 16384


def dev_dir() -> Path:
    return Path(settings.DOSSIER_DEV_SIGNING_DIR)


def configured() -> bool:
    return bool(settings.DOSSIER_SIGNING_PKCS12 or settings.DOSSIER_SIGNING_KEY)


def _passphrase() -> bytes | None:
    value = settings.DOSSIER_SIGNING_PASSPHRASE
    return value.encode() if value else None


@dataclass(frozen=True)
class SigningKey:
    signer: signers.SimpleSigner
    fingerprint: str  # SHA-256 of the signer certificate (DER), hex
    development: bool


def load_signing_key() -> SigningKey:
    """The configured signer; DossierError("signing_not_configured") when there is none."""
    key = _load(
        settings.DOSSIER_SIGNING_PKCS12,
        settings.DOSSIER_SIGNING_KEY,
        settings.DOSSIER_SIGNING_CERT,
        tuple(settings.DOSSIER_SIGNING_CHAIN),
        settings.DOSSIER_SIGNING_PASSPHRASE,
        settings.DOSSIER_ALLOW_DEV_SIGNING,
        str(dev_dir()),
    )
    return key


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature
    (`load_der_private_key`, which for an RSA key also checks it: most of the CPU of signing a
    PDF). This one parses it once, when the key is loaded, before a worker forks its render
    processes; RSA (PKCS#1 v1.5, PSS) and ECDSA keys, the others as pyHanko does."""

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism["algorithm"].native
        key = self.kept_key
        if algorithm in ("rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa"):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algorithm == "rsassa_pss":
            pss, hash_algorithm = process_pss_params(mechanism["parameters"])
            return key.sign(data, pss, hash_algorithm)
        if algorithm in ("ecdsa", "sha256_ecdsa", "sha384_ecdsa", "sha512_ecdsa"):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)

    @classmethod
    def keeping_key_of(cls, signer: signers.SimpleSigner) -> _KeptKeySigner:
        kept = cls.__new__(cls)
        kept.__dict__.update(signer.__dict__)
        kept.kept_key = serialization.load_der_private_key(signer.signing_key.dump(), None)
        return kept


@lru_cache(maxsize=4)
def _load(pkcs12, key_path, cert_path, chain, _passphrase_value, allow_dev, dev_path):
    passphrase = _passphrase()
    development = False
    if pkcs12:
        signer = signers.SimpleSigner.load_pkcs12(
            pkcs12, ca_chain_files=chain or None, passphrase=passphrase
        )
    elif key_path:
        signer = signers.SimpleSigner.load(
            key_path, cert_path, ca_chain_files=chain or None, key_passphrase=passphrase
        )
    elif allow_dev and (Path(dev_path) / DEV_KEY).is_file():
        development = True
        signer = signers.SimpleSigner.load(
            str(Path(dev_path) / DEV_KEY),
            str(Path(dev_path) / DEV_CERT),
            ca_chain_files=(str(Path(dev_path) / DEV_ROOT),),
        )
    else:
        raise DossierError("signing_not_configured")
    if signer is None:
        raise DossierError("signing_key_unreadable")
    signer = _KeptKeySigner.keeping_key_of(signer)
    fingerprint = hashlib.sha256(signer.signing_cert.dump()).hexdigest()
    return SigningKey(signer, fingerprint, development)


def trust_roots() -> list[asn1_x509.Certificate]:
    """Roots the verification accepts: DOSSIER_TRUST_ROOTS, plus the development CA while
    development signing is allowed."""
    paths = list(settings.DOSSIER_TRUST_ROOTS)
    if settings.DOSSIER_ALLOW_DEV_SIGNING and (dev_dir() / DEV_ROOT).is_file():
        paths.append(str(dev_dir() / DEV_ROOT))
    return [load_cert_from_pemder(p) for p in paths]


def sign_pdf(pdf: bytes, *, key: SigningKey, reason: str, location: str = "") -> bytes:
    """PAdES B-B (B-T with a timestamp server) signature over the whole file."""
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
    )
    timestamper = (
        timestamps.HTTPTimeStamper(settings.DOSSIER_TSA_URL) if settings.DOSSIER_TSA_URL else None
    )
    out = io.BytesIO()
    try:
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            meta,
            signer=key.signer,
            timestamper=timestamper,
            output=out,
            bytes_reserved=BYTES_RESERVED,
        )
    except (OSError, timestamps.TimestampRequestError) as exc:
        # The timestamp server did not answer or answered badly: worth another try.
        raise TransientError(f"timestamp server: {exc}") from exc
    return out.getvalue()


# --- the development CA -----------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DEVELOPMENT ONLY - not for filing"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca_and_signer(
    *, root_name: str, signer_name: str, days: int = 3650
) -> tuple[bytes, bytes, bytes, bytes]:
    """(root cert, root key, signer key, signer cert) as PEM: a self-signed root that may only
    sign certificates, and a signer for documents (EKU document signing)."""
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name(root_name))
        .issuer_name(_name(root_name))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(signer_name))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return root.public_bytes(pem), _pem_key(root_key), _pem_key(key), cert.public_bytes(pem)


def write_dev_ca(directory: Path) -> list[Path]:
    """Create the development CA and signer in `directory`; never overwrites a file."""
    directory.mkdir(parents=True, exist_ok=True)
    root, root_key, key, cert = make_ca_and_signer(
        root_name="DEVELOPMENT ONLY portal dossier root CA",
        signer_name="DEVELOPMENT ONLY portal dossier signer",
    )
    written = []
    for name, data, mode in (
        (DEV_ROOT, root, 0o644),
        (DEV_ROOT_KEY, root_key, 0o600),
        (DEV_KEY, key, 0o600),
        (DEV_CERT, cert, 0o644),
    ):
        path = directory / name
        # O_EXCL: refuse to replace a file that appeared in between.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        written.append(path)
    _load.cache_clear()
    return written
