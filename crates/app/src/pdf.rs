//! The drawing helpers every PDF we make shares: `pdf-writer` in the base-14 Helvetica fonts
//! (WinAnsi text, so nothing is embedded), US Letter pages in either orientation, word wrapping
//! by Helvetica's metrics, and [`Doc`], a top-to-bottom cursor that continues on a new page when
//! it reaches the bottom margin. Invoices and receipts (`billing::pdf`) and certificates and
//! transcripts (`education::pdf`) are drawn with it.
//!
//! Each piece of text is its own text object, so text extraction (our tests use `lopdf`) reads
//! one item per line.

use jiff::civil::Date;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// US Letter, portrait, in points.
pub const PAGE_WIDTH: f32 = 612.0;
pub const PAGE_HEIGHT: f32 = 792.0;
pub const MARGIN: f32 = 54.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// "November 21, 2026".
pub fn us_long_date(date: Date) -> String {
    date.strftime("%B %-d, %Y").to_string()
}

/// Text as WinAnsi bytes: Latin-1 maps to itself, common typographic marks to their WinAnsi
/// codes, anything else becomes "?".
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the font's metrics.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The width of `text` at `size` points (bold is about 5% wider).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(WIDTHS[c as usize - 32]),
            _ => 556,
        })
        .sum();
    let width = units as f32 * size / 1000.0;
    if bold { width * 1.05 } else { width }
}

/// Break `text` into lines no wider than `max` points in the regular face (words longer than
/// a line are cut).
pub fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    wrap_face(text, size, max, false)
}

/// [`wrap`] for the regular or the bold face.
pub fn wrap_face(text: &str, size: f32, max: f32, bold: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, bold) <= max || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
            while text_width(&line, size, bold) > max && line.chars().count() > 1 {
                // A single overlong word: cut it where it fits.
                let mut cut = line.chars().count() - 1;
                while cut > 1
                    && text_width(&line.chars().take(cut).collect::<String>(), size, bold) > max
                {
                    cut -= 1;
                }
                let head: String = line.chars().take(cut).collect();
                let tail: String = line.chars().skip(cut).collect();
                lines.push(head);
                line = tail;
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Pages of text, top to bottom; a new page starts when the cursor reaches the bottom margin.
pub struct Doc {
    pages: Vec<Content>,
    /// The cursor: the baseline of the next line, in points from the bottom.
    pub y: f32,
    title: String,
    width: f32,
    height: f32,
}

impl Doc {
    /// A portrait US Letter document.
    pub fn new(title: &str) -> Doc {
        Doc::sized(title, PAGE_WIDTH, PAGE_HEIGHT)
    }

    /// A landscape US Letter document.
    pub fn landscape(title: &str) -> Doc {
        Doc::sized(title, PAGE_HEIGHT, PAGE_WIDTH)
    }

    fn sized(title: &str, width: f32, height: f32) -> Doc {
        Doc {
            pages: vec![Content::new()],
            y: height - MARGIN,
            title: title.to_string(),
            width,
            height,
        }
    }

    pub fn width(&self) -> f32 {
        self.width
    }

    pub fn height(&self) -> f32 {
        self.height
    }

    /// The x of the right margin.
    pub fn right(&self) -> f32 {
        self.width - MARGIN
    }

    /// The width between the margins.
    pub fn text_width(&self) -> f32 {
        self.width - 2.0 * MARGIN
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page")
    }

    /// Make room for `height` points, continuing on a new page (headed "<title> (continued)")
    /// when needed.
    pub fn need(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = self.height - MARGIN;
            let heading = format!("{} (continued)", self.title);
            self.put(MARGIN, &heading, 9.0, false);
            self.y -= 18.0;
        }
    }

    /// Text starting at `x` on the cursor's baseline (the cursor does not move).
    pub fn put(&mut self, x: f32, text: &str, size: f32, bold: bool) {
        let y = self.y;
        let bytes = win_ansi(text);
        let page = self.page();
        page.begin_text();
        page.set_font(if bold { BOLD } else { REGULAR }, size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }

    /// Text ending at `right`.
    pub fn put_right(&mut self, right: f32, text: &str, size: f32, bold: bool) {
        let x = right - text_width(text, size, bold);
        self.put(x, text, size, bold);
    }

    /// Text centred on the page.
    pub fn put_center(&mut self, text: &str, size: f32, bold: bool) {
        let x = (self.width - text_width(text, size, bold)) / 2.0;
        self.put(x.max(MARGIN), text, size, bold);
    }

    /// One line of text at `x`, then move down.
    pub fn line(&mut self, x: f32, text: &str, size: f32, bold: bool) {
        self.need(size * 1.4);
        self.put(x, text, size, bold);
        self.y -= size * 1.4;
    }

    /// Wrapped text, then move down.
    pub fn paragraph(&mut self, x: f32, width: f32, text: &str, size: f32) {
        for line in wrap(text, size, width) {
            self.line(x, &line, size, false);
        }
    }

    /// Wrapped text centred between the margins, then move down.
    pub fn centered(&mut self, text: &str, size: f32, bold: bool) {
        for line in wrap_face(text, size, self.text_width(), bold) {
            self.need(size * 1.4);
            self.put_center(&line, size, bold);
            self.y -= size * 1.4;
        }
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A thin line across the page between the margins.
    pub fn rule(&mut self) {
        self.need(8.0);
        let y = self.y + 4.0;
        let right = self.right();
        let page = self.page();
        page.set_line_width(0.5);
        page.move_to(MARGIN, y);
        page.line_to(right, y);
        page.stroke();
        self.y -= 8.0;
    }

    /// A rectangle outline `inset` points inside the page edge, on the current page.
    pub fn frame(&mut self, inset: f32, line_width: f32) {
        let (w, h) = (self.width, self.height);
        let page = self.page();
        page.set_line_width(line_width);
        page.rect(inset, inset, w - 2.0 * inset, h - 2.0 * inset);
        page.stroke();
    }

    pub fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..self.pages.len())
            .map(|i| Ref::new(first + 2 * i as i32))
            .collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(page_ids.len() as i32);
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Chapterhouse"));
        for (i, content) in self.pages.into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, self.width, self.height))
                .parent(tree)
                .contents(content_id);
            page.resources()
                .fonts()
                .pair(REGULAR, regular)
                .pair(BOLD, bold);
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let text = "$100.00 of your dues is not deductible as a charitable contribution or business expense because of the society's lobbying activities.";
        let lines = wrap(text, 9.0, 200.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| text_width(l, 9.0, false) <= 200.0));
        assert_eq!(lines.join(" "), text);
        let bold = wrap_face(text, 9.0, 200.0, true);
        assert!(bold.iter().all(|l| text_width(l, 9.0, true) <= 200.0));
        let long = wrap(&"x".repeat(500), 10.0, 100.0);
        assert!(long.len() > 5, "an unbreakable word is cut");
        assert_eq!(long.concat(), "x".repeat(500));
    }

    #[test]
    fn text_is_win_ansi() {
        assert_eq!(win_ansi("Café – “ok” €5"), b"Caf\xe9 \x96 \x93ok\x94 \x805");
        assert_eq!(win_ansi("Credit™"), b"Credit\x99");
        assert_eq!(win_ansi("日本"), b"??");
    }

    #[test]
    fn a_full_page_continues_on_the_next() {
        let mut doc = Doc::landscape("Long");
        assert_eq!((doc.width(), doc.height()), (PAGE_HEIGHT, PAGE_WIDTH));
        for i in 0..100 {
            doc.line(MARGIN, &format!("line {i}"), 10.0, false);
        }
        assert!(doc.page_count() >= 3);
        assert!(doc.finish().starts_with(b"%PDF-"));
    }
}
