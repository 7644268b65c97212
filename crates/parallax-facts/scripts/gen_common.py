"""Generates data/common/LANG.txt: the words of a language written without capitals,
with their frequencies, so that its names can be told from its words.

Source: the word frequencies of the Python package `wordfreq` 3.1.1 (code Apache-2.0;
its data, built from Wikipedia, subtitles, news, books, web text and social media, is
under CC BY-SA 4.0, so these lists are too): each line is a word and its Zipf frequency
(log10 of its count per thousand million words), for the words of at least MIN_ZIPF
(all of wordfreq's small Hindi list). Only words in the language's own script are kept.
Run from this crate's directory with wordfreq installed:

    python3 scripts/gen_common.py hi > data/common/hi.txt
    python3 scripts/gen_common.py ru 5 > data/frequent/ru.txt
    python3 scripts/gen_common.py uk 5 > data/frequent/uk.txt

src/entities.rs reads them: in Devanagari text a word of Zipf 4.4 or more (roughly the
3,500 most frequent) ends a name and is no name of its own, and words missing from the
list (rarer than Zipf 3: foreign names that Hindi news spells in Devanagari, "मेरिक
गार्लैंड") in a row are a name. For Russian and Ukrainian, the words of Zipf 5 or more
(about 1,500, data/frequent/) are never a name alone, though a sentence or an
institution's name capitalises them ("Второй", "Центра", "Вам").
"""

import sys
import unicodedata

import wordfreq

MIN_ZIPF = 3.0
SCRIPTS = {"hi": "DEVANAGARI", "ru": "CYRILLIC", "uk": "CYRILLIC"}


def in_script(word, script):
    return all(unicodedata.name(c, "").startswith(script) for c in word)


def main():
    lang = sys.argv[1]
    script = SCRIPTS[lang]
    min_zipf = float(sys.argv[2]) if len(sys.argv) > 2 else MIN_ZIPF
    print(f"# wordfreq 3.1.1, {lang}, Zipf >= {min_zipf} (CC BY-SA 4.0); scripts/gen_common.py")
    for w in wordfreq.top_n_list(lang, 1_000_000):
        z = wordfreq.zipf_frequency(w, lang)
        if z >= min_zipf and in_script(w, script):
            print(f"{w}\t{z:.2f}")


if __name__ == "__main__":
    main()
