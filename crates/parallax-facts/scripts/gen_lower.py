"""Generates data/lower/LANG.txt: the words a language that capitalises names writes in
lower case only, which a run of capitalised words made of them alone is no name
("Poverty Alleviation", "Swimming Pool", "Political Analyst": other languages translate
them as common words, so their key would meet nothing).

Source, for English: the word list of Debian's package `wamerican` (SCOWL, 2020.12.07;
free to use, copy and change), which writes proper nouns with a capital: a word is
kept if the list has it in lower case and has no capitalised entry of the same letters
("trump" is kept out by "Trump", "brown" by "Brown"). Only words of Zipf frequency 2.5
or more in the Python package `wordfreq` 3.1.1 are kept, about 32,000, to keep the file
small; each line is a word and its Zipf frequency. src/entities.rs also skips the
frequent ones (Zipf 4 or more: "Gallery", "Airport", not "Musk") at the end of a name
when it takes the name's key. Run from this crate's directory:

    python3 scripts/gen_lower.py /usr/share/dict/american-english > data/lower/en.txt
"""

import sys

import wordfreq

MIN_ZIPF = 2.5


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        words = [line.strip() for line in f]
    capitalised = {w.lower() for w in words if w[:1].isupper()}
    print(f"# wamerican 2020.12.07 lower-case words, wordfreq 3.1.1 Zipf >= {MIN_ZIPF}; scripts/gen_lower.py")
    for w in words:
        if (
            w.islower()
            and w.isalpha()
            and w not in capitalised
            and wordfreq.zipf_frequency(w, "en") >= MIN_ZIPF
        ):
            print(f"{w}\t{wordfreq.zipf_frequency(w, 'en'):.2f}")


if __name__ == "__main__":
    main()
