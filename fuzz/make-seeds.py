#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into fuzz/seeds/<target>/.

Each registrar fixture in tests/fixtures/<provider>/ becomes a seed of the
adapter targets with its selector byte (and, for the HTTP targets, a status
and a header block) prefixed; hand-made edge inputs are added for every
target. The output is deterministic (file names are content hashes), so
running it again changes nothing. Input layouts: see fuzz/README.md.

Usage: make-seeds.py [OUT_DIR]   (default: fuzz/seeds)
"""

import hashlib
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
PROVIDERS = {"dna": 0, "namecom": 1, "openprovider": 2}
ALL_PROVIDERS = 3


def selector(provider, subject_mode=0, now=0, zone=0):
    """bits 0-1 provider (3 = all), 2-3 subject mode, 4-6 clock, 7 zone."""
    return bytes([provider | subject_mode << 2 | now << 4 | zone << 7])


def http(status, body, headers=()):
    head = "".join(f"{k}: {v}\n" for k, v in headers)
    return struct.pack("<H", status) + head.encode() + b"\n\n" + body


def status_for(name):
    """The HTTP status a fixture is an answer with, from its file name."""
    m = re.search(r"-(\d{3})(?:[.-]|$)", name)
    if m and 400 <= int(m.group(1)) <= 599 and not name.startswith("start-"):
        return int(m.group(1))
    if name == "error-auth.json":
        return 401
    return 200


SEEDS = {t: [] for t in ["evaluate", "evaluate_response", "interpret_resend", "timestamp", "webhook"]}


def add(target, data):
    SEEDS[target].append(data if isinstance(data, bytes) else data.encode())


# ---------------------------------------------------------------- fixtures

for provider, p in PROVIDERS.items():
    folder = os.path.join(FIXTURES, provider)
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), "rb") as f:
            body = f.read()
        # List view and single-contact view (name.com's "absent = verified").
        add("evaluate", selector(p) + body)
        add("evaluate", selector(p, subject_mode=1) + body)
        status = status_for(name)
        headers = [("x-ratelimit-reset", "1772367298")] if status == 429 else []
        for target in ("evaluate_response", "interpret_resend"):
            add(target, selector(p) + http(status, body, headers))
            if status != 200:
                add(target, selector(p) + http(200, body))

# ---------------------------------------------------------------- adapters, by hand

EDGE_BODIES = [
    b"",
    b"{",
    b"[]",
    b"null",
    b"true",
    b'"text"',
    b"<html><body>Bad gateway</body></html>",
    b'{"d":{"d":{"GetDetailsResult":[{"VerificationStatus":"Pending","ContactEmail":"a@b.c"}]}}}',
    b'[{"VerificationStatus":"Pending","ContactEmail":"a@b.c","LastNotificationDate":"/Date(8210266876799000)/"}]',
    b'{"VerificationStatus":"Pending","ContactEmail":" x@y.z ","ExpirationDate":-8334632851200,"LastNotificationDate":"9999-12-31 23:59:59"}',
    b'{"unverifiedContacts":[{"verificationId":"2147483648","verifyBy":"+262142-12-31T23:59:59Z","email":"jane@example.com"}],"nextPage":"3","to":1,"totalCount":"2"}',
    b'{"unverifiedContacts":[1,null,{"email":""},{"verificationId":7.0,"verifyBy":false}],"nextPage":-1}',
    b'{"eventName":" contact.verification.status_change ","verification":{"status":"UN_VERIFIED","verifyBy":"0000-00-00"},"verificationId":1e3}',
    b'{"sent":"no","nextEligibleAt":"2026-03-01T12:15:00Z","verificationId":5}',
    b'{"code":"0","data":{"results":[{"email":"A@b.c","status":"FAI","description":"Bounce","expiration_date":"2026-02-30 00:00:00"},{"email":"a@B.c","status":"ACT","is_suspended":"yes"}],"total":1e2}}',
    b'{"code":0,"data":null}',
    b'{"code":20000,"desc":"This email address has been verified already","data":""}',
    b'{"code":0,"data":{"success":"0"}}',
]
for i, body in enumerate(EDGE_BODIES):
    sel = selector(ALL_PROVIDERS, subject_mode=i % 4, now=i % 8, zone=i % 2)
    add("evaluate", sel + body)
    for status in (200, 429, 502):
        hdr = [("Retry-After", "120"), ("X-RateLimit-Reset", "1e300")] if status != 200 else []
        add("evaluate_response", sel + http(status, body, hdr))
        add("interpret_resend", sel + http(status, body, hdr))

# ---------------------------------------------------------------- timestamps

TIMES = [
    "2026-01-20T21:49:58Z", "2026-01-20T21:49:58+00:00", "2026-01-20t21:49:58z",
    "2026-01-20 21:49:58", "2026-01-20T23:49:58+0200", "2026-01-20T21:49:58.123456789123Z",
    "2026-01-20T21:49", "2026-01-20", "1768945798", "1768945798.5", "-1", "1768945798000",
    "/Date(1768945798000)/", "/Date(1768945798000+0300)/", "\\/Date(-1)\\/", "/Date(0)/",
    "0000-00-00 00:00:00", "0000-00-00", "0", "null", "", "   ", "+262142-12-31T23:59:59Z",
    "-262143-01-01 00:00:00", "9999-12-31 23:59:59", "2026-02-30", "2026-01-20T21:49:58+99:99",
    "1e400", "-", "Next eligible at: 2026-01-20T21:49:58+00:00.", "retry 12026-01-20 or 2026-01-21;",
]
for i, t in enumerate(TIMES):
    add("timestamp", bytes([i % 8]) + t.encode())
for n in (0.0, -0.0, 1e11, 1e11 + 1, 8.2e15, -8.2e15, 1e17, float("inf"), float("nan"), 1.5):
    add("timestamp", bytes([0x80]) + struct.pack("<d", n))

# ---------------------------------------------------------------- webhooks

URL = "https://reseller.example/hooks/namecom?x=1"
with open(os.path.join(FIXTURES, "namecom", "webhook-unverified.json"), "rb") as f:
    HOOK = f.read().strip()
for mode in (0, 1, 2, 3, 4, 5, 6, 7, 0x83, 0x82 | 16 << 3):
    add("webhook", bytes([mode]) + b"sha256=00ff,1772366400,nonce\n" + URL.encode() + b"\ntok\n" + HOOK)
add("webhook", b"\x02" + b"abcd,12334782,1123-3423,extra\n\ntok\n{}")
add("webhook", b"\x00" + b"SHA1=zz,x\nu\nt\n[1,\"caf\\u00e9\",{\"b\":1,\"a\":[2.0,1e20]}]")
add("webhook", b"\x04" + "\nu\n\n{\"\u00e9\":\"\U0001F600\",\"a\":\"\\u0001/\"}".encode())


# ---------------------------------------------------------------- regressions

# Crashes found before (fuzz/artifacts-found/<target>-<what>): kept as seeds
# so every run, the 10 s smoke included, replays them first.
FOUND = os.path.join(HERE, "artifacts-found")
for name in sorted(os.listdir(FOUND)) if os.path.isdir(FOUND) else []:
    target = next((t for t in sorted(SEEDS, key=len, reverse=True) if name.startswith(t + "-")), None)
    if target:
        with open(os.path.join(FOUND, name), "rb") as f:
            add(target, f.read())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "seeds")
    for target, seeds in SEEDS.items():
        d = os.path.join(out, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for data in seeds:
            name = hashlib.sha1(data).hexdigest()
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    print(" ".join(f"{t}={len(os.listdir(os.path.join(out, t)))}" for t in SEEDS), "seeds in", out)


if __name__ == "__main__":
    main()
