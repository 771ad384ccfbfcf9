"""Legacy-encrypted secrets (issue 11, section 1): base64 of whole 64-bit cipher blocks, the way instances without
the key-management framework exported Password (2 Way Encrypted) values, is a CRD006 warning, never a CRD002
"plaintext" error; readable text in the same field is still CRD002. And the envelope test is linear."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES, located, snlint_json

from linter.model import SecretForm
from linter.redact import classify

LEGACY = FIXTURES / "crd006_legacy"
KEY = "f895bb1cdd5d52103a946777183c8818"
ENCRYPTED = f"\ufdde\ufddf\ufdd2{KEY}\ufdec\ufdd41\ufdec\ufded1C0q/xYKJUTkWCtNLkXmddQ==PbYHc/sr\ufdee\ufdef"


def source_at(path: Path, line: int, column: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1][column - 1 :]


def test_legacy_values_are_crd006_warnings_and_readable_ones_crd002_errors() -> None:
    data = snlint_json("--no-context", ".", cwd=LEGACY)
    assert located(data) == {
        ("CRD006", "update_set_2018.xml", 37, 377),  # CDATA payload: 12 characters, 8 unprintable bytes
        ("CRD006", "update_set_2018.xml", 60, 440),  # entity-escaped payload: 24 characters, 16 bytes
        ("CRD002", "update_set_2018.xml", 83, 440),  # readable text in the same field: still plaintext
        ("CRD006", "oauth_entity.xml", 7, 16),  # list export
        ("CRD002", "oauth_entity.xml", 19, 16),  # a damaged envelope: unreadable, not encrypted
        ("CRD006", "oauth_entities.yaml", 6, 20),  # YAML (quoted scalar: the position is its quote)
        ("CRD002", "oauth_entities.yaml", 11, 20),  # base64 of the text "Password" is readable: plaintext
    }
    for _, path, line, column in located(data):
        if path != "oauth_entities.yaml" and (path, line) != ("oauth_entity.xml", 19):
            assert source_at(LEGACY / path, line, column)[:4] in ("jxzi", "O5EM", "k8Q~"), (path, line)
    by_line = {(item["path"], item["line"]): item for item in data["findings"]}
    legacy = by_line[("update_set_2018.xml", 37)]
    assert legacy["severity"] == "warning"
    assert "field 'client_secret' looks like legacy (pre-KMF) encryption, or an opaque random key" in legacy["message"]
    assert "re-export the record from an instance with the key-management framework and compare" in legacy["message"]
    assert "encryption setting" in legacy["message"]
    assert "plaintext" not in legacy["message"]
    readable = by_line[("update_set_2018.xml", 83)]
    assert readable["severity"] == "error" and "holds a plaintext secret (readable text" in readable["message"]
    damaged = by_line[("oauth_entity.xml", 19)]
    assert "not in an encryption envelope" in damaged["message"] and "plaintext" not in damaged["message"]
    shown = str(data)
    for value in ("jxziB5rTQf4=", "O5EM9G6oF9XCCV/ghCq7cQ==", "k8Q~2fXw.Summer2018!", "UGFzc3dvcmQ="):
        assert value not in shown


def test_legacy_findings_never_show_the_source_line() -> None:
    from conftest import snlint

    result = snlint("--no-context", "--format", "text", "update_set_2018.xml", cwd=LEGACY)
    assert result.returncode == 1
    assert "update_set_2018.xml:37:377: CRD006 warning" in result.stdout
    assert "jxziB5rTQf4=" not in result.stdout + result.stderr


def test_crd006_can_be_ignored_without_losing_crd002() -> None:
    data = snlint_json("--no-context", "--ignore", "CRD006", ".", cwd=LEGACY)
    assert {item["rule"] for item in data["findings"]} == {"CRD002"}


@pytest.mark.parametrize(
    ("value", "form"),
    [
        ("jxziB5rTQf4=", SecretForm.LEGACY),  # one 64-bit block
        ("O5EM9G6oF9XCCV/ghCq7cQ==", SecretForm.LEGACY),  # two blocks
        ("  jxziB5rTQf4=\n", SecretForm.LEGACY),  # whitespace around it in a pretty-printed export
        ("UGFzc3dvcmQ=", SecretForm.PLAINTEXT),  # base64 of readable text ("Password")
        ("jxziB5rTQf4", SecretForm.PLAINTEXT),  # not a whole base64 quantum
        ("jxziB5rTQQ==", SecretForm.PLAINTEXT),  # 7 bytes: not whole blocks
        ("Summer2018ab", SecretForm.PLAINTEXT),  # base64-shaped, 9 bytes
        ("k8Q~2fXw.Summer2018!", SecretForm.PLAINTEXT),
        ("", SecretForm.EMPTY),
        ("   ", SecretForm.EMPTY),
        (ENCRYPTED, SecretForm.ENCRYPTED),
        (ENCRYPTED.replace("\ufded1C0q", "\ufded"), SecretForm.ENCRYPTED),  # ciphertext without leading digits
        (ENCRYPTED.replace(KEY, KEY[:31]), SecretForm.OPAQUE),  # key id too short: damaged
        (ENCRYPTED.replace("1C0q/xYKJUTkWCtNLkXmddQ==PbYHc/sr", ""), SecretForm.OPAQUE),  # no ciphertext
        ("\ufdde\ufddf\ufdee\ufdef", SecretForm.OPAQUE),  # the markers only
        ("A" * 5000 + "==", SecretForm.PLAINTEXT),  # longer than any legacy value
    ],
)
def test_classify(value: str, form: SecretForm) -> None:
    assert classify(value) is form


HOSTILE = {
    # A digit run after the key id without the closing markers (the old pattern's quadratic case) ...
    "digits": lambda n: f"\ufdde\ufddf\ufdd2{KEY}\ufdec" + "1" * n,
    # ... with the closing markers but a character no part accepts at the end of the run ...
    "digits-closed": lambda n: f"\ufdde\ufddf\ufdd2{KEY}\ufdec" + "1" * n + "!\ufdee\ufdef",
    # ... alternating markers and key versions, and a long ciphertext after a broken key id.
    "markers": lambda n: f"\ufdde\ufddf\ufdd2{KEY}" + "\ufdec1" * (n // 2) + "!A\ufdee\ufdef",
    "cipher": lambda n: f"\ufdde\ufddf\ufdd2{KEY[:30]}\ufdec" + "1" * n + "\ufdee\ufdef",
}


# A regular-expression search that visits every character and matches none: the linear baseline that classify's
# time is measured against, so that processor caches (a 40 KB text scans faster per character than a 400 KB one)
# do not pass for growth.
_BASELINE = re.compile(r"[^\s\S]")


def _best(action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(5):  # the best of five: the machine is shared
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_classify_is_linear_on_hostile_envelopes(shape: str) -> None:
    def relative_cost(n: int) -> tuple[float, float]:
        value = HOSTILE[shape](n)
        seconds = _best(lambda: classify(value))
        return seconds, seconds / max(_best(lambda: _BASELINE.search(value)), 1e-6)

    relative_cost(1000)  # warm up
    (_, small), (seconds, large) = relative_cost(20_000), relative_cost(200_000)
    assert seconds < 0.5, seconds  # the old pattern: over a minute on the "digits" shapes at this size
    # Linear: a constant number of scans at both sizes; quadratic would cost 10 times more scans at 10 times the size.
    assert large / small < 4, (small, large)
