/**
 * CSV files of the monthly statistics, one per table: RFC 4180 (fields with a comma, quote, CR or LF are
 * quoted, quotes doubled; CRLF line ends), UTF-8 with a byte-order mark so Excel opens the Chinese
 * headers correctly. Numbers are plain (rates as fractions 0–1, rounded to 6 decimals), an empty field
 * is "no value". Text that a spreadsheet would run as a formula (= + - @ first) gets a leading `'`.
 */
import type { Cell, Table } from './tables.js';

/** One field, quoted when needed. */
export function csvField(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(Math.round(cell * 1e6) / 1e6);
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The table as CSV text (BOM, header line, one line per row, CRLF after each). */
export function tableToCsv(table: Table): string {
  const lines = [table.columns.map((c) => csvField(c.header)), ...table.rows.map((row) => row.map(csvField))];
  return `\uFEFF${lines.map((l) => `${l.join(',')}\r\n`).join('')}`;
}
