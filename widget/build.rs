//! Minifies the stylesheets the elements adopt (`css_min.rs`) into
//! `OUT_DIR`, where `include_str!` takes them.

#[path = "css_min.rs"]
mod css_min;

use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for source in ["src/style.css", "src/theme.css", "src/list/list.css"] {
        println!("cargo:rerun-if-changed={source}");
        let css = fs::read_to_string(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        let name = Path::new(source).file_name().expect("a file name");
        fs::write(Path::new(&out).join(name), css_min::minify(&css))
            .unwrap_or_else(|e| panic!("{source}: {e}"));
    }
    println!("cargo:rerun-if-changed=css_min.rs");
}
