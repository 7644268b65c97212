//! The parallax HTTP API and web UI: the only crate that knows HTTP.
//!
//! Built on `axum` (over `hyper` and `tokio`, HTTP/1 only, the `json` and `query`
//! features and nothing else): it is the web framework of the tokio project, small, and
//! its extractors give the body size limit and typed paths without extra crates.
//!
//! The store is SQLite through the engine. A connection is not `Sync`, so every
//! request runs its store work in `spawn_blocking` on a connection taken from a small
//! pool of readers (WAL lets readers run beside the writer); writes go through one
//! writer connection behind a mutex, so there is a single writer as in the CLI. The
//! lead vectors of the model are held in memory ([`parallax_engine::search::VectorIndex`])
//! and extended after each accepted write.
//!
//! Shutdown (Ctrl-C, or the future given to [`serve`]) stops accepting connections,
//! lets the requests in flight finish, and a write already started always completes:
//! blocking tasks cannot be cancelled and the runtime waits for them.
//!
//! Every answer passes through [`guard`]: errors are `{"error": …}` whatever produced
//! them (a 405 or 413 of the router included), requests beyond `max_in_flight` or a
//! queue of writes are 429, a request target over [`MAX_URI_BYTES`] is 414, every
//! request is bounded in time, and with a write token every write needs it (401).
//! Bound beyond loopback, the server does not start without a token.
//!
//! Other processes may write to the same store (a CLI ingest, a second server):
//! readers see their commits at once (WAL), and the vector index is reloaded when the
//! store holds a different number of lead vectors than it does, looked at no more than
//! every `refresh_every`.
//!
//! The routes are listed once in [`API_ROUTES`]; [`openapi`] describes exactly those
//! (checked by a test), and the web UI ([`ui`]) is three embedded files.

mod api;
mod error;
mod guard;
pub mod openapi;
pub mod ui;

pub use error::ServerError;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::get;
use axum::Router;
use parallax_engine::search::VectorIndex;
use parallax_engine::vectors::Vectors;
use parallax_engine::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The default limit of a request body: 16 MiB, room for a few hundred articles in one
/// POST (a single article may be up to 8 MiB, as in the readers).
pub const DEFAULT_BODY_LIMIT: usize = 16 << 20;

/// The API routes: method and path, as the router serves them and the OpenAPI
/// document describes them.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/health"),
    ("GET", "/api/articles"),
    ("POST", "/api/articles"),
    ("GET", "/api/stories"),
    ("GET", "/api/stories/{id}"),
    ("GET", "/api/stories/{id}/compare"),
    ("GET", "/api/articles/{id}"),
    ("GET", "/api/articles/{id}/facts"),
    ("GET", "/api/articles/{id}/why"),
    ("GET", "/api/search"),
    ("GET", "/api/sources"),
    ("GET", "/api/openapi.json"),
];

/// The longest request target (path and query) answered; longer is a 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// How to serve.
#[derive(Clone)]
pub struct ServerConfig {
    /// The store file (created if missing).
    pub db: PathBuf,
    /// The embedding model: vectors for new articles and for search queries. Without
    /// one, search is full text only and posted articles get no vectors.
    pub vectors: Option<Vectors>,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The write token: when set, every request that is not a GET (a write) must carry
    /// `Authorization: Bearer TOKEN`. [`run`] refuses an address beyond loopback
    /// without one.
    pub token: Option<String>,
    /// How long a read (GET) may take before it is answered 503.
    pub read_timeout: Duration,
    /// How long a write may take before it is answered 503 (the write itself still
    /// completes and is committed).
    pub write_timeout: Duration,
    /// Requests served at once; more are answered 429.
    pub max_in_flight: usize,
    /// Writes waiting for the single writer; more are answered 429.
    pub max_writes_waiting: usize,
    /// How often the server looks for what other processes wrote to the store (new
    /// lead vectors), so that a CLI ingest shows in its answers.
    pub refresh_every: Duration,
}

impl ServerConfig {
    pub fn new(db: PathBuf, vectors: Option<Vectors>) -> Self {
        ServerConfig {
            db,
            vectors,
            body_limit: DEFAULT_BODY_LIMIT,
            token: None,
            read_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(600),
            max_in_flight: 64,
            max_writes_waiting: 16,
            refresh_every: Duration::from_secs(2),
        }
    }
}

/// Readers kept open for reuse.
const POOL: usize = 8;

/// What the handlers share.
pub struct AppState {
    config: ServerConfig,
    readers: Mutex<Vec<Store>>,
    writer: Mutex<Store>,
    index: RwLock<VectorIndex>,
    /// Requests being served now (bounded by `max_in_flight`).
    in_flight: Arc<tokio::sync::Semaphore>,
    /// Writes waiting for, or holding, the writer.
    writes_waiting: AtomicUsize,
    /// When the vector index was last brought up to date with the store.
    refreshed: Mutex<Instant>,
    /// The fitted relevance model of search.
    search_params: parallax_engine::search::SearchParams,
}

impl AppState {
    /// Opens the store (migrating it) and loads the lead vectors of the model.
    pub fn open(config: ServerConfig) -> Result<Arc<AppState>, ServerError> {
        let writer = Store::open(&config.db)?;
        let index = match &config.vectors {
            Some(v) => VectorIndex::load(&writer, &v.model)?,
            None => VectorIndex::default(),
        };
        Ok(Arc::new(AppState {
            search_params: parallax_engine::search::SearchParams::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            config,
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(writer),
            index: RwLock::new(index),
            writes_waiting: AtomicUsize::new(0),
            refreshed: Mutex::new(Instant::now()),
        }))
    }

    /// Brings the vector index up to date with the store when it was last looked at
    /// more than `refresh_every` ago: lead vectors that another process (a CLI ingest,
    /// another server) stored since are loaded. Articles, stories and facts are read
    /// from the store on every request and need nothing of the kind.
    fn refresh(&self, store: &Store) -> Result<(), error::ApiError> {
        let Some(v) = &self.config.vectors else {
            return Ok(());
        };
        {
            let mut last = self.refreshed.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < self.config.refresh_every {
                return Ok(());
            }
            *last = Instant::now();
        }
        let stored = store.count_vectors(&v.model)?;
        let known = self.index.read().unwrap_or_else(|e| e.into_inner()).len() as u64;
        if stored != known {
            let fresh = VectorIndex::load(store, &v.model)?;
            *self.index.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        }
        Ok(())
    }

    /// Runs `f` with a reader connection, on the blocking pool.
    async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &Store) -> Result<T, error::ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = state
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pop();
            let store = match pooled {
                Some(s) => s,
                None => {
                    Store::open_read_only(&state.config.db).map_err(error::ApiError::internal)?
                }
            };
            state.refresh(&store)?;
            let out = f(&state, &store);
            let mut pool = state.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < POOL {
                pool.push(store);
            }
            out
        })
        .await
        .map_err(error::ApiError::internal)?
    }

    /// Runs `f` with the single writer, on the blocking pool; it runs to the end even
    /// if the client goes away or the server shuts down.
    async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, error::ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState, &mut Store) -> Result<T, error::ApiError> + Send + 'static,
    {
        let waiting = self.writes_waiting.fetch_add(1, Ordering::SeqCst);
        if waiting >= self.config.max_writes_waiting {
            self.writes_waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(error::ApiError::too_many(format!(
                "{waiting} writes are waiting for the store; retry shortly"
            )));
        }
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let out = {
                let mut writer = state.writer.lock().unwrap_or_else(|e| e.into_inner());
                f(&state, &mut writer)
            };
            state.writes_waiting.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await
        .map_err(error::ApiError::internal)?
    }
}

/// The router: the API, the OpenAPI document and the web UI.
pub fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.body_limit;
    Router::new()
        .route("/api/health", get(api::health))
        .route("/api/articles", get(api::articles).post(api::post_articles))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/articles/{id}/facts", get(api::facts))
        .route("/api/articles/{id}/why", get(api::why))
        .route("/api/search", get(api::search))
        .route("/api/sources", get(api::sources))
        .route("/api/stories", get(api::stories))
        .route("/api/stories/{id}", get(api::story))
        .route("/api/stories/{id}/compare", get(api::compare))
        .route("/api/openapi.json", get(openapi::handler))
        .route("/", get(ui::index))
        .route("/assets/{file}", get(ui::asset))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::write_token,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), guard::limits))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::json_errors,
        ))
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves, then lets the requests in flight
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Io)
}

/// Opens the store, binds `addr`, calls `ready` with the address bound, and serves
/// until Ctrl-C; returns when every request in flight has been answered and every
/// write committed.
pub fn run(
    config: ServerConfig,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    if !addr.ip().is_loopback() && config.token.as_deref().is_none_or(str::is_empty) {
        return Err(ServerError::Unprotected { addr });
    }
    let state = AppState::open(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServerError::Io)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServerError::Bind { addr, source: e })?;
        ready(listener.local_addr().map_err(ServerError::Io)?);
        serve(listener, state, async {
            // If the handler cannot be installed, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
    })
}
