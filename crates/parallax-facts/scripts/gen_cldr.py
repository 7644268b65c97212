"""Generates data/cldr/LANG.txt: the number formats, magnitudes, units, currencies and
percent words of every language the language detector knows, in the lexicon format of
src/lexicon.rs. The hand-written lexicons of data/lang/ are read on top of these.

Source: the Unicode CLDR data as carried by the Python package `babel` (BSD-3-Clause;
the CLDR data is under the Unicode License v3): number symbols of the Latin and the
native numbering system, compact decimal formats (short and long: "тыс.", "тысяч",
"Milliarden", "万", "億", "लाख"), unit patterns in every plural form ("часов",
"時間", "किलोमीटर") and currency display names in every plural form. Run from this
crate's directory with babel installed:

    python3 scripts/gen_cldr.py
"""

import os
import re

import babel
from babel import Locale

# The languages of parallax-text's detector (ISO 639-1), with the CLDR locales read for
# each (a script variant is merged into its language).
LANGS = {
    "sq": ["sq"], "ar": ["ar"], "hy": ["hy"], "az": ["az"], "be": ["be"], "bn": ["bn"],
    "nb": ["nb"], "bg": ["bg"], "ca": ["ca"], "zh": ["zh", "zh_Hant"], "hr": ["hr"],
    "cs": ["cs"], "da": ["da"], "nl": ["nl"], "en": ["en"], "et": ["et"], "fi": ["fi"],
    "fr": ["fr"], "ka": ["ka"], "de": ["de"], "el": ["el"], "he": ["he"], "hi": ["hi"],
    "hu": ["hu"], "is": ["is"], "id": ["id"], "it": ["it"], "ja": ["ja"], "kk": ["kk"],
    "ko": ["ko"], "lv": ["lv"], "lt": ["lt"], "mk": ["mk"], "fa": ["fa"], "pl": ["pl"],
    "pt": ["pt"], "ro": ["ro"], "ru": ["ru"], "sr": ["sr", "sr_Latn"], "sk": ["sk"],
    "sl": ["sl"], "es": ["es"], "sw": ["sw"], "sv": ["sv"], "th": ["th"], "tr": ["tr"],
    "uk": ["uk"], "ur": ["ur"], "vi": ["vi"],
}

# Numbering systems other than the Latin digits that the language's news is written in.
NATIVE = {"ar": ["arab"], "fa": ["arabext"], "ur": ["arabext"], "hi": ["deva"], "bn": ["beng"]}

# CLDR unit: (concept, unit) as the facts use them.
UNITS = {
    "duration-year": ("years", "y"),
    "duration-month": ("months", "mo"),
    "duration-week": ("weeks", "wk"),
    "duration-day": ("days", "d"),
    "duration-hour": ("hours", "h"),
    "duration-minute": ("minutes", "min"),
    "length-kilometer": ("kilometres", "km"),
    "length-meter": ("metres", "m"),
    "length-millimeter": ("millimetres", "mm"),
    "length-centimeter": ("centimetres", "cm"),
    "length-mile": ("miles", "mi"),
    "area-square-kilometer": ("area", "km2"),
    "area-hectare": ("area", "ha"),
    "mass-kilogram": ("mass", "kg"),
    "mass-tonne": ("mass", "t"),
    "volume-liter": ("volume", "l"),
    "temperature-celsius": ("temperature", "C"),
    "speed-kilometer-per-hour": ("speed", "km/h"),
    "power-megawatt": ("power", "MW"),
    "energy-kilowatt-hour": ("energy", "kWh"),
}

CURRENCIES = [
    "USD", "EUR", "GBP", "JPY", "CNY", "RUB", "UAH", "INR", "CHF", "CZK", "PLN", "TRY",
    "KRW", "SEK", "NOK", "DKK", "ISK", "HUF", "RON", "BRL", "CAD", "AUD", "ILS", "IRR",
    "SAR", "AED", "EGP", "PKR", "BDT", "THB", "VND", "IDR", "KZT", "BGN", "RSD", "GEL",
    "AMD", "AZN", "BYN", "MXN", "ZAR", "NGN", "KES", "HKD", "TWD",
]


def words(pattern):
    """The words of a CLDR pattern, placeholders and quoting removed."""
    text = pattern.replace("{0}", " ").replace("'", "")
    text = re.sub(r"[0#]+", " ", text)
    return " ".join(text.split()).strip(" .")


def usable(w):
    """A word that can stand after a number without matching common words."""
    letters = [c for c in w if c.isalpha()]
    if not letters:
        return False
    ideographic = all(0x3040 <= ord(c) <= 0x9FFF or 0xAC00 <= ord(c) <= 0xD7AF for c in letters)
    return len(letters) >= 2 or ideographic


def clean(item):
    return item.replace("|", " ").replace("=", " ").replace(":", " ").strip()


def plain(d):
    try:
        return {k: plain(v) for k, v in d.items()}
    except AttributeError:
        return d


def gen(lang, locales):
    decimal, group = [], []
    magnitude, units, currencies, percent = {}, {}, {}, set()
    for name in locales:
        loc = Locale.parse(name)
        for system in ["latn"] + NATIVE.get(lang, []):
            syms = loc.number_symbols.get(system) or {}
            for key, out in (("decimal", decimal), ("group", group)):
                s = syms.get(key)
                if s and s not in out:
                    out.append(s)
        for length, forms in plain(loc.compact_decimal_formats).items():
            for plural, by_size in forms.items():
                for size, pattern in by_size.items():
                    pattern = getattr(pattern, "pattern", pattern)
                    w = words(str(pattern))
                    zeros = str(pattern).count("0")
                    if not w or zeros == 0 or not usable(w):
                        continue
                    value = int(size) // 10 ** (zeros - 1)
                    if value >= 100:
                        magnitude.setdefault(clean(w), value)
        data = loc._data
        for cldr, (concept, unit) in UNITS.items():
            pats = plain(data["unit_patterns"].get(cldr, {}))
            for length in ("long", "short"):
                for plural, pattern in (pats.get(length) or {}).items():
                    if plural == "per" or not isinstance(pattern, str):
                        continue
                    w = clean(words(pattern))
                    if w and usable(w):
                        units.setdefault((concept, unit), set()).add(w)
        pct = plain(data["unit_patterns"].get("concentr-percent", {}))
        for length in ("long",):
            for plural, pattern in (pct.get(length) or {}).items():
                if plural != "per" and isinstance(pattern, str):
                    w = clean(words(pattern))
                    if w and usable(w):
                        percent.add(w)
        plural_names = plain(data.get("currency_names_plural", {}))
        for code in CURRENCIES:
            names = set()
            base = loc.currencies.get(code)
            if base:
                names.add(base)
            for n in (plural_names.get(code) or {}).values():
                names.add(n)
            for n in list(names):
                first = n.split()[0] if " " in n else None
                # "доллар США", "dolar amerykański": the first word is used alone too
                if first and len(first) >= 4 and code in ("USD", "EUR"):
                    names.add(first)
            names = {clean(n) for n in names if n and usable(n)}
            if names:
                currencies.setdefault(code, set()).update(names)
    out = [f"# CLDR data via babel {babel.__version__} for {lang} ({', '.join(locales)});"
           " generated by scripts/gen_cldr.py, do not edit"]
    if decimal:
        out.append(f"decimal: {decimal[0]}")
        if len(decimal) > 1:
            out.append(f"decimal_alt: {' | '.join(decimal[1:])}")
    grp = []
    for g in group:
        grp.append("space" if g.isspace() else g)
    if grp:
        out.append(f"group: {' | '.join(grp)}")
    if magnitude:
        out.append("magnitude: " + " | ".join(f"{w}={v}" for w, v in sorted(magnitude.items())))
    for (concept, unit), ws in sorted(units.items()):
        out.append(f"obj.{concept}/{unit}: " + " | ".join(sorted(ws)))
    for code, ws in sorted(currencies.items()):
        out.append(f"cur.{code}: " + " | ".join(sorted(ws)))
    if percent:
        out.append("percent: " + " | ".join(sorted(percent)))
    return "\n".join(out) + "\n"


os.makedirs("data/cldr", exist_ok=True)
for lang, locales in LANGS.items():
    with open(f"data/cldr/{lang}.txt", "w", encoding="utf-8") as f:
        f.write(gen(lang, locales))
