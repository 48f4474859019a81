//! The `advisoryhub` binary; everything lives in the library.

// glibc's allocator took a fifth of the web process's CPU under load
// (docs/performance.md); mimalloc serves the same requests for less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Started by git as its `ssh` or `askpass` helper (70-publication §6.1).
    if let Some(code) = advisoryhub::publication::git::helper::dispatch() {
        return code;
    }
    advisoryhub::cli::main()
}
