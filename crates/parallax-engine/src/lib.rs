//! parallax-engine (being built).
