//! The generic Exotel app, described for the operator who builds it in the
//! Exotel dashboard (App Bazaar → App Builder). `ivr exotel-app FLOW`
//! prints [`describe`].

use std::fmt::Write as _;

use super::{Applet, PASSTHRU, url};

/// Step-by-step instructions for building the app that runs `flow`, with
/// every URL spelled out.
pub fn describe(flow: &str, base_url: &str, secret_segment: Option<&str>) -> String {
    let at = |endpoint: &str| url(base_url, flow, secret_segment, endpoint);
    let mut out = String::new();
    let mut line = |s: &str| {
        out.push_str(s);
        out.push('\n');
    };
    line(&format!("Exotel app for flow `{flow}`"));
    line("");
    line("Build it once in App Bazaar -> Create New App. Every applet below loops back to the");
    line("Passthru, so the flow itself never has to be redrawn: the runtime decides each step.");
    line("");
    line("1. Passthru (first applet of the app)");
    line(&format!("     URL:   {}", at(PASSTHRU)));
    line("     Mode:  synchronous (leave \"Make Passthru Async\" unticked)");
    line("     Next:  both branches (200 and 302) -> the Switch Case");
    line("");
    line(
        "2. Switch Case, reading the Passthru's answer {\"select\":\"<case>\"}, with one case per applet:",
    );
    for applet in Applet::ALL {
        line(&format!(
            "     case \"{}\" -> {}",
            applet.as_str(),
            title(applet)
        ));
    }
    line("     default -> Hangup");
    line("");
    line("3. The applets (each one's every exit -> the Passthru of step 1, except Hangup):");
    let mut n = 0;
    for applet in Applet::ALL {
        n += 1;
        let mut text = format!("   3.{n} {}", title(applet));
        let setting = match applet {
            Applet::Greeting => format!(
                "\"Read text like a robot\" with the URL {}",
                at(applet.as_str())
            ),
            Applet::Gather => format!("dynamic gather, URL {}", at(applet.as_str())),
            Applet::Connect => format!(
                "Programmable Connect, URL {} (all three exits: after the conversation, nobody answered, didn't dial)",
                at(applet.as_str())
            ),
            Applet::Voicebot => format!(
                "Voicebot (bidirectional stream), URL {}",
                at(applet.as_str())
            ),
            Applet::Voicemail => {
                "Voicemail; its prompt, beep and length are set here, in the dashboard".to_owned()
            }
            Applet::Sms => format!(
                "SMS to the caller, body from the URL {}",
                at(applet.as_str())
            ),
            Applet::Hangup => "Hangup; nothing follows it".to_owned(),
        };
        let _ = write!(text, ": {setting}");
        line(&text);
    }
    line("");
    line("4. Attach the app to your ExoPhone (ExoPhones -> the number -> this app).");
    if secret_segment.is_none() {
        line("");
        line("Exotel signs no requests: configure a secret path segment (the URLs then carry it)");
        line("or allow only Exotel's egress IPs in front of the runtime.");
    }
    out
}

fn title(applet: Applet) -> &'static str {
    match applet {
        Applet::Greeting => "Greeting",
        Applet::Gather => "Gather",
        Applet::Connect => "Connect",
        Applet::Voicebot => "Voicebot",
        Applet::Voicemail => "Voicemail",
        Applet::Sms => "SMS",
        Applet::Hangup => "Hangup",
    }
}
