//! The `advisoryhub` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    advisoryhub::cli::main()
}
