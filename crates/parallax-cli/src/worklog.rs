//! NATS JetStream as the work log (issue 18): `parallax ingest --to`, `parallax worker`
//! and `parallax assign`. The pipeline's steps are `parallax_engine::worklog`'s; this
//! is their transport.
//!
//! The log is a stream (`--stream`, default `parallax`) on the subject
//! `parallax.records.STREAM`, kept by limits (nothing is removed when acknowledged, so
//! that the assigner can read what the workers took). One message a record, the
//! article as read in JSON, with the headers of `parallax_engine::worklog` (its file,
//! its record, its batch and the batch's size).
//!
//! - Workers share one durable pull consumer (`workers`, explicit acknowledgement): a
//!   worker takes up to `--batch-size` messages, stores them in one transaction and
//!   only then acknowledges them. While it works it tells the server so (in-progress
//!   acknowledgements), so that a slow batch is not handed to another worker; a worker
//!   killed before its commit leaves its messages unacknowledged, and the server hands
//!   them out again after `--ack-wait`. A message stored twice is the same content id:
//!   the second write is `unchanged`.
//! - The assigner reads the stream itself by sequence number (no consumer): its
//!   position is in the store, written in the transaction of the stories it assigns.
//!   It takes each batch once all its records are read and all its articles stored,
//!   in the order the batches were completed in the stream (for one `ingest --to` at a
//!   time, the order they were read in), so that the stories are those `ingest` gives.

use crate::commands::Ctx;
use anyhow::{bail, Context, Result};
use async_nats::jetstream::{self, consumer, stream, AckKind};
use futures_util::StreamExt;
use parallax_engine::worklog::{
    self, Batch, BATCH_HEADER, BATCH_SIZE_HEADER, FILE_HEADER, HEADER_ROOM, RECORD_HEADER,
};
use parallax_engine::{EngineError, Event, IngestConfig, Input, Store};
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The durable consumer the workers share.
const WORKERS: &str = "workers";

/// A connection to the log.
struct Log {
    rt: tokio::runtime::Runtime,
    client: async_nats::Client,
    stream: stream::Stream,
    name: String,
    subject: String,
    shown: String,
}

fn log_err(shown: &str) -> impl Fn(String) -> EngineError + '_ {
    move |e| EngineError::Log(format!("{shown}: {e}"))
}

/// A NATS URL as messages show it: without a user's password or token.
fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((auth, host)) => {
                let user = auth.split(':').next().unwrap_or("");
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Connects to the server at `url` and opens (creating it if needed) the stream `name`.
fn connect(url: &str, name: &str) -> Result<Log> {
    let shown = shown(url);
    if !(url.starts_with("nats://") || url.starts_with("tls://")) {
        bail!("{shown}: a work log is a NATS server's URL: nats://HOST:PORT");
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("stream name `{name}`: only letters, digits, `-` and `_`");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the NATS client's runtime")?;
    let subject = format!("parallax.records.{name}");
    let (client, stream) = rt.block_on(async {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to {shown}: {e}"))?;
        let js = jetstream::new(client.clone());
        let stream = js
            .get_or_create_stream(stream::Config {
                name: name.to_string(),
                subjects: vec![subject.clone()],
                retention: stream::RetentionPolicy::Limits,
                storage: stream::StorageType::File,
                ..Default::default()
            })
            .await
            .map_err(|e| {
                anyhow::anyhow!("{shown}: cannot open the JetStream stream {name} (is JetStream enabled, `nats-server -js`?): {e}")
            })?;
        anyhow::Ok((client, stream))
    })?;
    Ok(Log {
        rt,
        client,
        stream,
        name: name.to_string(),
        subject,
        shown,
    })
}

fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    ctrlc::set_handler(move || s.store(true, Ordering::SeqCst))
        .context("cannot install the Ctrl-C handler")?;
    Ok(stop)
}

/// `parallax ingest --to URL`: publishes the records read, one message each.
pub fn ingest_to(
    url: &str,
    name: &str,
    paths: &[String],
    format: Option<parallax_engine::Format>,
    batch_size: usize,
    json: bool,
) -> Result<ExitCode> {
    let log = connect(url, name)?;
    let stop = stop_flag()?;
    let max_payload = log.client.server_info().max_payload;
    let max_record = max_payload.saturating_sub(HEADER_ROOM);
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let config = IngestConfig {
        format,
        batch_size,
        ..IngestConfig::default()
    };
    let mut on = |event: Event| match event {
        Event::Diagnostic(d) => eprintln!("{d}"),
        Event::Skipped { path } => eprintln!(
            "{path}: skipped: not an input format (by its name; name the file to read it anyway)"
        ),
        Event::Planned { .. } | Event::FileDone { .. } => {}
    };
    let js = jetstream::new(log.client.clone());
    let err = log_err(&log.shown);
    let mut send = |batch: Batch| -> Result<(), EngineError> {
        let size = batch.records.len().to_string();
        log.rt.block_on(async {
            let mut acks = Vec::with_capacity(batch.records.len());
            for r in batch.records {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(FILE_HEADER, r.file.as_str());
                if let Some(n) = r.record {
                    headers.insert(RECORD_HEADER, n.to_string().as_str());
                }
                headers.insert(BATCH_HEADER, batch.key.as_str());
                headers.insert(BATCH_SIZE_HEADER, size.as_str());
                let ack = js
                    .publish_with_headers(log.subject.clone(), headers, r.body.into())
                    .await
                    .map_err(|e| {
                        err(format!(
                            "cannot publish {} record {:?}: {e}",
                            r.file, r.record
                        ))
                    })?;
                acks.push(ack);
            }
            // The stream has each record once its acknowledgement is back.
            for ack in acks {
                ack.await
                    .map_err(|e| err(format!("a record was not stored by the stream: {e}")))?;
            }
            Ok(())
        })
    };
    let report = worklog::publish(&inputs, &config, max_record, &stop, &mut on, &mut send)?;
    if json {
        crate::output::json(&serde_json::to_value(&report)?)?;
    } else {
        writeln!(
            std::io::stdout(),
            "{} (stream {} on {})",
            report.summary(),
            log.name,
            log.shown
        )?;
    }
    if report.interrupted {
        eprintln!("parallax: interrupted; the batches published so far are in the stream; run the same command again to publish the rest (the records published twice are stored once)");
        return Ok(ExitCode::from(2));
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A header's value as text.
fn header(headers: Option<&async_nats::HeaderMap>, name: &str) -> Option<String> {
    headers
        .and_then(|h| h.get(name))
        .map(|v| v.as_str().to_string())
}

/// What a worker did.
#[derive(Debug, Default, serde::Serialize)]
struct WorkerReport {
    /// Messages taken: new + unchanged + rejected.
    read: u64,
    new: u64,
    unchanged: u64,
    rejected: u64,
    warnings: u64,
    interrupted: bool,
}

/// `parallax worker --from URL`: analyses, embeds and stores the records of the log.
pub fn worker(
    ctx: &Ctx,
    url: &str,
    name: &str,
    batch_size: usize,
    ack_wait: Duration,
    drain: bool,
    json: bool,
) -> Result<ExitCode> {
    let log = connect(url, name)?;
    let vectors = ctx.vectors()?;
    let mut store = Store::open(&ctx.db)?;
    let stop = stop_flag()?;
    let err = log_err(&log.shown);
    let consumer: consumer::PullConsumer = log
        .rt
        .block_on(log.stream.get_or_create_consumer(
            WORKERS,
            consumer::pull::Config {
                durable_name: Some(WORKERS.to_string()),
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                max_deliver: -1,
                filter_subject: log.subject.clone(),
                ..Default::default()
            },
        ))
        .map_err(|e| err(format!("cannot open the consumer {WORKERS}: {e}")))?;
    let mut report = WorkerReport::default();
    while !stop.load(Ordering::Relaxed) {
        let messages: Vec<jetstream::Message> = log
            .rt
            .block_on(async {
                let mut batch = consumer
                    .fetch()
                    .max_messages(batch_size)
                    .expires(Duration::from_secs(1))
                    .messages()
                    .await?;
                let mut out = Vec::new();
                while let Some(m) = batch.next().await {
                    out.push(m?);
                }
                Ok::<_, async_nats::Error>(out)
            })
            .map_err(|e| err(format!("cannot take messages: {e}")))?;
        if messages.is_empty() {
            if drain {
                let mut c = consumer.clone();
                let info = log
                    .rt
                    .block_on(c.info())
                    .map_err(|e| err(format!("cannot read the consumer's state: {e}")))?;
                if info.num_pending == 0 && info.num_ack_pending == 0 {
                    break;
                }
            }
            continue;
        }
        // In-progress acknowledgements while the batch is worked on.
        let held = Arc::new(messages);
        let ticker = {
            let held = held.clone();
            let every = (ack_wait / 3).max(Duration::from_millis(100));
            log.rt.spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    for m in held.iter() {
                        let _ = m.ack_with(AckKind::Progress).await;
                    }
                }
            })
        };
        let mut articles = Vec::with_capacity(held.len());
        let mut rejected = Vec::new();
        for m in held.iter() {
            let file = header(m.headers.as_ref(), FILE_HEADER).unwrap_or_else(|| {
                let seq = m.info().map(|i| i.stream_sequence).unwrap_or(0);
                format!("stream {} message {seq}", log.name)
            });
            let record = header(m.headers.as_ref(), RECORD_HEADER).and_then(|r| r.parse().ok());
            match worklog::decode(&file, record, &m.payload) {
                Ok(a) => articles.push(a),
                Err(d) => rejected.push(d),
            }
        }
        report.read += held.len() as u64;
        for d in &rejected {
            eprintln!("{d}");
        }
        report.rejected += rejected.len() as u64;
        let warnings = &mut report.warnings;
        let mut on = |event: Event| {
            if let Event::Diagnostic(d) = event {
                *warnings += 1;
                eprintln!("{d}");
            }
        };
        let stored = worklog::store_records(&mut store, &vectors, articles, None, &mut on);
        ticker.abort();
        let outcomes = stored?;
        for o in outcomes {
            match o {
                parallax_engine::Outcome::New => report.new += 1,
                parallax_engine::Outcome::Unchanged => report.unchanged += 1,
            }
        }
        // Committed: now, and only now, the messages are done (a record that is not an
        // article is done too: it would be rejected again).
        log.rt
            .block_on(async {
                for m in held.iter() {
                    m.ack().await?;
                }
                log.client.flush().await?;
                Ok::<_, async_nats::Error>(())
            })
            .map_err(|e| err(format!("cannot acknowledge: {e}")))?;
    }
    report.interrupted = stop.load(Ordering::Relaxed);
    if json {
        crate::output::json(&serde_json::to_value(&report)?)?;
    } else {
        writeln!(
            std::io::stdout(),
            "{} read, {} new, {} unchanged, {} rejected",
            report.read,
            report.new,
            report.unchanged,
            report.rejected
        )?;
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A batch of the log being gathered by the assigner.
struct Gathering {
    /// The sequence number of its first message.
    first: u64,
    size: usize,
    /// Its records' articles by sequence number (`None`: not an article; the workers
    /// reject it).
    members: BTreeMap<u64, Option<parallax_core::ArticleId>>,
}

/// What the assigner did.
#[derive(Debug, Default, serde::Serialize)]
struct AssignReport {
    batches: u64,
    assigned: u64,
    /// The last sequence number of the stream read.
    position: u64,
    interrupted: bool,
}

/// `parallax assign --from URL`: assigns the stories of the log's batches, in order.
pub fn assign(ctx: &Ctx, url: &str, name: &str, drain: bool, json: bool) -> Result<ExitCode> {
    let log = connect(url, name)?;
    let vectors = ctx.vectors()?;
    let params = crate::stories::params(ctx)?;
    let mut store = Store::open(&ctx.db)?;
    let stop = stop_flag()?;
    let err = log_err(&log.shown);
    let position: u64 = match store.worklog_position(&log.name)? {
        Some(p) => p.parse().map_err(|_| {
            err(format!(
                "the store's position in the stream {} is not a number: {p:?}",
                log.name
            ))
        })?,
        None => 0,
    };
    let mut next = position + 1;
    let mut last = 0u64;
    let mut gathering: BTreeMap<String, Gathering> = BTreeMap::new();
    let mut ready: VecDeque<(String, Gathering)> = VecDeque::new();
    let mut assigner = parallax_engine::stories::Assigner::default();
    let mut report = AssignReport {
        position,
        ..AssignReport::default()
    };
    let mut waiting_since: Option<std::time::Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        // The oldest complete batch first, once its articles are all stored.
        if let Some((key, batch)) = ready.front() {
            let ids: Vec<_> = batch.members.values().flatten().cloned().collect();
            let refs: Vec<_> = ids.iter().collect();
            if worklog::not_stored(&store, &refs)?.is_empty() {
                // The position: everything before the first message of a batch not yet
                // assigned (the next one ready, or one still gathering).
                let pending_first = ready
                    .iter()
                    .skip(1)
                    .map(|(_, b)| b.first)
                    .chain(gathering.values().map(|b| b.first))
                    .min();
                let at = pending_first.map_or(next - 1, |f| f - 1);
                let n = worklog::assign_stored(
                    &mut store,
                    &mut assigner,
                    &vectors,
                    &params,
                    &ids,
                    (&log.name, &at.to_string()),
                )
                .with_context(|| format!("batch {key} of stream {}", log.name))?;
                report.batches += 1;
                report.assigned += n as u64;
                report.position = at;
                ready.pop_front();
                waiting_since = None;
                continue;
            }
            let since = *waiting_since.get_or_insert_with(std::time::Instant::now);
            if next > last || since.elapsed() > Duration::from_millis(200) {
                // Nothing else to read, or waited a while: wait for the workers.
                std::thread::sleep(Duration::from_millis(100));
                if next > last {
                    last = stream_last(&log)?;
                }
                continue;
            }
        }
        if next > last {
            last = stream_last(&log)?;
            if next > last {
                if ready.is_empty() && drain {
                    if gathering.is_empty() {
                        break;
                    }
                    for (key, b) in &gathering {
                        eprintln!(
                            "parallax: stream {}: batch {key} (from message {}) has {} of its {} records: the `ingest --to` that published it did not finish; run it again",
                            log.name,
                            b.first,
                            b.members.len(),
                            b.size
                        );
                    }
                    return Ok(ExitCode::from(1));
                }
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let seq = next;
        next += 1;
        let message = match log.rt.block_on(log.stream.get_raw_message(seq)) {
            Ok(m) => m,
            Err(e) if e.kind() == stream::LastRawMessageErrorKind::NoMessageFound => continue,
            Err(e) => return Err(err(format!("cannot read message {seq}: {e}")).into()),
        };
        let headers = Some(&message.headers);
        let file = header(headers, FILE_HEADER)
            .unwrap_or_else(|| format!("stream {} message {seq}", log.name));
        let record = header(headers, RECORD_HEADER).and_then(|r| r.parse().ok());
        let id = worklog::decode(&file, record, &message.payload)
            .ok()
            .map(|a| a.id);
        let (key, size) = match (
            header(headers, BATCH_HEADER),
            header(headers, BATCH_SIZE_HEADER).and_then(|s| s.parse::<usize>().ok()),
        ) {
            (Some(k), Some(s)) if s > 0 => (k, s),
            // A message without a batch is a batch of its own.
            _ => (format!("message {seq}"), 1),
        };
        let b = gathering.entry(key.clone()).or_insert_with(|| Gathering {
            first: seq,
            size,
            members: BTreeMap::new(),
        });
        b.members.insert(seq, id);
        if b.members.len() >= b.size {
            if let Some(done) = gathering.remove(&key) {
                ready.push_back((key, done));
            }
        }
    }
    report.interrupted = stop.load(Ordering::Relaxed);
    if json {
        crate::output::json(&serde_json::to_value(&report)?)?;
    } else {
        writeln!(
            std::io::stdout(),
            "{} batches, {} articles assigned; at message {} of stream {}",
            report.batches,
            report.assigned,
            report.position,
            log.name
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The last sequence number of the stream.
fn stream_last(log: &Log) -> Result<u64> {
    let info = log
        .rt
        .block_on(log.stream.get_info())
        .map_err(|e| EngineError::Log(format!("{}: cannot read the stream: {e}", log.shown)))?;
    Ok(info.state.last_sequence)
}
