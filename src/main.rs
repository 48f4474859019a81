//! The `advisoryhub` binary; everything lives in the library.

fn main() -> std::process::ExitCode {
    // Started by git as its `ssh` or `askpass` helper (70-publication §6.1).
    if let Some(code) = advisoryhub::publication::git::helper::dispatch() {
        return code;
    }
    advisoryhub::cli::main()
}
