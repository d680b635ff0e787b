# An independent DKIM verifier for the tests: Debian's python3-dkim (dkimpy), with the public keys served by a
# test DNS function instead of DNS. Usage: verify.py MESSAGE-FILE DNS-JSON ({"sel._domainkey.example.com": "v=DKIM1; ..."}).
# Prints a JSON list with one entry per DKIM-Signature, topmost first: {"d", "s", "a", "ok", "error"}.
import json
import sys

import dkim

message = open(sys.argv[1], "rb").read()
records = json.load(open(sys.argv[2]))


def dnsfunc(name, timeout=5):
    key = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
    value = records.get(key)
    return value.encode() if value is not None else None


verifier = dkim.DKIM(message, minkey=1024)
count = len([h for h in verifier.headers if h[0].lower() == b"dkim-signature"])
results = []
for i in range(count):
    entry = {"ok": False}
    try:
        entry["ok"] = bool(verifier.verify(idx=i, dnsfunc=dnsfunc))
    except Exception as e:  # a broken signature or key is a failed verification, with its reason
        entry["error"] = "%s: %s" % (type(e).__name__, e)
    fields = verifier.signature_fields or {}
    for tag in ("d", "s", "a", "h"):
        value = fields.get(tag.encode())
        if value is not None:
            entry[tag] = value.decode(errors="replace")
    results.append(entry)
print(json.dumps(results))
