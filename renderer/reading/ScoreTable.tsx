/** The score table: Agatston, volume, mass and lesions per artery and in total, category, CAC-DRS. */
import type { ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { arteryRows } from '../../main/report/arteryRows.js';
import { cacCategory, cacDrs } from '../../native-worker/risk/categories.js';
import { cssColour, TARGET_CODE } from './palette.js';

const mass = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/** lmWithLad: the site reports LM together with the LAD (setting display.reportLmWithLad). */
export function ScoreTable({ scores, lmWithLad = false }: { scores: ScoreSheet; lmWithLad?: boolean }) {
  const hasKeptPlaque = scores.total.lesions > 0 || scores.total.agatston > 0;
  const category = cacCategory(scores.total.agatston, hasKeptPlaque);
  const drs = cacDrs(scores.arteries, scores.total.agatston);
  return (
    <div className="score-table" data-testid="score-table">
      <table>
        <thead>
          <tr>
            <th>Artery</th>
            <th>Agatston</th>
            <th>Volume mm³</th>
            <th>Mass mg</th>
            <th>Lesions</th>
          </tr>
        </thead>
        <tbody>
          {arteryRows(scores.arteries, lmWithLad).map(({ artery, label, score }) => (
            <tr key={artery} data-testid={`score-row-${artery}`} data-label={label}>
              <td>
                {label === 'LM + LAD' && <span className="swatch" style={{ background: cssColour(TARGET_CODE.LM) }} />}
                <span className="swatch" style={{ background: cssColour(TARGET_CODE[artery]) }} />
                {label}
              </td>
              <td className="number" data-testid={`agatston-${artery}`}>
                {score.agatston.toFixed(2)}
              </td>
              <td className="number">{score.volumeMm3.toFixed(2)}</td>
              <td className="number">{mass(score.massMg)}</td>
              <td className="number">{score.lesions}</td>
            </tr>
          ))}
          <tr className="total" data-testid="score-row-total">
            <td>Total</td>
            <td className="number" data-testid="agatston-total">
              {scores.total.agatston.toFixed(2)}
            </td>
            <td className="number" data-testid="volume-total">
              {scores.total.volumeMm3.toFixed(2)}
            </td>
            <td className="number" data-testid="mass-total">
              {mass(scores.total.massMg)}
            </td>
            <td className="number">{scores.total.lesions}</td>
          </tr>
        </tbody>
      </table>
      <div className="category">
        <span data-testid="score-category">{category.label}</span>
        <span data-testid="cac-drs">{drs.text}</span>
      </div>
      <div className="params">
        {scores.params.thresholdHu} HU ({scores.params.thresholdSource}) · min area {scores.params.minAreaMm2} mm² · mass factor{' '}
        {scores.params.massFactor === null ? 'none: mass not calibrated' : `${scores.params.massFactor} (${scores.params.massFactorSource})`} · {scores.algorithmVersion}
      </div>
    </div>
  );
}
