"""What "a problem detail in Chinese" means for the tests: Chinese characters, and no English sentence.

Identifiers inside a Chinese sentence (a case number, `form.capital`, `HTTP Basic`, `true 或 false`)
are fine; three English words in a row are a sentence left untranslated.
"""

from __future__ import annotations

import re
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,}){2,}\b")


def english_in(text: str) -> str | None:
    """What in `text` is not Chinese: the whole text if it has no Chinese, else an English run."""
    if not CJK.search(text):
        return text
    found = ENGLISH_RUN.search(text)
    return found.group(0) if found else None


def assert_chinese_problem(body: dict[str, Any]) -> None:
    """The problem's detail, and each error's message, reads as Chinese."""
    texts = [body["detail"], *(e.get("message", "") for e in body.get("errors", []) if e.get("message"))]
    for text in texts:
        assert english_in(str(text)) is None, f"not Chinese: {text!r} in {body}"
