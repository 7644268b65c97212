//! parallax-ingest (being built).
