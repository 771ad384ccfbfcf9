"""Secrets never travel: every reader's records pass through `redact` before any other stage (rules, the context
cache, reports) sees them. A secret field keeps its position and what kind of value it held, never the value."""

from __future__ import annotations

import re
from collections.abc import Iterable

from linter.model import Record, SecretForm, Value

# The key-management envelope (servicenow-exports.md section 2): U+FDDE U+FDDF, markers and the 32-hex sys_id of
# the key, more markers and key versions (noncharacters and digits), the ciphertext (base64 or base64url), U+FDEE
# U+FDEF. Markers and key versions are matched loosely (releases may vary them); a value that merely starts and
# ends with the two noncharacter pairs, without a key id and ciphertext, is a forged or damaged envelope.
# Linear by construction, and without copying the value: the ciphertext is the base64 run after the last
# noncharacter (_CIPHERTEXT: tried from each noncharacter, each attempt runs only to the next one), so the key
# versions' digits and the ciphertext's never compete; in _MARKERS only single characters or a fixed count stand
# between quantified parts whose classes overlap.
_OPEN, _CLOSE = "\ufdde\ufddf", "\ufdee\ufdef"
_CIPHERTEXT = re.compile(r"[\ufdd0-\ufdef][A-Za-z0-9+/=_\-]+\Z")
_MARKERS = re.compile(r"[\ufdd0-\ufdef]*[0-9A-Fa-f]{32}[\ufdd0-\ufdef][\ufdd0-\ufdef0-9]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
LEGACY_MAX = 4096  # characters: a legacy-encrypted secret is short; longer base64 is not taken for one


def classify(text: str) -> SecretForm:
    """What a secret field's value is, without keeping it."""
    value = text.strip()
    if not value:
        return SecretForm.EMPTY
    if _is_envelope(value):
        return SecretForm.ENCRYPTED
    if len(value) <= LEGACY_MAX and len(value) % 4 == 0 and _BASE64.fullmatch(value):
        import base64  # only here: with struct and binascii ~0.5 ms of start-up, for short base64 secrets only

        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:  # binascii.Error is one
            raw = b""
        if raw and len(raw) % 8 == 0 and not _is_text(raw):
            return SecretForm.LEGACY
    return SecretForm.PLAINTEXT if value.isprintable() else SecretForm.OPAQUE


def _is_envelope(value: str) -> bool:
    if not (value.startswith(_OPEN) and value.endswith(_CLOSE)):
        return False
    end = len(value) - len(_CLOSE)
    cipher = _CIPHERTEXT.search(value, len(_OPEN), end)  # the string ends at `end` for `\Z`
    return cipher is not None and _MARKERS.fullmatch(value, len(_OPEN), cipher.start() + 1) is not None


def _is_text(raw: bytes) -> bool:
    """Bytes that read as text: valid UTF-8 with no control characters but ordinary whitespace."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(char.isprintable() or char in "\t\r\n" for char in decoded)


def redact(records: Iterable[Record], fields: frozenset[str]) -> None:
    """Replace the value of every field named in `fields` by its SecretForm (in place), in records of any table."""
    if not fields:
        return
    for record in records:
        for name in fields.intersection(record.fields):
            value = record.fields[name]
            if value.secret is SecretForm.NONE:
                record.fields[name] = Value("", value.position, secret=classify(value.text))
