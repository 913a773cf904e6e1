/** The mark beside a DLP the workstation estimated from the image headers (not the scanner's value). */
import { DLP_ESTIMATE_LABEL } from '../../main/dose/doseNotes.js';
import type { DoseSource } from '../../main/dose/doseTypes.js';

export function DlpEstimate({ source, dlpMgyCm }: { source: DoseSource | null | undefined; dlpMgyCm: number | null | undefined }) {
  if (source !== 'image-header' || dlpMgyCm === null || dlpMgyCm === undefined) return null;
  return (
    <span className="muted dlp-estimate" data-testid="dlp-estimate" title="mean CTDIvol × scanned length: usually somewhat below the scanner's DLP">
      {' '}
      ({DLP_ESTIMATE_LABEL})
    </span>
  );
}
