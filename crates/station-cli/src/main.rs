//! `station`: the provisioning station's command-line front-end (the work is in the library).

fn main() -> std::process::ExitCode {
    station_cli::main()
}
