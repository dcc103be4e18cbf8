//! Splits the phone-number database of the `phonenumber` crate by country
//! calling code, so that checking `+919876543210` loads India's metadata
//! only. Loading the whole database (every region's patterns, each parsed
//! once to validate it) costs ~70 ms, more than the rest of `ivr check` on a
//! small flow; one country's costs well under a millisecond.
//!
//! Writes `$OUT_DIR/phone_codes.rs`: every calling code the database knows,
//! in ascending order, each with its regions' metadata as JSON in the
//! crate's own loader format (`phonenumber::metadata::loader::Metadata`), in
//! the order the database keeps them. Codes shared by non-geographic
//! entities (region `001`: +800, +808, +870…) carry no metadata: the
//! database files all of them under one id, so a split could not reproduce
//! its answers, and `crate::phone` uses the whole database for them.

use std::fmt::Write;
use std::path::Path;

use phonenumber::metadata::{DATABASE, Descriptor, Format, Metadata, loader};

fn descriptor(d: &Descriptor) -> loader::Descriptor {
    loader::Descriptor {
        national_number: Some(d.national_number().as_str().to_string()),
        possible_length: d.possible_length().to_vec(),
        possible_local_length: d.possible_local_length().to_vec(),
        example: d.example().map(str::to_string),
    }
}

fn format(f: &Format) -> loader::Format {
    loader::Format {
        pattern: Some(f.pattern().as_str().to_string()),
        format: Some(f.format().to_string()),
        leading_digits: f
            .leading_digits()
            .iter()
            .map(|r| r.as_str().to_string())
            .collect(),
        national_prefix_formatting_rule: f.national_prefix().map(str::to_string),
        national_prefix_optional_when_formatting: f.is_national_prefix_optional(),
        domestic_carrier: f.domestic_carrier().map(str::to_string),
    }
}

/// The loader's form of one region: what `Database::from` turns back into
/// exactly `meta`.
fn unload(meta: &Metadata) -> loader::Metadata {
    let d = meta.descriptors();
    let opt = |d: Option<&Descriptor>| d.map(descriptor);
    let text = |s: Option<&str>| s.map(str::to_string);
    loader::Metadata {
        general: Some(descriptor(d.general())),
        fixed_line: opt(d.fixed_line()),
        mobile: opt(d.mobile()),
        toll_free: opt(d.toll_free()),
        premium_rate: opt(d.premium_rate()),
        shared_cost: opt(d.shared_cost()),
        personal_number: opt(d.personal_number()),
        voip: opt(d.voip()),
        pager: opt(d.pager()),
        uan: opt(d.uan()),
        emergency: opt(d.emergency()),
        voicemail: opt(d.voicemail()),
        short_code: opt(d.short_code()),
        standard_rate: opt(d.standard_rate()),
        carrier: opt(d.carrier()),
        no_international: opt(d.no_international()),
        id: Some(meta.id().to_string()),
        country_code: Some(meta.country_code()),
        international_prefix: meta.international_prefix().map(|r| r.as_str().to_string()),
        preferred_international_prefix: text(meta.preferred_international_prefix()),
        national_prefix: text(meta.national_prefix()),
        preferred_extension_prefix: text(meta.preferred_extension_prefix()),
        national_prefix_for_parsing: meta
            .national_prefix_for_parsing()
            .map(|r| r.as_str().to_string()),
        national_prefix_transform_rule: text(meta.national_prefix_transform_rule()),
        formats: meta.formats().iter().map(format).collect(),
        international_formats: meta.international_formats().iter().map(format).collect(),
        main_country_for_code: meta.is_main_country_for_code(),
        leading_digits: meta.leading_digits().map(|r| r.as_str().to_string()),
        mobile_number_portable: meta.is_mobile_number_portable(),
        defaults: loader::Defaults::default(),
    }
}

fn main() {
    let mut codes: Vec<u16> = DATABASE.iter().map(Metadata::country_code).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut out = String::from(
        "/// Every calling code of the phone-number database, ascending, with its\n\
         /// regions' metadata as JSON (`None`: a code of non-geographic entities).\n\
         pub(crate) static CODES: &[(u16, Option<&str>)] = &[\n",
    );
    for code in codes {
        let regions = DATABASE.by_code(&code).unwrap_or_default();
        let json = if regions.iter().any(|m| m.id() == "001") {
            None
        } else {
            let unloaded: Vec<loader::Metadata> = regions.into_iter().map(unload).collect();
            Some(serde_json::to_string(&unloaded).expect("metadata to JSON"))
        };
        writeln!(out, "    ({code}, {json:?}),").expect("write to a String");
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("phone_codes.rs");
    std::fs::write(dest, out).expect("write phone_codes.rs");
    println!("cargo:rerun-if-changed=build.rs");
}
