//! The `advisoryhub` binary; everything lives in the library.

// A page is built from many short-lived strings and rows on threads that
// hand work to each other; the system allocator's locking and consolidation
// cost a busy web process more than a tenth of its CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Started by git as its `ssh` or `askpass` helper (70-publication §6.1).
    if let Some(code) = advisoryhub::publication::git::helper::dispatch() {
        return code;
    }
    advisoryhub::cli::main()
}
