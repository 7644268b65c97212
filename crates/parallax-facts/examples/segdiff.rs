// throwaway diagnostic, not committed
use parallax_core::Sentence;
use std::collections::BTreeMap;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut clusters: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        let c = id.split('|').nth(1).unwrap().to_string();
        clusters.entry(c).or_default().push((
            v["lang"].as_str().unwrap().to_string(),
            v["text"].as_str().unwrap().to_string(),
        ));
    }
    for (c, vs) in clusters.iter().filter(|(_, v)| v.len() >= 5) {
        let segs: Vec<Vec<&str>> = vs.iter().map(|(_, t)| t.lines().collect()).collect();
        let n = segs.iter().map(|s| s.len()).min().unwrap();
        for k in 0..n {
            let mut rows = Vec::new();
            for (vi, (lang, _)) in vs.iter().enumerate() {
                let s = segs[vi][k];
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
                let mut vals: Vec<String> = f
                    .figures
                    .iter()
                    .map(|f| {
                        format!(
                            "{}{}{}",
                            f.value,
                            if f.counted.as_deref() == Some("percent") {
                                "%"
                            } else {
                                ""
                            },
                            f.counted
                                .as_deref()
                                .map(|c| format!("[{c}]"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                vals.sort();
                rows.push((lang.clone(), vals, s));
            }
            let sets: Vec<Vec<f64>> = rows
                .iter()
                .map(|r| {
                    let mut x: Vec<f64> =
                        r.1.iter()
                            .map(|v| {
                                v.split(|c| c == '%' || c == '[')
                                    .next()
                                    .unwrap()
                                    .parse()
                                    .unwrap()
                            })
                            .collect();
                    x.sort_by(|a, b| a.partial_cmp(b).unwrap());
                    x.dedup();
                    x
                })
                .collect();
            let all: std::collections::BTreeSet<String> =
                sets.iter().flatten().map(|v| v.to_string()).collect();
            // a value found in only a minority of the versions that have figures
            let with: Vec<&Vec<f64>> = sets.iter().filter(|s| !s.is_empty()).collect();
            let odd: Vec<String> = all
                .iter()
                .filter(|v| {
                    let cnt = with
                        .iter()
                        .filter(|s| s.iter().any(|x| &x.to_string() == *v))
                        .count();
                    cnt * 2 < with.len()
                })
                .cloned()
                .collect();
            if !odd.is_empty() && with.len() >= 2 {
                println!("== {c} seg {k} odd {:?}", odd);
                for (r, s) in rows.iter().zip(&sets) {
                    if s.iter().any(|x| odd.contains(&x.to_string())) {
                        println!(
                            "  {} {:?} | {}",
                            r.0,
                            r.1,
                            r.2.chars().take(200).collect::<String>()
                        );
                    }
                }
                let en = rows.iter().find(|r| r.0 == "en");
                if let Some(en) = en {
                    println!(
                        "  en* {:?} | {}",
                        en.1,
                        en.2.chars().take(200).collect::<String>()
                    );
                }
            }
        }
    }
}
