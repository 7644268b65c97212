//! A standard model folder of the BERT / XLM-RoBERTa family: `config.json`,
//! `model.safetensors` (f32, f16 or bf16; names with or without a `bert.` /
//! `roberta.` prefix) and `tokenizer.json` (read by the `tokenizers` crate).
//! Pooling is the mask-aware mean of the last hidden states, as for E5,
//! unless a sentence-transformers `1_Pooling/config.json` asks for the CLS
//! token; a `2_Dense` tanh layer (LaBSE) is applied after pooling.
//! XLM-R-style models start positions at `pad_token_id + 1`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};

use crate::encoder::{Activation, Encoder, Layer, LayerWeights, Pooling, WordTable};
use crate::error::EmbedError;
use crate::{Dense, EmbedOptions, ModelInfo, Runtime};

/// An encoder loaded from a model folder.
pub struct Bert {
    path: PathBuf,
    pub(crate) runtime: Runtime,
    tok: tokenizers::Tokenizer,
    layers: usize,
    vocab: usize,
    max_positions: usize,
    model_type: String,
}

#[derive(serde::Deserialize)]
struct Config {
    #[serde(default)]
    model_type: String,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    vocab_size: usize,
    max_position_embeddings: usize,
    #[serde(default = "two")]
    type_vocab_size: usize,
    #[serde(default = "eps")]
    layer_norm_eps: f64,
    #[serde(default = "gelu")]
    hidden_act: String,
    pad_token_id: Option<usize>,
}

fn two() -> usize {
    2
}
fn eps() -> f64 {
    1e-12
}
fn gelu() -> String {
    "gelu".into()
}

impl Bert {
    pub(crate) fn load(dir: &Path, opts: &EmbedOptions) -> Result<Bert, EmbedError> {
        let err = |what: String| EmbedError::ModelFolder {
            path: dir.to_path_buf(),
            what,
        };
        let read = |name: &str| -> Result<PathBuf, EmbedError> {
            let p = dir.join(name);
            if p.is_file() {
                Ok(p)
            } else {
                Err(err(format!("{name} is missing")))
            }
        };
        let cfg_path = read("config.json")?;
        let cfg_text =
            std::fs::read_to_string(&cfg_path).map_err(|e| EmbedError::io(&cfg_path, e))?;
        let cfg: Config = serde_json::from_str(&cfg_text)
            .map_err(|e| err(format!("config.json is not a BERT configuration: {e}")))?;
        let (h, nh, ff) = (
            cfg.hidden_size,
            cfg.num_attention_heads,
            cfg.intermediate_size,
        );
        if h == 0 || nh == 0 || h % nh != 0 || ff == 0 || cfg.vocab_size == 0 {
            return Err(err(format!(
                "config.json has an inconsistent shape: hidden {h}, heads {nh}, intermediate {ff}"
            )));
        }
        let act = match cfg.hidden_act.as_str() {
            "gelu" => Activation::GeluErf,
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "relu" => Activation::Relu,
            other => return Err(err(format!("unsupported hidden_act '{other}'"))),
        };
        let roberta = matches!(
            cfg.model_type.as_str(),
            "xlm-roberta" | "roberta" | "camembert" | "xlm_roberta"
        );
        let pos_offset = if roberta {
            cfg.pad_token_id.unwrap_or(1) + 1
        } else {
            0
        };
        if pos_offset + 3 > cfg.max_position_embeddings {
            return Err(err("max_position_embeddings is too small".into()));
        }

        let st_path = read("model.safetensors")?;
        let tensors = candle_core::safetensors::load(&st_path, &Device::Cpu)
            .map_err(|e| err(format!("model.safetensors cannot be read: {e}")))?;
        let w = Weights { tensors, dir };
        let lin = |p: &str, out: usize, inp: usize| -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
            Ok((
                w.get(&[&format!("{p}.weight")], out * inp)?,
                w.get(&[&format!("{p}.bias")], out)?,
            ))
        };
        let ln = |p: &str| -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
            Ok((
                w.get(&[&format!("{p}.weight"), &format!("{p}.gamma")], h)?,
                w.get(&[&format!("{p}.bias"), &format!("{p}.beta")], h)?,
            ))
        };
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for l in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let lw = LayerWeights {
                q: lin(&format!("{p}.attention.self.query"), h, h)?,
                k: lin(&format!("{p}.attention.self.key"), h, h)?,
                v: lin(&format!("{p}.attention.self.value"), h, h)?,
                ao: lin(&format!("{p}.attention.output.dense"), h, h)?,
                aln: ln(&format!("{p}.attention.output.LayerNorm"))?,
                fi: lin(&format!("{p}.intermediate.dense"), ff, h)?,
                fo: lin(&format!("{p}.output.dense"), h, ff)?,
                oln: ln(&format!("{p}.output.LayerNorm"))?,
            };
            layers.push(Layer::new(lw, h, ff)?);
        }
        let (eln_w, eln_b) = ln("embeddings.LayerNorm")?;
        let word = w.get(&["embeddings.word_embeddings.weight"], cfg.vocab_size * h)?;
        let pos = w.get(
            &["embeddings.position_embeddings.weight"],
            cfg.max_position_embeddings * h,
        )?;
        let types = w.get(
            &["embeddings.token_type_embeddings.weight"],
            cfg.type_vocab_size * h,
        )?;
        let pooling = read_pooling(dir)?;
        let enc = Encoder {
            pooling,
            hidden: h,
            heads: nh,
            vocab: cfg.vocab_size,
            eps: cfg.layer_norm_eps as f32,
            act,
            word: WordTable::F32(word),
            pos,
            pos_offset,
            type0: types[..h].to_vec(),
            eln_w,
            eln_b,
            layers,
        };

        let tok_path = read("tokenizer.json")?;
        let mut tok = tokenizers::Tokenizer::from_file(&tok_path)
            .map_err(|e| err(format!("tokenizer.json cannot be read: {e}")))?;
        tok.with_truncation(None)
            .map_err(|e| err(format!("tokenizer.json: {e}")))?;
        tok.with_padding(None);
        let specials = tok
            .encode("", true)
            .map_err(|e| err(format!("tokenizer.json: {e}")))?;
        let named = |names: &[&str]| names.iter().find_map(|n| tok.token_to_id(n));
        let (bos, eos) = match specials.get_ids() {
            [b, .., e] => (*b, *e),
            _ => (
                named(&["[CLS]", "<s>"]).ok_or_else(|| err("no start token".into()))?,
                named(&["[SEP]", "</s>"]).ok_or_else(|| err("no end token".into()))?,
            ),
        };
        let (layers, vocab) = (enc.layers.len(), enc.vocab);
        let max_positions = enc.max_len();
        let mut runtime = Runtime::new(enc, bos, eos, opts)?;
        runtime.dense = read_dense(dir, h)?;
        Ok(Bert {
            path: dir.to_path_buf(),
            runtime,
            tok,
            layers,
            vocab,
            max_positions,
            model_type: cfg.model_type,
        })
    }

    /// Token ids of `text` without special tokens.
    pub(crate) fn content_ids(&self, text: &str) -> Result<Vec<u32>, EmbedError> {
        let enc = self
            .tok
            .encode(text, false)
            .map_err(|e| EmbedError::Tokenize(e.to_string()))?;
        Ok(enc.get_ids().to_vec())
    }

    /// Byte offset where each token starts, then the text length.
    pub(crate) fn token_starts(&self, text: &str) -> Vec<usize> {
        let Ok(enc) = self.tok.encode(text, false) else {
            return vec![text.len()];
        };
        let mut last = 0;
        let mut starts: Vec<usize> = enc
            .get_offsets()
            .iter()
            .map(|&(s, _)| {
                let mut s = s.min(text.len()).max(last);
                while !text.is_char_boundary(s) {
                    s -= 1;
                }
                last = s;
                s
            })
            .collect();
        starts.push(text.len());
        starts
    }

    pub(crate) fn info(&self) -> ModelInfo {
        ModelInfo {
            path: Some(self.path.clone()),
            sha256: None,
            dim: self.runtime.dim(),
            layers: self.layers,
            heads: self.runtime.enc.heads,
            vocab: self.vocab,
            max_positions: self.max_positions,
            kind: if self.model_type.is_empty() {
                "bert"
            } else if self.model_type.contains("roberta") {
                "xlm-roberta"
            } else {
                "bert"
            },
        }
    }
}

#[derive(serde::Deserialize)]
struct PoolingConfig {
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
}

/// `1_Pooling/config.json` of a sentence-transformers folder: CLS pooling
/// when it asks for CLS and not mean; mean otherwise or without the file.
fn read_pooling(dir: &Path) -> Result<Pooling, EmbedError> {
    let p = dir.join("1_Pooling").join("config.json");
    let Ok(text) = std::fs::read_to_string(&p) else {
        return Ok(Pooling::Mean);
    };
    let c: PoolingConfig = serde_json::from_str(&text).map_err(|e| EmbedError::ModelFolder {
        path: dir.to_path_buf(),
        what: format!("1_Pooling/config.json: {e}"),
    })?;
    Ok(if c.pooling_mode_cls_token && !c.pooling_mode_mean_tokens {
        Pooling::Cls
    } else {
        Pooling::Mean
    })
}

#[derive(serde::Deserialize)]
struct DenseConfig {
    in_features: usize,
    out_features: usize,
    #[serde(default)]
    activation_function: String,
}

/// `2_Dense/` of a sentence-transformers folder (LaBSE): a tanh dense layer
/// after pooling, `linear.weight` / `linear.bias` in `model.safetensors`.
fn read_dense(dir: &Path, hidden: usize) -> Result<Option<Dense>, EmbedError> {
    let d = dir.join("2_Dense");
    let err = |what: String| EmbedError::ModelFolder {
        path: dir.to_path_buf(),
        what: format!("2_Dense: {what}"),
    };
    let Ok(text) = std::fs::read_to_string(d.join("config.json")) else {
        return Ok(None);
    };
    let c: DenseConfig = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    if c.in_features != hidden || c.out_features == 0 {
        return Err(err(format!(
            "in_features {} but the encoder has {hidden}",
            c.in_features
        )));
    }
    if !c.activation_function.is_empty() && !c.activation_function.ends_with("Tanh") {
        return Err(err(format!(
            "unsupported activation {}",
            c.activation_function
        )));
    }
    let tensors = candle_core::safetensors::load(d.join("model.safetensors"), &Device::Cpu)
        .map_err(|e| err(format!("model.safetensors cannot be read: {e}")))?;
    let w = Weights { tensors, dir: &d };
    Ok(Some((
        w.get(&["linear.weight"], c.out_features * c.in_features)?,
        w.get(&["linear.bias"], c.out_features)?,
    )))
}

struct Weights<'a> {
    tensors: HashMap<String, Tensor>,
    dir: &'a Path,
}

impl Weights<'_> {
    /// The first of `names` found (bare or under a usual prefix), as `f32`.
    fn get(&self, names: &[&str], n_elems: usize) -> Result<Vec<f32>, EmbedError> {
        let err = |what: String| EmbedError::ModelFolder {
            path: self.dir.to_path_buf(),
            what,
        };
        for name in names {
            for prefix in ["", "bert.", "roberta.", "model.", "xlm_roberta."] {
                if let Some(t) = self.tensors.get(&format!("{prefix}{name}")) {
                    if t.elem_count() != n_elems {
                        return Err(err(format!(
                            "tensor {prefix}{name} has {} values, expected {n_elems}",
                            t.elem_count()
                        )));
                    }
                    let v = t.to_dtype(DType::F32)?.flatten_all()?.to_vec1::<f32>()?;
                    return Ok(v);
                }
            }
        }
        Err(err(format!("model.safetensors has no tensor {}", names[0])))
    }
}
