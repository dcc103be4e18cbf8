//! Positions as the client counts them: lines, and UTF-16 code units within
//! a line (LSP's default encoding). Every conversion clamps, so a position a
//! client sends past a line's end, or past the file's end, never panics.

use ivr_compiler::Span;
use lsp_types::{Position, Range};

/// The byte offsets where lines start, for one version of a document.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    /// The position of a byte offset (an offset inside a character counts
    /// as the character's start).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let character: usize = text[start..]
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .map(|(_, c)| c.len_utf16())
            .sum();
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start as usize),
            self.position(text, span.end as usize),
        )
    }

    /// The byte offset of a position, always on a character boundary.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= position.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        let end = self.offset(text, range.end).max(start);
        Span::new(start, end)
    }

    /// The byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.starts[self.starts.partition_point(|&s| s <= offset) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_and_round_trips() {
        // `न` is 3 bytes and 1 UTF-16 unit; `𝄞` is 4 bytes and 2 units.
        let text = "a\nनम𝄞x\n";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(lines.position(text, x), Position::new(1, 4));
        assert_eq!(lines.offset(text, Position::new(1, 4)), x);
        assert_eq!(
            lines.offset(text, Position::new(1, 2)),
            text.find('𝄞').unwrap()
        );
    }

    #[test]
    fn clamps_positions_outside_the_text() {
        let text = "ab\ncd";
        let lines = Lines::new(text);
        assert_eq!(lines.offset(text, Position::new(0, 99)), 2);
        assert_eq!(lines.offset(text, Position::new(7, 0)), text.len());
        assert_eq!(lines.position(text, 99), Position::new(1, 2));
        // Inside a surrogate pair: the character's end, never a split byte.
        let text = "𝄞z";
        let lines = Lines::new(text);
        assert_eq!(lines.offset(text, Position::new(0, 1)), 4);
    }
}
