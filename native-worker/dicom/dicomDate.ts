/** DICOM dates (DA, "YYYYMMDD") as ISO calendar dates. Pure. */

/** "YYYYMMDD" (DICOM DA) or "YYYY-MM-DD" to "YYYY-MM-DD"; null when it is not a real calendar date. */
export function isoDate(value: string | null | undefined): string | null {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value?.trim() ?? '');
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? `${match[1]}-${match[2]}-${match[3]}` : null;
}
