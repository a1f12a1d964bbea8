use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = votehub::cli::Cli::parse();
    match votehub::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
