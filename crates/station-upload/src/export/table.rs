//! `enrollments.csv`, written and read with the `csv` crate (RFC 4180 quoting: a field with a
//! comma, a quote or a line break is quoted, quotes doubled). A cell a spreadsheet would run
//! as a formula (it starts with `= + - @`, a tab or a carriage return) is written with a
//! leading `'`, as OWASP advises: the device operator opens this file in one.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use station_store::ExportRecord;

use super::{BUFFER, CSV_FILE, CSV_HEADER, VerifyError};

/// The fields of an enrollment the CSV shows, borrowed from the payload.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CsvView<'a> {
    #[serde(borrow)]
    device_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    attestation: AttestationView<'a>,
    #[serde(borrow)]
    provisioning_status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    iot_hub_host_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct AttestationView<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
}

/// Writes the CSV: the header, then one row per record.
pub(super) struct CsvWriter<W: Write>(::csv::Writer<W>);

impl<W: Write> CsvWriter<W> {
    /// A writer over `out` that has written the header row.
    pub(super) fn start(out: W) -> std::io::Result<Self> {
        let mut w = ::csv::WriterBuilder::new()
            .has_headers(false)
            .terminator(::csv::Terminator::Any(b'\n'))
            .from_writer(out);
        w.write_record(CSV_HEADER.split(','))?;
        Ok(Self(w))
    }

    /// One record's row: its registration ID, what the payload says, where it came from.
    pub(super) fn row(&mut self, view: &CsvView<'_>, r: &ExportRecord<'_>) -> std::io::Result<()> {
        let status = r.status.as_str();
        let cells = [
            r.registration_id,
            view.device_id.as_deref().unwrap_or(""),
            &view.attestation.kind,
            view.provisioning_status.as_deref().unwrap_or(""),
            view.iot_hub_host_name.as_deref().unwrap_or(""),
            r.serial.unwrap_or(""),
            r.work_order.unwrap_or(""),
            r.station_id,
            r.created_at,
            status,
        ]
        .map(inert);
        self.0.write_record(cells.iter().map(|c| c.as_bytes()))?;
        Ok(())
    }

    /// Flushes the rows and gives the underlying writer back.
    pub(super) fn finish(self) -> std::io::Result<W> {
        self.0.into_inner().map_err(|e| e.into_error())
    }
}

/// `cell` as a spreadsheet shows it and never runs it: a leading `'` before a formula's first
/// character. (A registration ID, the column the verifier compares, never starts with one.)
fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The rows of a batch's `enrollments.csv`, one record (which may span lines inside quotes) at
/// a time.
pub(super) struct CsvRows {
    path: PathBuf,
    reader: ::csv::Reader<BufReader<File>>,
    record: ::csv::StringRecord,
}

impl CsvRows {
    pub(super) fn open(path: &Path) -> Result<Self, VerifyError> {
        let file = File::open(path).map_err(|source| VerifyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            reader: ::csv::ReaderBuilder::new()
                .has_headers(false)
                // Rows of another width are reported by the verifier, with their line.
                .flexible(true)
                .from_reader(BufReader::with_capacity(BUFFER, file)),
            record: ::csv::StringRecord::new(),
        })
    }

    pub(super) fn bad(line: u64, reason: String) -> VerifyError {
        VerifyError::BadRecord {
            file: CSV_FILE.into(),
            line,
            reason,
        }
    }

    pub(super) fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next record's first line and fields; `None` at the end of the file.
    pub(super) fn next_record(
        &mut self,
    ) -> Result<Option<(u64, &::csv::StringRecord)>, VerifyError> {
        let line = self.reader.position().line();
        match self.reader.read_record(&mut self.record) {
            Ok(true) => Ok(Some((line, &self.record))),
            Ok(false) => Ok(None),
            Err(e) => {
                let line = e.position().map_or(line, ::csv::Position::line);
                match e.into_kind() {
                    ::csv::ErrorKind::Io(source) => Err(VerifyError::Io {
                        path: self.path.clone(),
                        source,
                    }),
                    ::csv::ErrorKind::Utf8 { .. } => {
                        Err(Self::bad(line, "the row is not UTF-8".into()))
                    }
                    other => Err(Self::bad(line, format!("{other:?}"))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(u64, Vec<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CSV_FILE);
        std::fs::write(&path, text).unwrap();
        let mut rows = CsvRows::open(&path).unwrap();
        let mut out = Vec::new();
        while let Some((line, r)) = rows.next_record().unwrap() {
            out.push((line, r.iter().map(str::to_owned).collect()));
        }
        out
    }

    #[test]
    fn quoted_fields_round_trip_and_lines_are_counted_across_them() {
        let mut out = Vec::new();
        {
            let mut w = ::csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(::csv::Terminator::Any(b'\n'))
                .from_writer(&mut out);
            w.write_record(["plain", "a,b \"c\"", "x\ny"]).unwrap();
            w.write_record(["d", "", "f"]).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "plain,\"a,b \"\"c\"\"\",\"x\ny\"\nd,,f\n");
        assert_eq!(
            rows(&text),
            vec![
                (1, vec!["plain".into(), "a,b \"c\"".into(), "x\ny".into()]),
                (3, vec!["d".into(), String::new(), "f".into()]),
            ]
        );
    }

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_written_inert() {
        for formula in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
        ] {
            assert_eq!(inert(formula), format!("'{formula}"));
        }
        for plain in ["dev-1", "WO-7", "2026-12-05T08:00:00Z", ""] {
            assert_eq!(inert(plain), plain);
        }
    }

    #[test]
    fn a_row_that_is_not_utf8_is_a_bad_record_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CSV_FILE);
        std::fs::write(&path, b"a,b\nc,\xff\n").unwrap();
        let mut rows = CsvRows::open(&path).unwrap();
        assert!(rows.next_record().unwrap().is_some());
        match rows.next_record() {
            Err(VerifyError::BadRecord { line, reason, .. }) => {
                assert_eq!(line, 2);
                assert!(reason.contains("UTF-8"), "{reason}");
            }
            other => panic!("{:?}", other.map(|r| r.map(|(l, _)| l))),
        }
    }
}
