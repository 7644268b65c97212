//! Fetches the pinned model into the default path (or the path given as the
//! first argument) and prints where it is; what `parallax model fetch` does.

fn main() {
    let dest = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(parallax_embed::model::default_model_path);
    match parallax_embed::model::fetch(&dest) {
        Ok(p) => println!("{}", p.display()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
