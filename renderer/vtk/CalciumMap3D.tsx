/**
 * The 3D calcium map: the label volume rendered with vtk.js, lesions coloured by artery; drag to
 * rotate, wheel to zoom; a click (no drag) picks the first calcium along the ray and selects it in 2D.
 */
import { useCallback, useEffect, useRef } from 'react';
import type vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import type { GeometryView } from '../../main/api/contract.js';
import type { Vec3 } from '../reading/sliceGeometry.js';
import { useLabelVolumeRepresentation } from './useLabelVolumeRepresentation.js';
import { useVtkRenderWindow } from './useVtkRenderWindow.js';

declare global {
  interface Window {
    /** Test hook (e2e): where a patient point (LPS mm) is drawn in the 3D map, in client pixels. */
    __cacCalciumMap?: { clientPointOf(point: Vec3): { x: number; y: number } };
  }
}

interface Props {
  geometry: GeometryView;
  labels: Uint8Array;
  revision: number;
  onSelect: (point: Vec3) => void;
}

/** The first labelled voxel (codes 1-6) on the segment from `near` to `far`, in LPS mm. */
export function firstCalciumOnRay(geometry: GeometryView, labels: Uint8Array, near: Vec3, far: Vec3): Vec3 | undefined {
  const length = Math.hypot(far[0] - near[0], far[1] - near[1], far[2] - near[2]);
  const step = Math.min(geometry.pixelSpacingMm[0], geometry.sliceIncrementMm) / 2;
  const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const origin = geometry.sliceOrigins.slice(0, 3);
  for (let t = 0; t <= length; t += step) {
    const point: Vec3 = [0, 1, 2].map((axis) => near[axis] + ((far[axis] - near[axis]) * t) / length) as Vec3;
    const relative = [point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]];
    const i = Math.round(dot(relative, geometry.rowDirection) / geometry.pixelSpacingMm[1]);
    const j = Math.round(dot(relative, geometry.columnDirection) / geometry.pixelSpacingMm[0]);
    const k = Math.round(dot(relative, geometry.normal) / geometry.sliceIncrementMm);
    if (i < 0 || j < 0 || k < 0 || i >= geometry.columns || j >= geometry.rows || k >= geometry.slices) continue;
    const code = labels[(k * geometry.rows + j) * geometry.columns + i];
    if (code >= 1 && code <= 4) return point;
  }
  return undefined;
}

export default function CalciumMap3D({ geometry, labels, revision, onSelect }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const view = useVtkRenderWindow(container);
  const first = useRef(true);
  useLabelVolumeRepresentation(view, geometry, labels, first.current);
  useEffect(() => {
    if (view) first.current = false;
  }, [view]);
  const down = useRef<{ x: number; y: number } | undefined>(undefined);

  const pick = useCallback(
    (clientX: number, clientY: number) => {
      if (!view || !container.current) return;
      const rect = container.current.getBoundingClientRect();
      const openGl = view.getApiSpecificRenderWindow() as vtkOpenGLRenderWindow;
      const [width, height] = openGl.getSize();
      const x = ((clientX - rect.left) / rect.width) * width;
      const y = (1 - (clientY - rect.top) / rect.height) * height;
      const renderer = view.getRenderer();
      const near = openGl.displayToWorld(x, y, 0, renderer) as Vec3;
      const far = openGl.displayToWorld(x, y, 1, renderer) as Vec3;
      const hit = firstCalciumOnRay(geometry, labels, near, far);
      if (hit) onSelect(hit);
    },
    [view, geometry, labels, onSelect],
  );

  useEffect(() => {
    if (!view) return;
    window.__cacCalciumMap = {
      clientPointOf(point) {
        const openGl = view.getApiSpecificRenderWindow() as vtkOpenGLRenderWindow;
        const rect = container.current!.getBoundingClientRect();
        const [width, height] = openGl.getSize();
        const [x, y] = openGl.worldToDisplay(point[0], point[1], point[2], view.getRenderer());
        return { x: rect.left + (x / width) * rect.width, y: rect.top + (1 - y / height) * rect.height };
      },
    };
    return () => {
      delete window.__cacCalciumMap;
    };
  }, [view]);

  return (
    <div className="map-view" data-testid="calcium-map" data-revision={revision} data-ready={view ? 'true' : 'false'}>
      <div
        className="vtk-container"
        ref={container}
        onPointerDown={(event) => (down.current = { x: event.clientX, y: event.clientY })}
        onPointerUp={(event) => {
          const start = down.current;
          down.current = undefined;
          if (start && Math.hypot(event.clientX - start.x, event.clientY - start.y) < 4) pick(event.clientX, event.clientY);
        }}
      />
      <div className="corner top-left">3D calcium map · drag to rotate, wheel to zoom, click a lesion to show it</div>
    </div>
  );
}
