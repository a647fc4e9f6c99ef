#!/usr/bin/env python3
"""Writes the seeds of the `tls_config` fuzz target (fuzz/seeds/tls_config/) with the
openssl command: a CA and leaves of each key type and key encoding the library reads,
packed in the target's input format (see fuzz/fuzz_targets/tls_config.rs).  The seeds
are committed; run this again only to change them.
"""
import os
import shutil
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "seeds", "tls_config")


def sh(*args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def pack(flags, room, *parts):
    out = bytes([flags, room])
    for p in parts:
        out += struct.pack("<H", len(p)) + p
    return out


def main():
    d = tempfile.mkdtemp()
    try:
        sh("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.sec1", cwd=d)
        sh("openssl", "req", "-x509", "-new", "-key", "ca.sec1", "-subj", "/CN=Seed CA/O=lws-rs fuzz",
           "-days", "36500", "-out", "ca.pem", cwd=d)
        with open(os.path.join(d, "ext"), "w") as f:
            f.write("subjectAltName=DNS:localhost,DNS:*.example.test\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n"
                    "authorityKeyIdentifier=keyid,issuer\n")
        keys = {
            "ec": ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "k"],
            "rsa": ["openssl", "genrsa", "-traditional", "-out", "k", "2048"],
            "ed25519": ["openssl", "genpkey", "-algorithm", "ed25519", "-out", "k"],
        }
        leaves = {}
        for name, cmd in keys.items():
            sh(*cmd, cwd=d)
            os.rename(os.path.join(d, "k"), os.path.join(d, name + ".key"))
            sh("openssl", "req", "-new", "-key", name + ".key", "-subj", "/CN=localhost/O=lws-rs fuzz",
               "-out", name + ".csr", cwd=d)
            sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.sec1",
               "-set_serial", "7", "-days", "36500", "-extfile", "ext", "-out", name + ".pem", cwd=d)
            leaves[name] = (read(d, name + ".pem"), read(d, name + ".key"))
        sh("openssl", "pkcs8", "-topk8", "-in", "ec.key", "-passout", "pass:seed", "-v2", "aes-128-cbc",
           "-out", "ec.enc", cwd=d)
        sh("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "rsa.key", "-out", "rsa.p8", cwd=d)
        sh("openssl", "x509", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der", cwd=d)
        sh("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", "ec.key", "-outform", "DER", "-out", "ec.key.der",
           cwd=d)
        sh("openssl", "req", "-x509", "-new", "-key", "ec.key", "-subj", "/CN=self.test", "-days", "36500",
           "-out", "self.pem", cwd=d)
        ca = read(d, "ca.pem")
        alpn, host = b"h2,http/1.1", b"localhost"
        ec, ec_key = leaves["ec"]
        seeds = {
            # SEC1 EC key, both ALPN lists with h2.
            "ec_sec1": pack(0, 0, ec, ec_key, ca, b"", alpn, alpn, host),
            # PKCS#1 RSA key; the client offers http/1.1 only; a small x509_info room.
            "rsa_pkcs1": pack(0, 16, leaves["rsa"][0], leaves["rsa"][1], ca, b"", alpn, b"http/1.1", host),
            "rsa_pkcs8": pack(0, 200, leaves["rsa"][0], read(d, "rsa.p8"), ca, b"", alpn, alpn, host),
            "ed25519": pack(0, 0, leaves["ed25519"][0], leaves["ed25519"][1], ca, b"", b"http/1.1", alpn, host),
            # Encrypted PKCS#8 with its password (flag bit 0).
            "ec_encrypted": pack(1, 0, ec, read(d, "ec.enc"), ca, b"seed", alpn, alpn, host),
            # DER certificate and key; the wildcard name.
            "ec_der": pack(0, 0, read(d, "ec.der"), read(d, "ec.key.der"), ca, b"", alpn, alpn, b"a.example.test"),
            # A chain bundle; the server requires a client certificate, the client has one.
            "mutual": pack(2 | 8, 0, ec + ca, ec_key, ca, b"", alpn, alpn, host),
            # Required but optional (bit 2), the client has none.
            "optional_client": pack(2 | 4, 0, ec, ec_key, ca, b"", alpn, alpn, host),
            # Self-signed, the client allows it (LCCSCF_ALLOW_SELFSIGNED in bits 4-7).
            "selfsigned": pack(0x10 | 0x20, 0, read(d, "self.pem"), ec_key, read(d, "self.pem"), b"", alpn,
                               alpn, b"self.test"),
        }
        shutil.rmtree(OUT, ignore_errors=True)
        os.makedirs(OUT)
        for name, data in seeds.items():
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(data)
        print(f"{len(seeds)} seeds in {OUT}")
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()
