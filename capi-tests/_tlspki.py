"""Test certificates made at run time with the openssl CLI (no private key is committed).

    pki = Pki(dir)             # a CA ("Test CA") in dir/ca.pem, dir/ca.key
    pki.leaf("a.test")         # dir/a.test.pem + .key, signed by the CA, SAN DNS:a.test
    pki.leaf("x", algo="rsa", days=-1)   # expired; self_signed=True: not from the CA
"""
import os
import shutil
import subprocess

from _lwstest import fail

OPENSSL = shutil.which("openssl")


def run(*args):
    if not OPENSSL:
        fail("the openssl CLI is missing (Debian package: openssl)")
    r = subprocess.run([OPENSSL, *args], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"openssl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


class Pki:
    def __init__(self, d, ca_name="Test CA"):
        self.d = d
        os.makedirs(d, exist_ok=True)
        self.ca = os.path.join(d, "ca.pem")
        self.ca_key = os.path.join(d, "ca.key")
        self._key(self.ca_key, "ec")
        run("req", "-x509", "-new", "-key", self.ca_key, "-out", self.ca, "-days", "30",
            "-subj", f"/CN={ca_name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def _key(self, path, algo):
        if algo == "rsa":
            run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
        elif algo == "ed25519":
            run("genpkey", "-algorithm", "ED25519", "-out", path)
        else:
            run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)

    def leaf(self, name, algo="ec", days=30, self_signed=False, client=False, san=None):
        """Writes d/NAME.pem and d/NAME.key; days < 0 makes it expired."""
        pem = os.path.join(self.d, name + ".pem")
        key = os.path.join(self.d, name + ".key")
        self._key(key, algo)
        ext = os.path.join(self.d, name + ".ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{san or name}\n")
            f.write("basicConstraints=CA:FALSE\n")
            f.write(f"extendedKeyUsage={'clientAuth' if client else 'serverAuth'}\n")
        csr = os.path.join(self.d, name + ".csr")
        run("req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={name}")
        if days < 0:
            # OpenSSL 3.0's x509 cannot backdate: `openssl ca` can (-startdate/-enddate).
            cadir = os.path.join(self.d, "ca.db")
            os.makedirs(cadir, exist_ok=True)
            open(os.path.join(cadir, "index.txt"), "w").close()
            with open(os.path.join(cadir, "serial"), "w") as f:
                f.write("1000\n")
            cnf = os.path.join(cadir, "ca.cnf")
            with open(cnf, "w") as f:
                f.write(f"[ca]\ndefault_ca=d\n[d]\ndatabase={cadir}/index.txt\n"
                        f"new_certs_dir={cadir}\nserial={cadir}/serial\ndefault_md=sha256\n"
                        "policy=p\nunique_subject=no\n[p]\ncommonName=supplied\n")
            run("ca", "-batch", "-config", cnf, "-cert", self.ca, "-keyfile", self.ca_key,
                "-in", csr, "-out", pem, "-notext", "-extfile", ext,
                "-startdate", "20200101000000Z", "-enddate", "20200102000000Z")
        elif self_signed:
            run("x509", "-req", "-in", csr, "-key", key, "-out", pem, "-extfile", ext,
                "-days", str(days))
        else:
            run("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key,
                "-CAcreateserial", "-out", pem, "-extfile", ext, "-days", str(days))
        return pem, key
