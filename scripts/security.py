#!/usr/bin/env python3
"""make security (docs/spec/security.md, "Checks"): testssl.sh against `callpulse serve` with a
self-signed test certificate (with a SAN for 127.0.0.1 and localhost) on a loopback port.

Prints testssl.sh's findings and a summary; exits 1 when a finding is "VULNERABLE" or "NOT ok"
(or rated MEDIUM, HIGH or CRITICAL) and is not one of those a self-signed test certificate
causes, listed in SELF_SIGNED below. One more is settled by a check of its own: testssl.sh
3.0.8's client-renegotiation probe races (RENEGOTIATION_ID below), so when it says VULNERABLE
the script asks the server again without the race and fails only if the server renegotiates.
CALLPULSE=path runs another build of the binary.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import callpulse_daemon  # noqa: E402

TESTSSL = "/usr/bin/testssl"
OPENSSL = "/usr/bin/openssl"

# What a self-signed test certificate causes, and nothing else: testssl.sh's JSON id, the
# terminal line it prints, and why a real certificate would not show it.
SELF_SIGNED = [
    ("cert_chain_of_trust", r"Chain of trust\s+NOT ok \(self signed\)",
     "chain of trust: no CA signed the test certificate"),
    ("cert_revocation", r"NOT ok -- neither CRL nor OCSP URI provided",
     "revocation: no CA, so no CRL or OCSP URI to revoke it by"),
    ("cert_crlDistributionPoints", None, "revocation: no CRL distribution point"),
    ("cert_ocspURL", None, "revocation: no OCSP URI"),
    ("OCSP_stapling", None, "OCSP stapling: no OCSP responder for a self-signed certificate"),
    ("cert_mustStapleExtension", None, "OCSP must-staple: no OCSP responder"),
    ("certificate_transparency", None, "certificate transparency: no CA logs the test certificate"),
]
FAILING_SEVERITIES = {"MEDIUM", "HIGH", "CRITICAL", "FATAL"}

# testssl.sh 3.0.8 probes client-initiated renegotiation with `echo R | openssl s_client`: when
# s_client reads the end of its input before the server's close arrives, it exits 0 without
# "closed", and the retry with four R's takes the exit 0 that follows the server closing the
# connection as "VULNERABLE" (testssl.sh#1725 exempts "closed" on the first try only). Under
# load that happens now and then. renegotiation_refused() settles it without the race.
RENEGOTIATION_ID = "secure_client_renego"


def make_certificate(directory):
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, stderr=subprocess.DEVNULL)
    return key, cert


def run_testssl(port, json_path):
    """testssl.sh's terminal report, printed as it comes and returned."""
    command = [TESTSSL, "--quiet", "--color", "0", "--warnings", "off", "--jsonfile", json_path,
               f"127.0.0.1:{port}"]
    print("==> " + " ".join(command), flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    process.wait()
    return process.returncode, lines


def renegotiation_refused(port, tries=3):
    """(refused every time, what s_client said last): TLS 1.2 with stdin held open after an "R",
    so that the connection ends only if the server ends it. A server that renegotiates (the DoS
    testssl.sh looks for) keeps the connection open; ours closes it ("closed")."""
    said = ""
    for _ in range(tries):
        client = subprocess.Popen([OPENSSL, "s_client", "-no_tls1_3", "-connect", f"127.0.0.1:{port}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        client.stdin.write("R\n")
        client.stdin.flush()
        try:
            client.wait(timeout=10)
        except subprocess.TimeoutExpired:
            client.kill()
            client.wait()
            return False, "the connection stayed open after the renegotiation request"
        said = "\n".join(client.stdout.read().strip().splitlines()[-2:])
        if "RENEGOTIATING" not in said or not said.endswith("closed"):
            return False, said
    return True, said


def allowed_id(finding_id):
    base = finding_id.split(" ")[0]  # "cert_chain_of_trust <cert#1>" with several certificates
    return next((why for known, _, why in SELF_SIGNED if known == base), None)


def is_bad(text):
    # testssl.sh writes "not vulnerable" for a pass and "VULNERABLE" for a failure.
    return "VULNERABLE" in text or "NOT ok" in text


def verdict(findings, lines, renegotiation):
    """(failures, excused) as printable lines. `renegotiation`: renegotiation_refused()'s
    (refused, evidence), or None when testssl.sh did not flag it."""
    failures, excused = [], []
    for finding in findings:
        text = finding.get("finding", "")
        if finding.get("severity") not in FAILING_SEVERITIES and not is_bad(text):
            continue
        line = f"{finding['id']} [{finding.get('severity')}]: {text}"
        why = allowed_id(finding["id"])
        if finding["id"] == RENEGOTIATION_ID and renegotiation and renegotiation[0]:
            why = ("testssl.sh 3.0.8's racy probe (see RENEGOTIATION_ID in this script); held open, every renegotiation request "
                   "got the connection closed: " + renegotiation[1].replace("\n", " / "))
        (excused if why else failures).append(line + (f"  -- {why}" if why else ""))
    # The terminal report too: its wording ("NOT ok") is not always the JSON's.
    patterns = [re.compile(pattern) for _, pattern, _ in SELF_SIGNED if pattern]
    if renegotiation and renegotiation[0]:
        patterns.append(re.compile(r"Secure Client-Initiated Renegotiation\s+VULNERABLE"))
    for line in lines:
        if is_bad(line) and not any(p.search(line) for p in patterns):
            failures.append("report line: " + line.strip())
    return failures, excused


def summary(lines):
    """The figures a reviewer looks at first, from the terminal report."""
    wanted = ("SSLv2", "SSLv3", "TLS 1 ", "TLS 1.1", "TLS 1.2", "TLS 1.3", "Obsolete CBC", "Strong encryption",
              "Has server cipher order", "Strict Transport Security", "Trust (hostname)", "subjectAltName")
    return [line.strip() for line in lines if line.strip().startswith(wanted)]


def main():
    for tool in (TESTSSL, OPENSSL):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} is missing: run scripts/bootstrap.sh security")
    with tempfile.TemporaryDirectory(prefix="callpulse-security-") as directory:
        key, cert = make_certificate(directory)
        config = os.path.join(directory, "config.yml")
        with open(config, "w") as file:
            file.write(f"web:\n  tls_cert_file: {cert}\n  tls_key_file: {key}\n")
        daemon, port = callpulse_daemon.start(["--config", config])
        try:
            json_path = os.path.join(directory, "testssl.json")
            status, lines = run_testssl(port, json_path)
            try:
                with open(json_path) as file:
                    findings = json.load(file)
            except (OSError, ValueError) as error:
                sys.exit(f"testssl.sh wrote no JSON report (exit {status}): {error}")
            flagged = any(f["id"] == RENEGOTIATION_ID and f.get("severity") in FAILING_SEVERITIES for f in findings)
            renegotiation = renegotiation_refused(port) if flagged else None
        finally:
            daemon.terminate()
            daemon.wait()
    failures, excused = verdict(findings, lines, renegotiation)
    print("\n==> summary")
    for line in summary(lines):
        print("  " + line)
    print(f"  {len(findings)} findings from testssl.sh (exit {status})")
    print(f"==> excused, each with its reason ({len(excused)})")
    for line in excused:
        print("  " + line)
    if failures:
        print(f"==> FAILED: {len(failures)} finding(s) VULNERABLE, NOT ok or rated "
              f"{'/'.join(sorted(FAILING_SEVERITIES))} that the test certificate does not explain")
        for line in failures:
            print("  " + line)
        sys.exit(1)
    print("==> passed: no finding VULNERABLE or NOT ok beyond the self-signed test certificate's")


if __name__ == "__main__":
    main()
