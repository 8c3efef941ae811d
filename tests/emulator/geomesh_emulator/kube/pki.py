"""Certificates of the emulated Kubernetes API servers (``cryptography``, EC P-256 keys).

Each API server (ACK cluster, ASM mesh) has its own CA. The CA signs the server's serving
certificate (SAN IP 127.0.0.1 and DNS localhost, what clients check against the kubeconfig's
``https://127.0.0.1:<port>``) and the client certificates handed out in kubeconfigs: CN = user,
O = groups, as the real API server's x509 authenticator reads them
(https://kubernetes.io/docs/reference/access-authn-authz/authentication/#x509-client-certificates;
kube-api-emulation.md section 8).

CA and serving certificates are valid in *wall-clock* time (kubectl and Python check the server
certificate against their own clock); client certificates carry the emulator-clock window they
were issued for and are checked against the emulator clock (:func:`check_client`), so advancing
the emulator clock past a kubeconfig's expiration makes its certificate expire.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The wall-clock validity of CA and serving certificates (clients check them with their clock).
CA_DAYS = 3650
SERVER_DAYS = 3650
# Client certificates start a little before the moment they are issued, against clock skew
# (UNCONFIRMED: the back-dating ACK / ASM apply; kubeadm-style tooling uses minutes).
CLIENT_BACKDATE_S = 300.0


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, both PEM text."""

    cert_pem: str
    key_pem: str


@dataclass(frozen=True)
class Identity:
    """Who a client certificate says the caller is."""

    user: str
    groups: tuple[str, ...]


class AuthError(Exception):
    """A client certificate the API server refuses (the request gets 401 Unauthorized)."""


def _utc(ts: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_cert(pem_or_der: str | bytes) -> x509.Certificate:
    if isinstance(pem_or_der, str):
        pem_or_der = pem_or_der.encode("ascii")
    if pem_or_der.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(pem_or_der)
    return x509.load_der_x509_certificate(pem_or_der)


def _load_key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # pragma: no cover - only EC keys are made here
        raise TypeError("expected an EC private key")
    return key


def new_ca(common_name: str, now: float | None = None) -> KeyPair:
    """A self-signed CA for one API server (``now``: wall-clock seconds, default time.time())."""
    start = _utc(now) if now is not None else _dt.datetime.now(_dt.timezone.utc)
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - _dt.timedelta(hours=1))
        .not_valid_after(start + _dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(_cert_pem(cert), _key_pem(key))


def _leaf(
    ca: KeyPair,
    subject: x509.Name,
    not_before: _dt.datetime,
    not_after: _dt.datetime,
    usage: x509.ObjectIdentifier,
    san: x509.SubjectAlternativeName | None = None,
) -> KeyPair:
    ca_cert = load_cert(ca.cert_pem)
    ca_key = _load_key(ca.key_pem)
    key = _new_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
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
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if san is not None:
        builder = builder.add_extension(san, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return KeyPair(_cert_pem(cert), _key_pem(key))


def server_cert(ca: KeyPair, now: float | None = None) -> KeyPair:
    """The serving certificate: SAN IP 127.0.0.1 and DNS localhost, wall-clock validity."""
    start = _utc(now) if now is not None else _dt.datetime.now(_dt.timezone.utc)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")])
    return _leaf(
        ca,
        subject,
        start - _dt.timedelta(hours=1),
        start + _dt.timedelta(days=SERVER_DAYS),
        ExtendedKeyUsageOID.SERVER_AUTH,
        san,
    )


def client_cert(
    ca: KeyPair, user: str, groups: list[str] | tuple[str, ...], not_before: float, not_after: float
) -> KeyPair:
    """A client certificate: CN = ``user``, one O per group, valid ``not_before``..``not_after``
    (emulator-clock seconds)."""
    if not user:
        raise ValueError("a client certificate needs a user (CN)")
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
    return _leaf(ca, x509.Name(attrs), _utc(not_before), _utc(not_after), ExtendedKeyUsageOID.CLIENT_AUTH)


def check_client(cert: str | bytes | None, ca_cert_pem: str, now: float) -> Identity:
    """The identity of a client certificate presented to the API server whose CA is ``ca_cert_pem``,
    at emulator time ``now``; :class:`AuthError` when the request must get 401.

    The TLS layer already refused certificates of other CAs (only this CA is trusted) but does not
    check time (X509_V_FLAG_NO_CHECK_TIME), so that an expired certificate reaches this check and
    gets 401 as from the real server (kube-api-emulation.md section 8)."""
    if not cert:
        raise AuthError("no client certificate")
    try:
        peer = load_cert(cert)
        issuer = load_cert(ca_cert_pem)
        peer.verify_directly_issued_by(issuer)
    except Exception as exc:  # pylint: disable=broad-except  # any parse or signature failure
        raise AuthError(f"certificate not signed by this API server's CA: {exc}") from exc
    moment = _utc(now)
    if moment < peer.not_valid_before_utc:
        raise AuthError("client certificate not yet valid")
    if moment > peer.not_valid_after_utc:
        raise AuthError("client certificate has expired")
    try:
        usages = peer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        usages = None
    if usages is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        raise AuthError("certificate not usable for client authentication")
    names = peer.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    user = str(names[0].value) if names else ""
    if not user:
        raise AuthError("client certificate without a common name")
    groups = tuple(str(a.value) for a in peer.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    return Identity(user, groups)
