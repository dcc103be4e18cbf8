//! Callers' numbers on the console's pages, hidden but their last four
//! digits when the operator asks (`--mask-numbers`): enough to tell calls
//! apart and match a complaint, not enough to call anyone back.

use crate::engine::Caller;

pub fn number(number: &str) -> String {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                // `client:alice`, `sip:…`: a name, not a number; hide it whole.
                return if c == '+' { c } else { '•' };
            }
            seen += 1;
            if digits - seen < 4 { c } else { '•' }
        })
        .collect()
}

pub fn caller(caller: &mut Caller, on: bool) {
    if on {
        caller.from = number(&caller.from);
        caller.to = number(&caller.to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_four_digits_show() {
        assert_eq!(number("+919812345678"), "+••••••••5678");
        assert_eq!(number("123"), "123");
        assert_eq!(number("client:alice"), "••••••••••••");
        assert_eq!(number(""), "");
    }
}
