"""Generates data/cities.tsv: large cities in every language of the detector.

Source: the exemplar cities of the time zones in the Unicode CLDR data as carried by the
Python package `babel` (BSD-3-Clause; CLDR data under the Unicode License v3), with each
zone's territory. The key is the English name folded to ASCII ("sao-paulo"). Run from
this crate's directory with babel installed:

    python3 scripts/gen_cities.py > data/cities.tsv
"""

import re
import unicodedata

import babel
from babel.core import get_global
from babel.dates import get_timezone_location

from gen_territories import LANGS


def slug(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


zones = get_global("zone_territories")
print(f"# CLDR exemplar cities via babel {babel.__version__}; key, country, language, name")
for zone in sorted(zones):
    country = zones[zone]
    parts = zone.split("/")
    if len(parts) != 2 or parts[0] in ("Etc", "Antarctica") or len(country) != 2:
        continue
    english = get_timezone_location(zone, locale="en", return_city=True)
    key = slug(english)
    if len(key) < 4:
        continue
    seen = set()
    for lang in LANGS:
        name = get_timezone_location(zone, locale=lang, return_city=True)
        short = lang.split("_")[0]
        if name and (short, name) not in seen:
            seen.add((short, name))
            print(f"{key}\t{country}\t{short}\t{name}")
