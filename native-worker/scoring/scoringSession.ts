/**
 * One reader's scoring of one series: the candidates found once, the assignments made by clicks,
 * undo, the scores and the label volume. Pure state and maths over an HU volume: no I/O.
 */
import type { HuArray } from '../dicom/huRescale.js';
import { pointToIndex, type VolumeGeometry } from '../geometry/volumeGeometry.js';
import { ALGORITHM_VERSION } from '../algorithmVersion.js';
import { LABEL_CODE, NO_LABEL, UNASSIGNED, type Artery, type Assignment } from './arteries.js';
import { findCalciumCandidates, sliceAdjacency, type CalciumCandidates } from './calciumCandidates.js';
import { resolveMassFactor, type MassFactor, type MassFactorInputs } from './massFactor.js';
import { countUnassignedLesions, scoreByArtery, summarizeCandidates, type CalciumScore, type CandidateSummary, type ScoreScale } from './scores.js';
import type { ThresholdChoice } from './thresholds.js';

export interface ScoringParameters {
  threshold: ThresholdChoice;
  minAreaMm2: number;
  massFactor: MassFactorInputs;
}

export interface ScoreSheet {
  arteries: Record<Artery, CalciumScore>;
  total: CalciumScore;
  candidates: CandidateSummary;
  params: {
    thresholdHu: number;
    weightBoundsHu: readonly number[];
    thresholdSource: ThresholdChoice['source'];
    minAreaMm2: number;
    massFactor: number | null;
    massFactorSource: MassFactor['source'];
  };
  algorithmVersion: string;
}

export interface AssignmentOutcome {
  assignment: Assignment;
  /** False when no kept plaque was found near the point (nothing changed). */
  applied: boolean;
  lesion?: number;
  plaques: number;
  message?: string;
}

interface AppliedAssignment {
  outcome: AssignmentOutcome;
  plaques: Int32Array;
  previousLabels: Uint8Array;
}

/** A click this close (in-plane) to a plaque selects it: readers rarely hit a 1 mm plaque dead on. */
const CLICK_TOLERANCE_MM = 2;

export class ScoringSession {
  readonly candidates: CalciumCandidates;
  readonly massFactor: MassFactor;
  private readonly plaqueLabel: Uint8Array;
  private readonly history: AppliedAssignment[] = [];
  private readonly scale: ScoreScale;
  private readonly columns: number;

  /**
   * From the HU volume (searched here) or from candidates already found while loading. The session
   * keeps only the candidates, so the caller may hand the volume on (e.g. to the display) afterwards.
   */
  constructor(
    source: HuArray | CalciumCandidates,
    readonly geometry: VolumeGeometry,
    readonly parameters: ScoringParameters,
  ) {
    this.massFactor = resolveMassFactor(parameters.massFactor);
    this.columns = geometry.columns;
    if (ArrayBuffer.isView(source)) {
      this.candidates = findCalciumCandidates(source, {
        columns: geometry.columns,
        rows: geometry.rows,
        slices: geometry.slices,
        pixelSpacingMm: geometry.pixelSpacingMm,
        bounds: parameters.threshold.bounds,
        minAreaMm2: parameters.minAreaMm2,
        adjacentToPrevious: sliceAdjacency(geometry),
      });
    } else {
      const sameSearch =
        source.minAreaMm2 === parameters.minAreaMm2 && source.bounds.every((bound, index) => bound === parameters.threshold.bounds[index]);
      if (!sameSearch) throw new RangeError('the candidates were found with other thresholds or minimum area than this session uses');
      this.candidates = source;
    }
    this.plaqueLabel = new Uint8Array(this.candidates.plaqueCount);
    this.scale = { pixelSpacingMm: geometry.pixelSpacingMm, sliceIncrementMm: geometry.sliceIncrementMm, massFactor: this.massFactor.factor };
  }

  /** The assignments in effect, oldest first. */
  get assignments(): Assignment[] {
    return this.history.filter((entry) => entry.outcome.applied).map((entry) => entry.outcome.assignment);
  }

  assign(assignment: Assignment): AssignmentOutcome {
    const plaque = this.plaqueAt(assignment.point);
    if (plaque === undefined) {
      const outcome: AssignmentOutcome = {
        assignment,
        applied: false,
        plaques: 0,
        message: `no calcium at (${assignment.point.map((v) => v.toFixed(1)).join(', ')}) mm: nothing was assigned`,
      };
      return outcome;
    }
    const plaques = assignment.scope === 'lesion' ? this.plaquesOfLesion(this.candidates.plaqueLesion[plaque]) : Int32Array.of(plaque);
    const previousLabels = new Uint8Array(plaques.length);
    const code = LABEL_CODE[assignment.artery];
    plaques.forEach((p, index) => {
      previousLabels[index] = this.plaqueLabel[p];
      this.plaqueLabel[p] = code;
    });
    const outcome: AssignmentOutcome = { assignment, applied: true, lesion: this.candidates.plaqueLesion[plaque], plaques: plaques.length };
    this.history.push({ outcome, plaques, previousLabels });
    return outcome;
  }

  /** Take back the last applied assignment; undefined when there is none. */
  undo(): Assignment | undefined {
    const last = this.history.pop();
    if (!last) return undefined;
    last.plaques.forEach((p, index) => {
      this.plaqueLabel[p] = last.previousLabels[index];
    });
    return last.outcome.assignment;
  }

  scores(): ScoreSheet {
    const { arteries, total } = scoreByArtery(this.candidates, this.plaqueLabel, this.scale);
    const { threshold, minAreaMm2 } = this.parameters;
    return {
      arteries,
      total,
      candidates: { ...summarizeCandidates(this.candidates, this.scale), unassignedLesions: countUnassignedLesions(this.candidates, this.plaqueLabel) },
      params: {
        thresholdHu: threshold.bounds[0],
        weightBoundsHu: threshold.bounds,
        thresholdSource: threshold.source,
        minAreaMm2,
        massFactor: this.massFactor.factor,
        massFactorSource: this.massFactor.source,
      },
      algorithmVersion: ALGORITHM_VERSION,
    };
  }

  /**
   * One byte a voxel: 0 background, 1-4 LM/LAD/LCX/RCA, 5 excluded, 6 kept but unassigned.
   * Made on demand (for display and storage): scoring itself never needs it.
   */
  labelVolume(): Uint8Array {
    const { columns, rows, slices } = this.geometry;
    const pixelsPerSlice = columns * rows;
    const labels = new Uint8Array(pixelsPerSlice * slices);
    const c = this.candidates;
    for (let plaque = 0; plaque < c.plaqueCount; plaque++) {
      const code = this.plaqueLabel[plaque] === NO_LABEL ? UNASSIGNED : this.plaqueLabel[plaque];
      const base = c.plaqueSlice[plaque] * pixelsPerSlice;
      const first = c.plaqueFirstPixel[plaque];
      for (let n = 0; n < c.plaquePixelCount[plaque]; n++) labels[base + c.plaquePixels[first + n]] = code;
    }
    return labels;
  }

  /** The kept plaque under (or within CLICK_TOLERANCE_MM of) a point, on the nearest slice. */
  plaqueAt(point: readonly [number, number, number]): number | undefined {
    const g = this.geometry;
    const index = pointToIndex(g, [point[0], point[1], point[2]]);
    if (index.offPlaneMm > g.sliceIncrementMm) return undefined;
    const c = this.candidates;
    const [rowSpacing, columnSpacing] = g.pixelSpacingMm;
    let best: number | undefined;
    let bestDistance = CLICK_TOLERANCE_MM * CLICK_TOLERANCE_MM;
    for (let plaque = c.sliceFirstPlaque[index.k]; plaque < c.sliceFirstPlaque[index.k + 1]; plaque++) {
      const first = c.plaqueFirstPixel[plaque];
      for (let n = 0; n < c.plaquePixelCount[plaque]; n++) {
        const pixel = c.plaquePixels[first + n];
        const i = pixel % this.columns;
        const j = (pixel - i) / this.columns;
        const distance = ((i - index.i) * columnSpacing) ** 2 + ((j - index.j) * rowSpacing) ** 2;
        if (distance < bestDistance || (distance === bestDistance && best === undefined)) {
          bestDistance = distance;
          best = plaque;
        }
      }
    }
    return best;
  }

  private plaquesOfLesion(lesion: number): Int32Array {
    const c = this.candidates;
    return c.lesionPlaques.subarray(c.lesionFirstPlaque[lesion], c.lesionFirstPlaque[lesion + 1]);
  }
}
