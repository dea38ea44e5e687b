//! GitHub-flavoured Markdown tables. Cells arrive already escaped (see `escape`).

/// Writes a table; every row gets exactly as many cells as the header.
pub fn write(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    row(out, header.iter().copied());
    row(out, header.iter().map(|_| "---"));
    for r in rows {
        row(
            out,
            (0..header.len()).map(|i| r.get(i).map_or("", String::as_str)),
        );
    }
    out.push('\n');
}

fn row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(c);
        out.push_str(" |");
    }
    out.push('\n');
}
