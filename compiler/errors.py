"""One exception shape for input a command cannot use (exit 2): the sentence in Chinese and English."""

from __future__ import annotations


class BilingualError(Exception):
    """Raised with both sentences; commands print ``message(lang)`` and exit 2."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh
