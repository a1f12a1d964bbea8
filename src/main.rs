use clap::Parser;

fn main() -> std::process::ExitCode {
    votehub::app::cli::run(votehub::app::cli::Cli::parse())
}
