/**
 * Which way paging goes. Slices are indexed along the slice normal, which for axial CT points to
 * the head (seriesGeometry.ts sorts by position along it), so index - 1 is towards the feet.
 * Wheel down, ArrowDown and PageDown all page towards the feet, as in the common viewers.
 */
export const TOWARDS_FEET = -1;

/** The slice step of one wheel notch: down (deltaY > 0) towards the feet, up towards the head. */
export function wheelSliceStep(deltaY: number): number {
  if (deltaY === 0) return 0;
  return deltaY > 0 ? TOWARDS_FEET : -TOWARDS_FEET;
}
