//! parallax-text (being built).
