//! Invoice and receipt PDFs, drawn with `pdf-writer` in the base-14 Helvetica fonts (WinAnsi
//! text, so nothing is embedded). US Letter pages; long invoices continue on further pages.
//!
//! Each piece of text is its own text object, so text extraction (our tests use `lopdf`) reads
//! one item per line.

use chapterhouse_core::billing::{DocumentKind, nondeductible_notice};
use chapterhouse_core::money::Cents;
use chapterhouse_store::{Invoice, InvoiceDetail, Payment, Society};
use jiff::civil::Date;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// "November 21, 2026".
pub fn us_long_date(date: Date) -> String {
    date.strftime("%B %-d, %Y").to_string()
}

/// Text as WinAnsi bytes: Latin-1 maps to itself, common typographic marks to their WinAnsi
/// codes, anything else becomes "?".
fn win_ansi(text: &str) -> Vec<u8> {
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
fn text_width(text: &str, size: f32, bold: bool) -> f32 {
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

/// Break `text` into lines no wider than `max` points (words longer than a line are cut).
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size, false) <= max || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
            while text_width(&line, size, false) > max && line.chars().count() > 1 {
                // A single overlong word: cut it where it fits.
                let mut cut = line.chars().count() - 1;
                while cut > 1
                    && text_width(&line.chars().take(cut).collect::<String>(), size, false) > max
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
struct Doc {
    pages: Vec<Content>,
    y: f32,
    title: String,
}

impl Doc {
    fn new(title: &str) -> Doc {
        Doc {
            pages: vec![Content::new()],
            y: PAGE_HEIGHT - MARGIN,
            title: title.to_string(),
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page")
    }

    /// Make room for `height` points, continuing on a new page when needed.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
            let heading = format!("{} (continued)", self.title);
            self.put(MARGIN, &heading, 9.0, false);
            self.y -= 18.0;
        }
    }

    fn put(&mut self, x: f32, text: &str, size: f32, bold: bool) {
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
    fn put_right(&mut self, right: f32, text: &str, size: f32, bold: bool) {
        let x = right - text_width(text, size, bold);
        self.put(x, text, size, bold);
    }

    /// One line of text at the left margin (or `x`), then move down.
    fn line(&mut self, x: f32, text: &str, size: f32, bold: bool) {
        self.need(size * 1.4);
        self.put(x, text, size, bold);
        self.y -= size * 1.4;
    }

    /// Wrapped text, then move down.
    fn paragraph(&mut self, x: f32, width: f32, text: &str, size: f32) {
        for line in wrap(text, size, width) {
            self.line(x, &line, size, false);
        }
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn rule(&mut self) {
        self.need(8.0);
        let y = self.y + 4.0;
        let page = self.page();
        page.set_line_width(0.5);
        page.move_to(MARGIN, y);
        page.line_to(PAGE_WIDTH - MARGIN, y);
        page.stroke();
        self.y -= 8.0;
    }

    /// A label and an amount on one line, right-aligned at the right margin.
    fn total_line(&mut self, label: &str, amount: &str, bold: bool) {
        self.need(15.0);
        self.put_right(PAGE_WIDTH - MARGIN - 110.0, label, 10.0, bold);
        self.put_right(PAGE_WIDTH - MARGIN, amount, 10.0, bold);
        self.y -= 15.0;
    }

    fn finish(self) -> Vec<u8> {
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
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
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

/// The society's letterhead on the left and the document's kind and number on the right.
fn letterhead(doc: &mut Doc, society: &Society, kind: &str, number: &str) {
    let top = doc.y;
    doc.put_right(PAGE_WIDTH - MARGIN, kind, 20.0, true);
    doc.y -= 18.0;
    doc.put_right(PAGE_WIDTH - MARGIN, number, 11.0, false);
    doc.y = top;
    doc.line(MARGIN, &society.name, 14.0, true);
    for line in society
        .postal_address
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        doc.line(MARGIN, line.trim(), 9.0, false);
    }
    let contact: Vec<&str> = [society.email.as_str(), society.phone.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !contact.is_empty() {
        doc.line(MARGIN, &contact.join("  •  "), 9.0, false);
    }
    doc.gap(14.0);
}

/// Label/value pairs in two columns.
fn facts(doc: &mut Doc, rows: &[(&str, String)]) {
    for (label, value) in rows {
        doc.need(14.0);
        doc.put(MARGIN, label, 10.0, true);
        doc.put(MARGIN + 110.0, value, 10.0, false);
        doc.y -= 14.0;
    }
}

fn bill_to(doc: &mut Doc, heading: &str, invoice: &Invoice) {
    doc.line(MARGIN, heading, 10.0, true);
    doc.line(MARGIN, &invoice.bill_to_name, 10.0, false);
    for line in invoice
        .bill_to_address
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        doc.line(MARGIN, line.trim(), 10.0, false);
    }
    if !invoice.bill_to_email.is_empty() {
        doc.line(MARGIN, &invoice.bill_to_email, 10.0, false);
    }
}

fn notice_6033e(doc: &mut Doc, invoice: &Invoice) {
    if invoice.nondeductible.0 > 0 {
        doc.gap(10.0);
        doc.paragraph(
            MARGIN,
            PAGE_WIDTH - 2.0 * MARGIN,
            &nondeductible_notice(invoice.nondeductible),
            9.0,
        );
    }
}

/// The invoice as a PDF: letterhead, number and dates, bill-to and PO, lines, total, paid,
/// credits and balance due, the 6033(e) notice when there is a non-deductible share.
pub fn invoice_pdf(society: &Society, detail: &InvoiceDetail) -> Vec<u8> {
    let invoice = &detail.invoice;
    let number = invoice.display_number();
    let mut doc = Doc::new(&format!("Invoice {number}"));
    letterhead(&mut doc, society, "INVOICE", &number);
    let mut rows = vec![
        ("Invoice number", number.clone()),
        ("Invoice date", us_long_date(invoice.issued_on)),
        ("Due date", us_long_date(invoice.due_on)),
    ];
    if !invoice.po_number.is_empty() {
        rows.push(("PO number", invoice.po_number.clone()));
    }
    facts(&mut doc, &rows);
    doc.gap(10.0);
    bill_to(&mut doc, "Bill to", invoice);
    doc.gap(16.0);

    // Lines: description | quantity | unit price | amount.
    let right = PAGE_WIDTH - MARGIN;
    let qty_right = right - 200.0;
    let unit_right = right - 95.0;
    let description_width = qty_right - 40.0 - MARGIN;
    doc.need(16.0);
    doc.put(MARGIN, "Description", 10.0, true);
    doc.put_right(qty_right, "Qty", 10.0, true);
    doc.put_right(unit_right, "Unit price", 10.0, true);
    doc.put_right(right, "Amount", 10.0, true);
    doc.y -= 8.0;
    doc.rule();
    for line in &detail.lines {
        let wrapped = wrap(&line.description, 10.0, description_width);
        doc.need(14.0 * wrapped.len() as f32);
        doc.put_right(qty_right, &line.quantity.to_string(), 10.0, false);
        doc.put_right(unit_right, &line.unit.to_string(), 10.0, false);
        doc.put_right(right, &line.amount.to_string(), 10.0, false);
        for text in wrapped {
            doc.line(MARGIN, &text, 10.0, false);
        }
        doc.gap(2.0);
    }
    doc.rule();
    let amounts = invoice.amounts;
    doc.total_line("Total", &amounts.total.to_string(), true);
    doc.total_line("Paid", &amounts.net_paid().to_string(), false);
    if amounts.credited.0 > 0 {
        doc.total_line("Credits", &amounts.credited.to_string(), false);
    }
    let balance = amounts.balance();
    if balance.0 < 0 {
        doc.total_line("Overpaid", &Cents(-balance.0).to_string(), true);
    } else {
        doc.total_line("Balance due", &balance.to_string(), true);
    }
    notice_6033e(&mut doc, invoice);
    if !invoice.memo.is_empty() {
        doc.gap(10.0);
        doc.paragraph(MARGIN, PAGE_WIDTH - 2.0 * MARGIN, &invoice.memo, 9.0);
    }
    if !detail.payments.is_empty() {
        doc.gap(12.0);
        doc.line(MARGIN, "Payments received", 10.0, true);
        for payment in &detail.payments {
            let text = format!(
                "{}  {}  {}  {}",
                us_long_date(payment.received_on),
                payment.display_number(),
                crate::billing::method_label(&payment.method),
                payment.amount
            );
            doc.line(MARGIN, &text, 9.0, false);
        }
    }
    doc.gap(12.0);
    doc.paragraph(
        MARGIN,
        PAGE_WIDTH - 2.0 * MARGIN,
        &format!(
            "Please quote {number} with your payment. Questions: {}.",
            if society.email.is_empty() {
                society.name.as_str()
            } else {
                society.email.as_str()
            }
        ),
        9.0,
    );
    doc.finish()
}

/// A receipt for one payment: who paid, how much, how and when, for which invoice, and what
/// is still due on it.
pub fn receipt_pdf(society: &Society, payment: &Payment, invoice: &Invoice) -> Vec<u8> {
    let number = payment.display_number();
    let mut doc = Doc::new(&format!("Receipt {number}"));
    letterhead(&mut doc, society, "RECEIPT", &number);
    let mut rows = vec![
        ("Receipt number", number.clone()),
        ("Date received", us_long_date(payment.received_on)),
        ("Amount", payment.amount.to_string()),
        (
            "Paid by",
            if payment.reference.is_empty() {
                crate::billing::method_label(&payment.method).to_string()
            } else {
                format!(
                    "{} ({})",
                    crate::billing::method_label(&payment.method),
                    payment.reference
                )
            },
        ),
        ("For invoice", DocumentKind::Invoice.display(invoice.number)),
        ("Invoice total", invoice.amounts.total.to_string()),
    ];
    if payment.refunded.0 > 0 {
        rows.push(("Refunded", payment.refunded.to_string()));
    }
    let balance = invoice.amounts.balance();
    rows.push((
        "Balance due",
        if balance.0 < 0 {
            format!("{} overpaid", Cents(-balance.0))
        } else {
            balance.to_string()
        },
    ));
    facts(&mut doc, &rows);
    doc.gap(10.0);
    bill_to(&mut doc, "Received from", invoice);
    notice_6033e(&mut doc, invoice);
    doc.gap(12.0);
    doc.paragraph(
        MARGIN,
        PAGE_WIDTH - 2.0 * MARGIN,
        &format!("Thank you. {} acknowledges this payment.", society.name),
        9.0,
    );
    doc.finish()
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
        let long = wrap(&"x".repeat(500), 10.0, 100.0);
        assert!(long.len() > 5, "an unbreakable word is cut");
        assert_eq!(long.concat(), "x".repeat(500));
    }

    #[test]
    fn text_is_win_ansi() {
        assert_eq!(win_ansi("Café – “ok” €5"), b"Caf\xe9 \x96 \x93ok\x94 \x805");
        assert_eq!(win_ansi("日本"), b"??");
    }
}
