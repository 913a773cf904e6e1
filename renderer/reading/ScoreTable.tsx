/** The score table: Agatston, volume, mass and lesions per artery and in total, category, CAC-DRS. */
import type { ScoreSheet } from '../../native-worker/scoring/scoringSession.js';
import { ARTERIES } from '../../native-worker/scoring/arteries.js';
import { cacCategory, cacDrs } from '../../native-worker/risk/categories.js';
import { cssColour, TARGET_CODE } from './palette.js';

const mass = (value: number | null) => (value === null ? '—' : value.toFixed(2));

export function ScoreTable({ scores }: { scores: ScoreSheet }) {
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
          {ARTERIES.map((artery) => (
            <tr key={artery} data-testid={`score-row-${artery}`}>
              <td>
                <span className="swatch" style={{ background: cssColour(TARGET_CODE[artery]) }} />
                {artery}
              </td>
              <td className="number" data-testid={`agatston-${artery}`}>
                {scores.arteries[artery].agatston.toFixed(2)}
              </td>
              <td className="number">{scores.arteries[artery].volumeMm3.toFixed(2)}</td>
              <td className="number">{mass(scores.arteries[artery].massMg)}</td>
              <td className="number">{scores.arteries[artery].lesions}</td>
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
