"""Generates data/territories.tsv: country names in the languages parallax-facts reads.

Source: the Unicode CLDR territory names as carried by the Python package `babel`
(BSD-3-Clause; the CLDR data is under the Unicode License v3). Run from this crate's
directory with babel installed:

    python3 scripts/gen_territories.py > data/territories.tsv
"""

import babel
from babel import Locale

LANGS = ["da", "ro", "en", "de", "fr", "es", "it", "pt", "nl", "sv", "nb", "pl", "ru", "uk"]
# ... and every other language of the detector (as in gen_cldr.py), script variants too
LANGS += [
    "sq", "ar", "hy", "az", "be", "bn", "bg", "ca", "zh", "zh_Hant", "hr", "cs", "et",
    "fi", "ka", "el", "he", "hi", "hu", "is", "id", "ja", "kk", "ko", "lv", "lt", "mk",
    "fa", "sr", "sr_Latn", "sk", "sl", "sw", "th", "tr", "ur", "vi",
]
# Two-letter codes that are not countries, or that the curated list treats otherwise.
SKIP = {"ZZ", "QO", "XA", "XB", "EU", "EZ", "UN", "AQ", "AC", "CP", "DG", "EA", "IC", "TA"}

def main():
    print(f"# CLDR territory names via babel {babel.__version__}; code, language, name")
    for code in sorted(Locale("en").territories):
        if len(code) != 2 or not code.isalpha() or code in SKIP:
            continue
        for lang in LANGS:
            name = Locale.parse(lang).territories.get(code)
            if name:
                print(f"{code}\t{lang.split('_')[0]}\t{name}")


if __name__ == "__main__":
    main()
