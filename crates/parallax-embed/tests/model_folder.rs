//! The model-folder path (`config.json`, `model.safetensors`,
//! `tokenizer.json`) on a small random-weight model this test writes, checked
//! against a plain-loop implementation of the same encoder.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use parallax_embed::{cosine, EmbedError, EmbedOptions, Embedder, Prefix};

const H: usize = 32;
const HEADS: usize = 4;
const FF: usize = 64;
const LAYERS: usize = 2;
const MAXPOS: usize = 40;
const VOCAB: [&str; 16] = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "the", "cat", "sat", "on", "mat", "dog", "##s", "a",
    "query", ":", "passage", "red",
];

/// Deterministic pseudo-random weights.
struct Rng(u64);
impl Rng {
    fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 2.0 * scale
            })
            .collect()
    }
}

type Weights = HashMap<String, (Vec<f32>, Vec<usize>)>;

fn write_model(dir: &Path, model_type: &str, pad: usize, prefix: &str) -> Weights {
    let mut rng = Rng(42);
    let mut w: Weights = HashMap::new();
    let mut put = |name: &str, shape: Vec<usize>, scale: f32, base: f32| {
        let n = shape.iter().product();
        let v = rng.vec(n, scale).into_iter().map(|x| x + base).collect();
        w.insert(name.to_string(), (v, shape));
    };
    put(
        "embeddings.word_embeddings.weight",
        vec![VOCAB.len(), H],
        1.0,
        0.0,
    );
    put(
        "embeddings.position_embeddings.weight",
        vec![MAXPOS, H],
        0.5,
        0.0,
    );
    put(
        "embeddings.token_type_embeddings.weight",
        vec![2, H],
        0.5,
        0.0,
    );
    put("embeddings.LayerNorm.weight", vec![H], 0.1, 1.0);
    put("embeddings.LayerNorm.bias", vec![H], 0.1, 0.0);
    for l in 0..LAYERS {
        let p = format!("encoder.layer.{l}");
        for (n, o, i) in [
            ("attention.self.query", H, H),
            ("attention.self.key", H, H),
            ("attention.self.value", H, H),
            ("attention.output.dense", H, H),
            ("intermediate.dense", FF, H),
            ("output.dense", H, FF),
        ] {
            put(&format!("{p}.{n}.weight"), vec![o, i], 0.3, 0.0);
            put(&format!("{p}.{n}.bias"), vec![o], 0.1, 0.0);
        }
        for n in ["attention.output.LayerNorm", "output.LayerNorm"] {
            put(&format!("{p}.{n}.weight"), vec![H], 0.1, 1.0);
            put(&format!("{p}.{n}.bias"), vec![H], 0.1, 0.0);
        }
    }
    let tensors: HashMap<String, Tensor> = w
        .iter()
        .map(|(k, (v, s))| {
            let t = Tensor::from_vec(v.clone(), s.as_slice(), &Device::Cpu).unwrap();
            (format!("{prefix}{k}"), t)
        })
        .collect();
    candle_core::safetensors::save(&tensors, dir.join("model.safetensors")).unwrap();
    let config = serde_json::json!({
        "model_type": model_type, "hidden_size": H, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "intermediate_size": FF, "vocab_size": VOCAB.len(),
        "max_position_embeddings": MAXPOS, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "hidden_act": "gelu", "pad_token_id": pad
    });
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
    let vocab: serde_json::Map<String, serde_json::Value> = VOCAB
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), i.into()))
        .collect();
    let added: Vec<_> = VOCAB[..4]
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"id": i, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true})
        })
        .collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": true,
            "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": vocab}
    });
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    w
}

fn layer_norm(x: &mut [f32], w: &[f32], b: &[f32]) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let inv = 1.0 / (var + 1e-12).sqrt();
    for i in 0..x.len() {
        x[i] = (x[i] - mean) * inv * w[i] + b[i];
    }
}

fn linear(w: &Weights, name: &str, x: &[f32]) -> Vec<f32> {
    let (wt, shape) = &w[&format!("{name}.weight")];
    let (b, _) = &w[&format!("{name}.bias")];
    let (out, inp) = (shape[0], shape[1]);
    (0..out)
        .map(|o| b[o] + (0..inp).map(|i| wt[o * inp + i] * x[i]).sum::<f32>())
        .collect()
}

fn erf(x: f64) -> f64 {
    // The erfc approximation of Numerical Recipes (relative error < 1.2e-7).
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let y = 1.0
        - t * (-x * x - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}

/// Plain-loop BERT forward: the final hidden states.
fn naive(w: &Weights, ids: &[u32], pos_offset: usize) -> Vec<Vec<f32>> {
    let g = |n: &str| &w[n].0;
    let l = ids.len();
    let mut x: Vec<Vec<f32>> = (0..l)
        .map(|t| {
            let mut r: Vec<f32> = (0..H)
                .map(|i| {
                    g("embeddings.word_embeddings.weight")[ids[t] as usize * H + i]
                        + g("embeddings.position_embeddings.weight")[(t + pos_offset) * H + i]
                        + g("embeddings.token_type_embeddings.weight")[i]
                })
                .collect();
            layer_norm(
                &mut r,
                g("embeddings.LayerNorm.weight"),
                g("embeddings.LayerNorm.bias"),
            );
            r
        })
        .collect();
    let hd = H / HEADS;
    for ly in 0..LAYERS {
        let p = format!("encoder.layer.{ly}");
        let q: Vec<_> = x
            .iter()
            .map(|r| linear(w, &format!("{p}.attention.self.query"), r))
            .collect();
        let k: Vec<_> = x
            .iter()
            .map(|r| linear(w, &format!("{p}.attention.self.key"), r))
            .collect();
        let v: Vec<_> = x
            .iter()
            .map(|r| linear(w, &format!("{p}.attention.self.value"), r))
            .collect();
        for t in 0..l {
            let mut ctx = vec![0f32; H];
            for h in 0..HEADS {
                let s: Vec<f32> = (0..l)
                    .map(|u| {
                        (0..hd)
                            .map(|e| q[t][h * hd + e] * k[u][h * hd + e])
                            .sum::<f32>()
                            / (hd as f32).sqrt()
                    })
                    .collect();
                let m = s.iter().cloned().fold(f32::MIN, f32::max);
                let ex: Vec<f32> = s.iter().map(|a| (a - m).exp()).collect();
                let z: f32 = ex.iter().sum();
                for u in 0..l {
                    for e in 0..hd {
                        ctx[h * hd + e] += ex[u] / z * v[u][h * hd + e];
                    }
                }
            }
            let ao = linear(w, &format!("{p}.attention.output.dense"), &ctx);
            let mut r: Vec<f32> = x[t].iter().zip(&ao).map(|(a, b)| a + b).collect();
            let n = format!("{p}.attention.output.LayerNorm");
            layer_norm(&mut r, g(&format!("{n}.weight")), g(&format!("{n}.bias")));
            let mid: Vec<f32> = linear(w, &format!("{p}.intermediate.dense"), &r)
                .into_iter()
                .map(|a| (0.5 * a as f64 * (1.0 + erf(a as f64 / 2f64.sqrt()))) as f32)
                .collect();
            let fo = linear(w, &format!("{p}.output.dense"), &mid);
            let mut o: Vec<f32> = r.iter().zip(&fo).map(|(a, b)| a + b).collect();
            let n = format!("{p}.output.LayerNorm");
            layer_norm(&mut o, g(&format!("{n}.weight")), g(&format!("{n}.bias")));
            x[t] = o;
        }
        // x is updated in place row by row, but attention above only reads
        // q/k/v computed before the loop, so rows do not see each other's
        // new values.
    }
    x
}

fn normalised(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|a| a * a).sum::<f32>().sqrt();
    v.iter().map(|a| a / n).collect()
}

/// Mean pooling and L2 normalisation of the plain forward.
fn naive_mean(w: &Weights, ids: &[u32], pos_offset: usize) -> Vec<f32> {
    let x = naive(w, ids, pos_offset);
    let mut m = vec![0f32; H];
    for r in &x {
        for i in 0..H {
            m[i] += r[i] / x.len() as f32;
        }
    }
    normalised(m)
}

#[test]
fn bert_folder_matches_a_plain_implementation() {
    for (model_type, pad, prefix, pos_offset) in
        [("bert", 0, "", 0), ("xlm-roberta", 1, "roberta.", 2)]
    {
        let dir = tempfile::tempdir().unwrap();
        let w = write_model(dir.path(), model_type, pad, prefix);
        let e = Embedder::load(dir.path(), &EmbedOptions::default()).unwrap();
        assert_eq!(e.dim(), H);
        let info = e.info();
        assert_eq!(
            (info.layers, info.heads, info.vocab),
            (LAYERS, HEADS, VOCAB.len())
        );
        assert_eq!(info.max_positions, MAXPOS - pos_offset);

        let texts = [
            "The cat sat on the mat",
            "dogs",
            "",
            "a red cat",
            "the the the cat cat",
        ];
        let got = e.embed(&texts, Prefix::None).unwrap();
        for (t, v) in texts.iter().zip(&got) {
            let ids = e.token_ids(t, Prefix::None).unwrap();
            assert_eq!(ids[0], 2);
            assert_eq!(*ids.last().unwrap(), 3);
            let want = naive_mean(&w, &ids, pos_offset);
            let c = cosine(v, &want);
            assert!(c > 0.99999, "{model_type} {t:?}: cosine {c}");
        }
        assert_eq!(
            e.token_ids("dogs", Prefix::None).unwrap(),
            vec![2, 9, 10, 3]
        );
        // Batching and padding do not change a vector.
        let alone = e.embed(&["dogs"], Prefix::None).unwrap();
        assert!(cosine(&alone[0], &got[1]) > 0.99999);
        // The query prefix is tokenised with the text.
        assert_eq!(
            e.token_ids("cat", Prefix::Query).unwrap(),
            vec![2, 12, 13, 5, 3]
        );
        // Truncation to the position table.
        let long = "cat ".repeat(100);
        let v = e.embed(&[&long], Prefix::None).unwrap();
        assert_eq!(v[0].len(), H);
        assert_eq!(e.count_tokens(&long), 100);
        assert_eq!(e.truncate_to_tokens(&long, 3), "cat cat cat ");
    }
}

#[test]
fn cls_pooling_and_dense_layer_of_sentence_transformers_folders() {
    const OUT: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let w = write_model(dir.path(), "bert", 0, "bert.");
    let pool = dir.path().join("1_Pooling");
    std::fs::create_dir(&pool).unwrap();
    std::fs::write(
        pool.join("config.json"),
        r#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#,
    )
    .unwrap();
    let dense = dir.path().join("2_Dense");
    std::fs::create_dir(&dense).unwrap();
    std::fs::write(
        dense.join("config.json"),
        r#"{"in_features": 32, "out_features": 16, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"}"#,
    )
    .unwrap();
    let mut rng = Rng(7);
    let (dw, db) = (rng.vec(OUT * H, 0.3), rng.vec(OUT, 0.1));
    let tensors: HashMap<String, Tensor> = [
        (
            "linear.weight",
            Tensor::from_vec(dw.clone(), (OUT, H), &Device::Cpu).unwrap(),
        ),
        (
            "linear.bias",
            Tensor::from_vec(db.clone(), OUT, &Device::Cpu).unwrap(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    candle_core::safetensors::save(&tensors, dense.join("model.safetensors")).unwrap();

    let e = Embedder::load(dir.path(), &EmbedOptions::default()).unwrap();
    assert_eq!(e.dim(), OUT);
    assert_eq!(e.info().dim, OUT);
    let texts = ["The cat sat on the mat", "dogs"];
    let got = e.embed(&texts, Prefix::None).unwrap();
    for (t, v) in texts.iter().zip(&got) {
        let ids = e.token_ids(t, Prefix::None).unwrap();
        let cls = &naive(&w, &ids, 0)[0];
        let want: Vec<f32> = (0..OUT)
            .map(|o| (db[o] + (0..H).map(|i| dw[o * H + i] * cls[i]).sum::<f32>()).tanh())
            .collect();
        let c = cosine(v, &normalised(want));
        assert!(c > 0.99999, "{t:?}: cosine {c}");
    }
}

#[test]
fn thread_setting_does_not_change_vectors() {
    let dir = tempfile::tempdir().unwrap();
    write_model(dir.path(), "bert", 0, "");
    let texts: Vec<String> = (0..40).map(|i| "the cat sat ".repeat(1 + i % 7)).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let run = |threads, batch_size| {
        let opts = EmbedOptions {
            threads,
            batch_size,
            ..EmbedOptions::default()
        };
        Embedder::load(dir.path(), &opts)
            .unwrap()
            .embed(&refs, Prefix::None)
            .unwrap()
    };
    let one = run(Some(1), 32);
    for other in [run(Some(2), 32), run(None, 4), run(Some(2), 1)] {
        for (a, b) in one.iter().zip(&other) {
            assert!(cosine(a, b) > 0.99999);
        }
    }
    let opts = EmbedOptions {
        threads: Some(0),
        ..EmbedOptions::default()
    };
    let e = Embedder::load(dir.path(), &opts).err().expect("0 threads");
    assert!(matches!(e, EmbedError::Options(_)), "{e}");
}

#[test]
fn incomplete_folders_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let err = |e: Result<Embedder, EmbedError>| e.err().expect("must fail").to_string();
    let msg = err(Embedder::load(dir.path(), &EmbedOptions::default()));
    assert!(msg.contains("config.json is missing"), "{msg}");
    write_model(dir.path(), "bert", 0, "");
    std::fs::remove_file(dir.path().join("tokenizer.json")).unwrap();
    let msg = err(Embedder::load(dir.path(), &EmbedOptions::default()));
    assert!(msg.contains("tokenizer.json is missing"), "{msg}");
    std::fs::write(dir.path().join("model.safetensors"), b"not safetensors").unwrap();
    let msg = err(Embedder::load(dir.path(), &EmbedOptions::default()));
    assert!(msg.contains("model.safetensors"), "{msg}");
}
