//! Token estimate for the `tokenCount` lifecycle trigger, used when the host supplies no
//! tokenizer. It approximates OpenAI's cl100k_base in one pass without a vocabulary: the text is
//! cut into runs the way cl100k's pre-tokenizer cuts it, and each run is charged a cost tuned
//! against the real tokenizer. See docs/tokens.md for the rules and the measured error.

// Costs in hundredths of a token (tuned with bench/tokens/run.sh).
const WORD: u64 = 90; // any letter run; a single space before it is free
const LONG_AFTER: u64 = 7; // letters in a run before the long-word charge starts
const LONG_PER: u64 = 25; // per letter past LONG_AFTER
const HUMP: u64 = 70; // per lower->upper change ("camelCase")
const CAPS_AFTER: u64 = 2; // upper->upper pairs allowed before CAPS_PER ("HTTP")
const CAPS_PER: u64 = 30;
const ACCENT: u64 = 155; // per non-ASCII Latin letter (é, ü, ß): it breaks the word's merges
const SCRIPT_BYTE: u64 = 18; // per UTF-8 byte of another script's letter (Cyrillic, Greek, …)
const DIGITS: u64 = 100; // per group of up to 3 digits
const SPACES: u64 = 100; // a run of 2+ spaces, a lone space before digits, trailing space
const NEWLINE: u64 = 120; // a line break run
const NEWLINE_AFTER_PUNCT: u64 = 20; // ...that cl100k glues to the punctuation before it
const EXTRA_NEWLINE: u64 = 30; // per further line break in a run
const PUNCT: u64 = 85; // first char of an ASCII punctuation run
const PUNCT_MORE: u64 = 35; // each further char of the run ("\":\"", "});")
const PUNCT_ATTACH: u64 = 25; // a punctuation char glued to the word after it ("_id", "'s")
const HAN: u64 = 120; // per CJK ideograph, Hangul syllable, CJK punctuation or fullwidth form
const KANA: u64 = 90; // per hiragana / katakana
const OTHER_BYTE: u64 = 70; // per UTF-8 byte of anything else (emoji, symbols, marks)

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Digit,
    Space, // including line breaks
    Punct,
    Han,
    Kana,
    Other,
}

/// The class of each ASCII character, looked up instead of matched (the common case).
const ASCII_CLASS: [Class; 128] = {
    let mut t = [Class::Punct; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = ascii_class(i as u8);
        i += 1;
    }
    t
};

const fn ascii_class(b: u8) -> Class {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Class::Letter,
        b'0'..=b'9' => Class::Digit,
        b'\t'..=b'\r' | b' ' => Class::Space,
        _ => Class::Punct,
    }
}

fn class(c: char) -> Class {
    match ASCII_CLASS.get(c as usize) {
        Some(&k) => k,
        None => any_class(c),
    }
}

/// The class of any character (what [`ASCII_CLASS`] holds for ASCII).
fn any_class(c: char) -> Class {
    match c {
        'a'..='z' | 'A'..='Z' => Class::Letter,
        '0'..='9' => Class::Digit,
        '\t'..='\r' | ' ' => Class::Space,
        '\0'..='\x7f' => Class::Punct,
        '\u{3040}'..='\u{30ff}' | '\u{ff66}'..='\u{ff9f}' => Class::Kana,
        '\u{3000}'..='\u{303f}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff00}'..='\u{ff65}'
        | '\u{20000}'..='\u{2fa1f}' => Class::Han,
        c if c.is_alphabetic() => Class::Letter,
        c if c.is_whitespace() => Class::Space,
        _ => Class::Other,
    }
}

/// Estimated token count of `text` (cl100k-like; never panics, O(len), no allocation).
pub fn estimate_tokens(text: &str) -> u64 {
    // Read by byte index: an ASCII byte is its character without decoding (most text), and
    // each character is classed once, where it ends a run and starts the next.
    let bytes = text.as_bytes();
    let at = |i: usize| match bytes.get(i) {
        Some(&b) if b < 0x80 => Some((char::from(b), 1)),
        Some(_) => text
            .get(i..)
            .and_then(|s| s.chars().next())
            .map(|c| (c, c.len_utf8())),
        None => None,
    };
    let mut i = 0;
    let mut total = 0u64;
    let mut prev = Class::Other;
    // The character that starts the next run, with its class.
    let mut start = at(0).map(|(c, n)| {
        i = n;
        (c, class(c))
    });
    while let Some((c0, kind)) = start.take() {
        // Consume the run, gathering what its cost needs.
        let mut run = Run::start(kind, c0);
        let mut last = c0;
        while let Some((c, n)) = at(i) {
            let k = class(c);
            i += n;
            if k != kind {
                start = Some((c, k));
                break;
            }
            run.add(kind, c, last);
            last = c;
        }
        total += run.cost(kind, prev, start.map(|(_, k)| k));
        prev = kind;
    }
    match total.div_ceil(100) {
        0 if !text.is_empty() => 1,
        n => n,
    }
}

/// What the cost of one run of characters of one class depends on.
#[derive(Clone, Copy)]
struct Run {
    len: u64,
    humps: u64,
    caps: u64,
    extra: u64,
    newlines: u64,
    trail: u64,
}

impl Run {
    /// The run of class `kind` that starts with `first`.
    fn start(kind: Class, first: char) -> Run {
        let mut run = Run {
            len: 0,
            humps: 0,
            caps: 0,
            extra: 0,
            newlines: 0,
            trail: 0,
        };
        run.add(kind, first, ' ');
        run
    }

    /// Adds `c`, of the run's class `kind`, after `last`.
    fn add(&mut self, kind: Class, c: char, last: char) {
        self.len += 1;
        match kind {
            Class::Letter if c.is_ascii_uppercase() && last.is_ascii_lowercase() => self.humps += 1,
            Class::Letter if c.is_ascii_uppercase() && last.is_ascii_uppercase() => self.caps += 1,
            Class::Letter if ('\u{c0}'..='\u{24f}').contains(&c) => self.extra += ACCENT,
            Class::Letter if !c.is_ascii() => self.extra += SCRIPT_BYTE * c.len_utf8() as u64,
            Class::Space if c == '\n' || c == '\r' => {
                (self.newlines, self.trail) = (self.newlines + 1, 0)
            }
            Class::Space => self.trail += 1,
            Class::Other => self.extra += OTHER_BYTE * c.len_utf8() as u64,
            _ => {}
        }
    }

    /// The run's cost in hundredths of a token, between runs of classes `prev` and `next`.
    fn cost(&self, kind: Class, prev: Class, next: Option<Class>) -> u64 {
        let Run {
            len,
            humps,
            caps,
            extra,
            newlines,
            trail,
        } = *self;
        match kind {
            Class::Letter => {
                let long = len.saturating_sub(LONG_AFTER) * LONG_PER;
                WORD + long + humps * HUMP + caps.saturating_sub(CAPS_AFTER) * CAPS_PER + extra
            }
            Class::Digit => len.div_ceil(3) * DIGITS,
            Class::Space => {
                let breaks = match newlines {
                    0 => 0,
                    n if prev == Class::Punct => NEWLINE_AFTER_PUNCT + (n - 1) * EXTRA_NEWLINE,
                    n => NEWLINE + (n - 1) * EXTRA_NEWLINE,
                };
                let digit_or_end = matches!(next, None | Some(Class::Digit));
                breaks + SPACES * (u64::from(trail >= 2) + u64::from(trail >= 1 && digit_or_end))
            }
            Class::Punct if next == Some(Class::Letter) && len == 1 => PUNCT_ATTACH,
            Class::Punct if next == Some(Class::Letter) => {
                PUNCT + (len - 2) * PUNCT_MORE + PUNCT_ATTACH
            }
            Class::Punct => PUNCT + (len - 1) * PUNCT_MORE,
            Class::Han => len * HAN,
            Class::Kana => len * KANA,
            Class::Other => extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::estimate_tokens as est;
    use super::*;

    /// The estimate as first written, cutting runs from a peekable character iterator: the
    /// reference the indexed reading must agree with (both cost a run by [`Run`]).
    fn estimate(chars: impl Iterator<Item = char>) -> u64 {
        let mut chars = chars.peekable();
        let mut any = false;
        let mut total = 0u64;
        let mut prev = Class::Other;
        while let Some(first) = chars.next() {
            any = true;
            let kind = class(first);
            let mut run = Run::start(kind, first);
            let mut last = first;
            while let Some(c) = chars.next_if(|c| class(*c) == kind) {
                run.add(kind, c, last);
                last = c;
            }
            total += run.cost(kind, prev, chars.peek().map(|&c| class(c)));
            prev = kind;
        }
        match total.div_ceil(100) {
            0 if any => 1,
            n => n,
        }
    }

    #[test]
    fn empty_is_zero_and_anything_else_at_least_one() {
        assert_eq!(est(""), 0);
        for s in [
            " ", "\n", "a", "7", ".", "\u{301}", "é", "中", "😀", "\u{feff}",
        ] {
            assert!(est(s) >= 1, "{s:?}");
        }
    }

    #[test]
    fn common_shapes_are_close_to_cl100k() {
        assert_eq!(est("hello"), 1);
        assert_eq!(est("The cat sat on the mat."), 7); // cl100k: 7
        assert_eq!(est("1234567"), 3); // 123 456 7
        assert_eq!(est("会议推迟到星期四下午了。"), 15); // cl100k: 13
        let json = r#"{"tool":"get_weather","result":{"city":"Berlin","temp_c":12}}"#;
        assert!((14..=20).contains(&est(json)), "{}", est(json)); // cl100k: 17
    }

    #[test]
    fn the_ascii_table_classes_every_ascii_character_as_the_full_rules_do() {
        for b in 0u8..128 {
            assert!(
                super::ASCII_CLASS[b as usize] == super::any_class(char::from(b)),
                "{b}"
            );
        }
    }

    #[test]
    fn ascii_text_read_byte_by_byte_gets_the_estimate_of_decoded_text() {
        let mut all: String = (0u8..128).map(char::from).collect();
        all.push_str(" HTTPServer getX_id  42\n\n}); x.y 1234567 The cat's mat.\r\n");
        for n in 0..all.len() {
            for s in [&all[..n], &all[n..]] {
                assert_eq!(est(s), estimate(s.chars()), "{s:?}");
            }
        }
    }

    #[test]
    fn mixed_text_read_by_index_gets_the_estimate_of_the_character_iterator() {
        // Every class, case changes, accents, other scripts, line breaks and spacing, in
        // pseudo-random strings of every length up to 40 (a fixed seed: the same strings
        // every run).
        let parts = [
            "a", "Z", "é", "ß", "Ж", "9", " ", "  ", "\n", "\r\n", "\t", ".", "\"", "}", "_", "中",
            "。", "カ", "😀", "\u{301}", "\u{a0}", "\u{2003}", "HTTP", "getX", "42",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut s = String::new();
            let mut r = seed;
            for _ in 0..seed % 41 {
                s.push_str(parts[(r % parts.len() as u64) as usize]);
                r = r / parts.len() as u64 + (seed >> 32);
            }
            assert_eq!(est(&s), estimate(s.chars()), "{s:?}");
        }
    }

    #[test]
    fn grows_with_text() {
        let mut text = String::new();
        let mut last = 0;
        for i in 0..200 {
            text.push_str(["word ", "42 ", "x.y ", "中文", "😀", "\n"][i % 6]);
            let n = est(&text);
            assert!(n + 1 >= last, "shrank at {i}: {last} -> {n}");
            last = n;
        }
        assert!(est(&"word ".repeat(100)) > est(&"word ".repeat(10)) * 9);
    }

    #[test]
    fn odd_input_never_panics() {
        let odd = [
            "\u{301}\u{301}",
            "\u{200d}",
            "👨‍👩‍👧",
            "🇩🇪",
            "\0\x7f\r\n\t",
            "A\u{10ffff}b",
            "ǅǈ",
        ];
        for s in odd {
            let _ = est(s);
        }
        let big = "ab1 ,é中😀\n".repeat(100_000); // ~1.6 MB
        let n = est(&big);
        assert!(n > 500_000 && n < 2_000_000, "{n}");
        assert!(est(&"z".repeat(1 << 20)) > 100_000);
        assert!(est(&" ".repeat(1 << 20)) >= 1);
    }
}
