"""Minting the gateway's token in Python (standard library only): an HS256
JWT naming the logged-in registrant's contacts, valid a few minutes.

    from mint_token import mint_token

    @app.get("/verification-token")
    def verification_token():
        return {"token": mint_token(os.environ["GATEWAY_TOKEN_SECRET"],
                                    sub=current_user.id,
                                    contacts=contacts_of(current_user))}

As a command (what the tests run): GATEWAY_TOKEN_SECRET=... python3
mint_token.py '<contacts JSON>' [sub] [role] prints a token.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_token(secret, sub, contacts=(), role="registrant", ttl=600,
               audience="registrant-verification"):
    """An HS256 token for the gateway. `contacts`: dicts with id, provider,
    email, and handle, verificationId, domains where known."""
    if not secret or len(secret.encode()) < 32:
        raise ValueError("the gateway secret must be 32 bytes or more")
    now = int(time.time())
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"aud": audience, "sub": str(sub), "role": role, "iat": now, "exp": now + ttl}
    if role == "registrant":
        claims["contacts"] = list(contacts)
    body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


if __name__ == "__main__":
    args = sys.argv[1:] + [None] * 3
    contacts = json.loads(args[0] or "[]")
    print(mint_token(os.environ["GATEWAY_TOKEN_SECRET"], args[1] or "client-1",
                     contacts, args[2] or "registrant"))
