/** Page objects: a study's dose panel (#/procedure/<study>, right panel) and the dose log view (#/dose). */
import type { Download, Locator, Page } from 'playwright-core';

export interface ManualDoseValues {
  ctdivolMgy?: string;
  dlpMgyCm?: string;
  kvp?: string;
  tubeCurrentMa?: string;
  exposureTimeS?: string;
  scanLengthMm?: string;
  acquisitionType?: string;
  protocol?: string;
}

export class DosePanelPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('dose-panel');
  }

  get form(): Locator {
    return this.root.getByTestId('manual-dose-form');
  }

  async openManualForm(): Promise<void> {
    // Wait for dose.get: the form opens by itself when the study has no dose yet.
    await this.page.locator('[data-testid="dose-panel"][data-loaded="true"]').waitFor();
    if (!(await this.form.isVisible())) await this.root.getByTestId('dose-manual-open').click();
    await this.form.waitFor();
  }

  /** Fills the first irradiation event's inputs (only the values given). */
  async fillEvent(values: ManualDoseValues): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined) await this.form.getByTestId(`manual-${key}-0`).fill(value);
    }
  }

  async record(): Promise<void> {
    await this.form.getByTestId('manual-dose-save').click();
  }

  fieldError(key: keyof ManualDoseValues): Locator {
    return this.form.getByTestId(`manual-${key}-0-error`);
  }

  async recordReason(reason: string): Promise<void> {
    await this.root.getByTestId('dose-reason-input').fill(reason);
    await this.root.getByTestId('dose-reason-save').click();
    await this.root.getByTestId('dose-reason').waitFor();
  }
}

export class DoseLogPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('dose-log');
  }

  get rows(): Locator {
    return this.page.getByTestId('dose-log-row');
  }

  row(studyInstanceUid: string): Locator {
    return this.page.locator(`[data-testid="dose-log-row"][data-study-uid="${studyInstanceUid}"]`);
  }

  async open(): Promise<void> {
    await this.page.getByTestId('nav-dose-log').click();
    await this.root.waitFor();
    await this.page.getByTestId('dose-charts').waitFor({ timeout: 10_000 });
  }

  /**
   * What a chart drew: pixels with any ink (alpha > 0) and distinct colours in the canvas's own
   * bitmap, read in the page. A blank canvas has 0 of both.
   */
  async chartInk(testId: 'dose-chart-time' | 'dose-chart-protocols'): Promise<{ inkPixels: number; colours: number; width: number; height: number }> {
    return this.page.getByTestId(testId).evaluate((canvas) => {
      const element = canvas as unknown as CanvasLike;
      const context = element.getContext('2d')!;
      const { data } = context.getImageData(0, 0, element.width, element.height);
      const colours = new Set<number>();
      let inkPixels = 0;
      for (let offset = 0; offset < data.length; offset += 4) {
        if (data[offset + 3] === 0) continue;
        inkPixels += 1;
        colours.add((data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2]);
      }
      return { inkPixels, colours: colours.size, width: element.width, height: element.height };
    });
  }

  /** Pixels of one colour (within a tolerance) in a chart: e.g. the red of the above-reference points. */
  async chartPixelsOf(testId: 'dose-chart-time' | 'dose-chart-protocols', rgb: [number, number, number], tolerance = 24): Promise<number> {
    return this.page.getByTestId(testId).evaluate(
      (canvas, [colour, within]) => {
        const element = canvas as unknown as CanvasLike;
        const { data } = element.getContext('2d')!.getImageData(0, 0, element.width, element.height);
        let count = 0;
        for (let offset = 0; offset < data.length; offset += 4) {
          if (data[offset + 3] > 200 && Math.abs(data[offset] - colour[0]) <= within && Math.abs(data[offset + 1] - colour[1]) <= within && Math.abs(data[offset + 2] - colour[2]) <= within) count += 1;
        }
        return count;
      },
      [rgb, tolerance] as const,
    );
  }

  async chooseQuantity(quantity: 'dlp' | 'ctdivol'): Promise<void> {
    await this.page.getByTestId(`dose-quantity-${quantity}`).click();
  }

  async filterProtocol(text: string): Promise<void> {
    await this.page.getByTestId('dose-filter-protocol').fill(text);
  }

  /** Clicks Export CSV and answers the downloaded file's name and text. */
  async exportCsv(): Promise<{ fileName: string; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('dose-export-csv').click()]);
    return { fileName: download.suggestedFilename(), text: await readDownload(download) };
  }

  async openPatient(studyInstanceUid: string): Promise<Locator> {
    await this.row(studyInstanceUid).getByTestId('dose-log-patient').click();
    const history = this.page.getByTestId('patient-history');
    await history.waitFor();
    return history;
  }
}

/** The part of a canvas element the pixel checks use (the project's Node tsconfig has no DOM types). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}

async function readDownload(download: Download): Promise<string> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
