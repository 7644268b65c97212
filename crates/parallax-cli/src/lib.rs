//! parallax-cli (being built).
