//! Throughput measurements that `cargo bench` and `parallax bench embed`
//! share.
