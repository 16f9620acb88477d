"""Fluent translations from `locales/<lang>/*.ftl`; every text a person reads comes from here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fluent.runtime import FluentLocalization, FluentResourceLoader

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("en", "ru")


def pick_locale(language_code: str | None, default: str = "en") -> str:
    """Map a messenger language code ("ru-RU", "en") to a supported locale."""
    if language_code:
        short = language_code.split("-")[0].split("_")[0].lower()
        if short in SUPPORTED:
            return short
    return default if default in SUPPORTED else "en"


def resource_ids() -> list[str]:
    return sorted(p.name for p in (LOCALES_DIR / "en").glob("*.ftl"))


@lru_cache(maxsize=8)
def _localization(locale: str) -> FluentLocalization:
    loader = FluentResourceLoader(str(LOCALES_DIR / "{locale}"))
    fallbacks = [locale] if locale == "en" else [locale, "en"]
    return FluentLocalization(fallbacks, resource_ids(), loader, use_isolating=False)


class Translator:
    """Renders keys for one locale; callable as `t("key", name=value)`."""

    def __init__(self, locale: str) -> None:
        self.locale = locale if locale in SUPPORTED else "en"
        self._l10n = _localization(self.locale)

    def __call__(self, key: str, **args: Any) -> str:
        return self._l10n.format_value(key, {k: v for k, v in args.items() if v is not None})


def translator(language_code: str | None, default: str = "en") -> Translator:
    return Translator(pick_locale(language_code, default))
