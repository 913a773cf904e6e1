/** Page object: the reading view (slice view, artery keys, score table, 3D map). */
import type { Locator, Page } from 'playwright-core';

type Point = readonly [number, number, number];

export class ReadingPage {
  constructor(readonly page: Page) {}

  get root(): Locator {
    return this.page.getByTestId('reading-view');
  }

  get canvas(): Locator {
    return this.page.getByTestId('slice-canvas');
  }

  get totalAgatston(): Locator {
    return this.page.getByTestId('agatston-total');
  }

  async waitOpen(): Promise<void> {
    await this.root.waitFor({ timeout: 60_000 });
    await this.totalAgatston.waitFor();
  }

  async slice(): Promise<number> {
    return Number(await this.canvas.getAttribute('data-slice-index'));
  }

  /** Pages with the arrow keys to slice `target`. */
  async goToSlice(target: number): Promise<void> {
    for (let guard = 0; guard < 1000; guard += 1) {
      const current = await this.slice();
      if (current === target) return;
      await this.page.keyboard.press(current < target ? 'ArrowUp' : 'ArrowDown');
    }
    throw new Error(`could not page to slice ${target}`);
  }

  /**
   * Where a patient point (LPS mm) is on screen, from the view's own geometry and zoom/pan (the
   * test hook window.__cacSliceView that the slice view installs), and the slice that holds it.
   */
  async screenPointOf(point: Point): Promise<{ x: number; y: number; slice: number }> {
    return (await this.page.evaluate(`window.__cacSliceView.clientPointOf([${point.join(',')}])`)) as { x: number; y: number; slice: number };
  }

  async chooseArtery(key: '1' | '2' | '3' | '4' | 'x'): Promise<void> {
    await this.page.keyboard.press(key);
  }

  /** Pages to the point's slice and clicks it on screen with the mouse. */
  async clickPoint(point: Point): Promise<void> {
    const target = await this.screenPointOf(point);
    await this.goToSlice(target.slice);
    await this.page.mouse.click(target.x, target.y);
  }

  /** Waits until the overlay shows the label volume of the current revision (it follows the scores). */
  async waitOverlayCurrent(): Promise<void> {
    await this.page.locator('[data-testid="reading-view"]').and(this.page.locator('[data-labels-revision]')).waitFor();
    for (let guard = 0; guard < 200; guard += 1) {
      const [revision, labels] = await Promise.all([this.root.getAttribute('data-revision'), this.root.getAttribute('data-labels-revision')]);
      if (revision !== null && revision === labels) return;
      await this.page.waitForTimeout(25);
    }
    throw new Error('the overlay did not catch up with the scores');
  }

  async total(): Promise<string> {
    return (await this.totalAgatston.textContent()) ?? '';
  }
}
