"""CSRF tokens: bound to the browser's nonce, signed by the server, expiring."""

from __future__ import annotations

import pytest

from ui_service.csrf import CsrfProtect, CsrfRejectedError
from ui_service.settings import Settings

TOKEN = "an-admin-token-of-enough-length-123"


def test_token_is_accepted_only_with_its_own_nonce():
    csrf = CsrfProtect("s" * 32, 60)
    nonce = csrf.new_nonce()
    token = csrf.token_for(nonce)
    assert csrf.is_valid(token, nonce)
    assert not csrf.is_valid(token, csrf.new_nonce())
    assert not csrf.is_valid(None, nonce)
    assert not csrf.is_valid(token, None)


def test_token_signed_with_another_secret_or_tampered_is_refused():
    nonce = "fixed-nonce"
    forged = CsrfProtect("x" * 32, 60).token_for(nonce)
    csrf = CsrfProtect("s" * 32, 60)
    assert not csrf.is_valid(forged, nonce)
    assert not csrf.is_valid(csrf.token_for(nonce)[:-2] + "AA", nonce)
    with pytest.raises(CsrfRejectedError):
        csrf.check(forged, nonce)


def test_expired_token_is_refused():
    issuer, checker = CsrfProtect("s" * 32, 60), CsrfProtect("s" * 32, -1)
    assert not checker.is_valid(issuer.token_for("n"), "n")


def test_secret_is_derived_from_admin_token_unless_set():
    derived = Settings(ADMIN_TOKEN=TOKEN).csrf_secret()
    assert TOKEN not in derived and len(derived) == 64
    assert derived == Settings(ADMIN_TOKEN=TOKEN).csrf_secret()
    assert derived != Settings(ADMIN_TOKEN=TOKEN + "x").csrf_secret()
    own = "k" * 40
    assert Settings(ADMIN_TOKEN=TOKEN, UI_SECRET_KEY=own).csrf_secret() == own


def test_short_secret_key_is_refused():
    with pytest.raises(ValueError, match="UI_SECRET_KEY"):
        Settings(ADMIN_TOKEN=TOKEN, UI_SECRET_KEY="short")
