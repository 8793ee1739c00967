//! The `hechuang` command: serve, migrate, demo data, users, audit and ledger
//! verification, settlement, jobs, mail previews, backup and restore (`src/cli/`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
