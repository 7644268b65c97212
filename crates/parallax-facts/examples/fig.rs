// throwaway diagnostic, not committed: lang TAB sentence per stdin line
use parallax_core::Sentence;
use std::io::BufRead;
fn main() {
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        let Some((lang, s)) = line.split_once('\t') else {
            continue;
        };
        let f = parallax_facts::extract(
            s,
            &[Sentence {
                start: 0,
                end: s.len(),
                block: 0,
            }],
            lang,
            None,
        );
        let figs: Vec<String> = f
            .figures
            .iter()
            .map(|f| {
                format!(
                    "{}{}{:?} {:?} {:?} {:?} «{}»",
                    f.value,
                    if f.approx { "~" } else { "" },
                    f.bound,
                    f.counted,
                    f.event,
                    f.unit,
                    f.text
                )
            })
            .collect();
        println!("{lang} {s}\n   {}", figs.join(" | "));
    }
}
