//! `ivr exotel-app FLOW`: how to build the generic Exotel app for a flow.

use std::process::ExitCode;

use clap::Args;

use crate::providers::exotel::app;

#[derive(Args)]
pub struct ExotelAppArgs {
    /// The flow's name in URLs (its file stem: `main_line` for flows/main_line.ivr).
    flow: String,
    /// Public base URL Exotel reaches this server at.
    #[arg(long, env = "IVR_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    public_url: String,
}

pub fn run(args: ExotelAppArgs) -> ExitCode {
    // The secret itself is not printed into shell history or logs by accident:
    // the URLs show where it goes.
    let secret = std::env::var("EXOTEL_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|_| "$EXOTEL_WEBHOOK_SECRET");
    print!("{}", app::describe(&args.flow, &args.public_url, secret));
    ExitCode::SUCCESS
}
