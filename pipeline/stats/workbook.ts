/**
 * The monthly statistics as an XLSX workbook (exceljs): one sheet per table of tables.ts (汇总, 近12个月趋势, 按线路,
 * 按坐席, 按规则, 禁用语, 得分分布, 按日, 按时段, 抽检漏检率, 确认违规清单), then 说明 with the definition of each figure. Numbers stay numbers with a display format
 * (rates as 0.0%, scores and per-100 figures as 0.0); a figure without a value is an empty cell.
 *
 * Rebuilding a month gives the same bytes: the document's created/modified dates are the end of the
 * month (not the clock), and the zip entries are re-stamped with that date (exceljs' zip writer stamps
 * them with the current time).
 */
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { cellKind, FIGURE_DEFINITIONS, type ColumnKind, type Table } from './tables.js';

const NUMBER_FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  count: '0',
  rate: '0.0%',
  score: '0.0',
  per100: '0.0',
  seconds: '0.0',
};
const SIGNED_FORMATS: Record<ColumnKind, string | undefined> = {
  text: undefined,
  count: '+0;-0;0',
  rate: '+0.0%;-0.0%;0.0%',
  score: '+0.0;-0.0;0.0',
  per100: '+0.0;-0.0;0.0',
  seconds: '+0.0;-0.0;0.0',
};

/**
 * Writes the tables into an XLSX file.
 *
 * @param fixedDate the workbook's created/modified date and the zip entries' date (the month's end)
 * @returns the file's bytes
 */
export async function renderWorkbook(tables: Table[], fixedDate: Date, title: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'callqa';
  workbook.lastModifiedBy = 'callqa';
  workbook.title = title;
  workbook.created = fixedDate;
  workbook.modified = fixedDate;
  for (const table of tables) {
    const sheet = workbook.addWorksheet(table.title, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = table.columns.map((c) => ({
      header: c.header,
      width: Math.min(60, Math.max(10, [...c.header].length * 2 + 2, c.kind === 'text' ? 14 : 0)),
    }));
    sheet.getRow(1).font = { bold: true };
    table.rows.forEach((row, r) => {
      const added = sheet.addRow(row.map((cell) => (cell === null ? null : cell)));
      row.forEach((cell, c) => {
        if (typeof cell !== 'number') return;
        const kind = cellKind(table, r, c);
        const format = (table.columns[c]!.signed ? SIGNED_FORMATS : NUMBER_FORMATS)[kind];
        if (format) added.getCell(c + 1).numFmt = format;
      });
    });
    if (table.id === 'confirmed-violations') sheet.getColumn(8).width = 60;
  }
  const notes = workbook.addWorksheet('说明');
  notes.columns = [
    { header: '指标', width: 16 },
    { header: '定义', width: 90 },
  ];
  notes.getRow(1).font = { bold: true };
  for (const [figure, definition] of FIGURE_DEFINITIONS) notes.addRow([figure, definition]);
  const raw = Buffer.from(await workbook.xlsx.writeBuffer());
  return restampZip(raw, fixedDate);
}

/** Re-writes a zip with every entry dated `date`, in the same entry order. */
async function restampZip(zipBytes: Buffer, date: Date): Promise<Buffer> {
  const source = await JSZip.loadAsync(zipBytes);
  const target = new JSZip();
  for (const entry of Object.values(source.files)) {
    if (entry.dir) continue;
    target.file(entry.name, await entry.async('uint8array'), { date, createFolders: false });
  }
  return target.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
