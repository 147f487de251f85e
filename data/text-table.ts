/** Plain-text tables for terminals: columns padded to their widest cell, two spaces apart. */

export function textTable(
  header: string[],
  rows: string[][],
  rightAligned: (i: number) => boolean = () => false,
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => (rightAligned(i) ? x.padStart(widths[i]) : x.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
