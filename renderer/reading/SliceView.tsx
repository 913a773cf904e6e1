/**
 * The axial slice view: a 2D canvas (ImageData with window/level, the calcium overlay blended in),
 * paged by wheel and arrow keys, window/level by left drag, zoom by right drag or Ctrl+wheel, pan by
 * middle or Shift+left drag. A click (no drag) reports the point in LPS mm.
 */
import { useEffect, useRef, useState } from 'react';
import type { GeometryView } from '../../main/api/contract.js';
import { LABEL_RGB, overlayAlpha } from './palette.js';
import { wheelSliceStep } from './slicePaging.js';
import { fitTransform, indexToPoint, pointToIndex, type Vec3, type ViewTransform } from './sliceGeometry.js';

export interface WindowLevel {
  center: number;
  width: number;
}

export const WINDOW_PRESETS: Record<'calcium' | 'mediastinum' | 'bone', WindowLevel> = {
  calcium: { center: 300, width: 800 },
  mediastinum: { center: 40, width: 400 },
  bone: { center: 500, width: 2000 },
};

interface Props {
  geometry: GeometryView;
  hu: Int16Array | Float32Array;
  labels: Uint8Array | undefined;
  slice: number;
  onSlice: (slice: number) => void;
  windowLevel: WindowLevel;
  onWindowLevel: (windowLevel: WindowLevel) => void;
  onPick: (point: Vec3) => void;
  /** A point selected elsewhere (the 3D map): ringed when on this slice. */
  marker?: Vec3;
  /** How strongly the calcium colours cover the slice (setting display.overlayOpacity, 0-1). */
  overlayOpacity?: number;
}

interface Camera {
  zoom: number;
  panX: number;
  panY: number;
}

declare global {
  interface Window {
    /** Test hook (e2e): where a patient point is on screen and which slice holds it. */
    __cacSliceView?: { clientPointOf(point: Vec3): { x: number; y: number; slice: number } };
  }
}

export function SliceView({ geometry, hu, labels, slice, onSlice, windowLevel, onWindowLevel, onPick, marker, overlayOpacity = 0.5 }: Props) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageRef = useRef<HTMLCanvasElement | null>(null);
  const [size, setSize] = useState({ width: 512, height: 512 });
  const [camera, setCamera] = useState<Camera>({ zoom: 1, panX: 0, panY: 0 });
  const [cursor, setCursor] = useState<{ point: Vec3; hu: number } | undefined>();
  const drag = useRef<{ x: number; y: number; button: number; shift: boolean; moved: boolean; windowLevel: WindowLevel; camera: Camera } | undefined>(undefined);
  const { columns, rows } = geometry;

  const transform = (): ViewTransform => {
    const fit = fitTransform(columns, rows, size.width, size.height);
    const scale = fit.scale * camera.zoom;
    return {
      scale,
      offsetX: size.width / 2 - (columns * scale) / 2 + camera.panX,
      offsetY: size.height / 2 - (rows * scale) / 2 + camera.panY,
    };
  };

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const observer = new ResizeObserver(() => setSize({ width: canvas.clientWidth, height: canvas.clientHeight }));
    observer.observe(canvas);
    setSize({ width: canvas.clientWidth, height: canvas.clientHeight });
    return () => observer.disconnect();
  }, []);

  // The slice as an image, one pixel per voxel.
  useEffect(() => {
    const image = (imageRef.current ??= document.createElement('canvas'));
    image.width = columns;
    image.height = rows;
    const context = image.getContext('2d');
    if (!context) return;
    const pixels = context.createImageData(columns, rows);
    const data = pixels.data;
    const offset = slice * columns * rows;
    const low = windowLevel.center - windowLevel.width / 2;
    const gain = 255 / Math.max(1, windowLevel.width);
    for (let index = 0; index < columns * rows; index += 1) {
      let grey = (hu[offset + index] - low) * gain;
      grey = grey < 0 ? 0 : grey > 255 ? 255 : grey;
      let r = grey;
      let g = grey;
      let b = grey;
      const code = labels ? labels[offset + index] : 0;
      if (code !== 0) {
        const colour = LABEL_RGB[code];
        const alpha = overlayAlpha(code, overlayOpacity);
        r = r * (1 - alpha) + colour[0] * alpha;
        g = g * (1 - alpha) + colour[1] * alpha;
        b = b * (1 - alpha) + colour[2] * alpha;
      }
      const out = index * 4;
      data[out] = r;
      data[out + 1] = g;
      data[out + 2] = b;
      data[out + 3] = 255;
    }
    context.putImageData(pixels, 0, 0);
    draw();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hu, labels, slice, windowLevel, columns, rows, overlayOpacity]);

  const draw = () => {
    const canvas = canvasRef.current;
    const image = imageRef.current;
    if (!canvas || !image) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.width * ratio);
    canvas.height = Math.round(size.height * ratio);
    const context = canvas.getContext('2d');
    if (!context) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.fillStyle = '#000';
    context.fillRect(0, 0, size.width, size.height);
    context.imageSmoothingEnabled = false;
    const view = transform();
    context.drawImage(image, view.offsetX, view.offsetY, columns * view.scale, rows * view.scale);
    // When this view first put a slice on screen (performance.now of the page): the open-study
    // benchmark times from the Open click to this. Set on the element, outside React's props,
    // so it never changes after the first draw of this mount.
    canvas.dataset.firstSliceDrawnAt ??= String(performance.now());
    if (marker) {
      const index = pointToIndex(geometry, marker);
      if (index.k === slice) {
        context.strokeStyle = '#ffffff';
        context.lineWidth = 1.5;
        context.setLineDash([4, 3]);
        context.beginPath();
        context.arc(view.offsetX + (index.i + 0.5) * view.scale, view.offsetY + (index.j + 0.5) * view.scale, Math.max(10, 6 * view.scale), 0, 2 * Math.PI);
        context.stroke();
        context.setLineDash([]);
      }
    }
  };

  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(draw, [size, camera, marker]);

  const toImage = (clientX: number, clientY: number) => {
    const rect = canvasRef.current!.getBoundingClientRect();
    const view = transform();
    return { i: (clientX - rect.left - view.offsetX) / view.scale - 0.5, j: (clientY - rect.top - view.offsetY) / view.scale - 0.5 };
  };

  useEffect(() => {
    window.__cacSliceView = {
      clientPointOf(point) {
        const index = pointToIndex(geometry, point);
        const rect = canvasRef.current!.getBoundingClientRect();
        const view = transform();
        return { x: rect.left + view.offsetX + (index.i + 0.5) * view.scale, y: rect.top + view.offsetY + (index.j + 0.5) * view.scale, slice: index.k };
      },
    };
    return () => {
      delete window.__cacSliceView;
    };
  });

  const updateCursor = (clientX: number, clientY: number) => {
    const { i, j } = toImage(clientX, clientY);
    const ci = Math.round(i);
    const cj = Math.round(j);
    if (ci < 0 || cj < 0 || ci >= columns || cj >= rows) {
      setCursor(undefined);
      return;
    }
    setCursor({ point: indexToPoint(geometry, i, j, slice), hu: hu[slice * columns * rows + cj * columns + ci] });
  };

  const onPointerDown = (event: React.PointerEvent) => {
    (event.target as Element).setPointerCapture(event.pointerId);
    drag.current = { x: event.clientX, y: event.clientY, button: event.button, shift: event.shiftKey, moved: false, windowLevel, camera };
  };

  const onPointerMove = (event: React.PointerEvent) => {
    updateCursor(event.clientX, event.clientY);
    const state = drag.current;
    if (!state) return;
    const dx = event.clientX - state.x;
    const dy = event.clientY - state.y;
    if (!state.moved && Math.hypot(dx, dy) < 4) return;
    state.moved = true;
    if (state.button === 1 || (state.button === 0 && state.shift)) {
      setCamera({ ...state.camera, panX: state.camera.panX + dx, panY: state.camera.panY + dy });
    } else if (state.button === 2) {
      setCamera({ ...state.camera, zoom: Math.min(20, Math.max(0.25, state.camera.zoom * Math.exp(-dy / 200))) });
    } else if (state.button === 0) {
      onWindowLevel({ center: Math.round(state.windowLevel.center + dy * 2), width: Math.max(1, Math.round(state.windowLevel.width + dx * 4)) });
    }
  };

  const onPointerUp = (event: React.PointerEvent) => {
    const state = drag.current;
    drag.current = undefined;
    if (!state || state.moved || state.button !== 0 || state.shift) return;
    const { i, j } = toImage(event.clientX, event.clientY);
    if (i < -0.5 || j < -0.5 || i > columns - 0.5 || j > rows - 0.5) return;
    onPick(indexToPoint(geometry, i, j, slice));
  };

  const onWheel = (event: React.WheelEvent) => {
    if (event.ctrlKey) {
      setCamera((current) => ({ ...current, zoom: Math.min(20, Math.max(0.25, current.zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1))) }));
      return;
    }
    // Wheel down pages towards the feet, as PageDown and ArrowDown do (slicePaging.ts).
    onSlice(Math.min(geometry.slices - 1, Math.max(0, slice + wheelSliceStep(event.deltaY))));
  };

  const z = geometry.slicePositionsMm[slice];
  return (
    <div className="slice-view">
      <canvas
        ref={canvasRef}
        data-testid="slice-canvas"
        data-slice-index={slice}
        data-marker={marker ? marker.map((value) => value.toFixed(1)).join(',') : undefined}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setCursor(undefined)}
        onWheel={onWheel}
        onContextMenu={(event) => event.preventDefault()}
        onDoubleClick={() => setCamera({ zoom: 1, panX: 0, panY: 0 })}
      />
      <div className="corner top-left" data-testid="slice-position">
        Slice {slice + 1} / {geometry.slices} · z {z.toFixed(2)} mm
      </div>
      <div className="corner top-right" data-testid="window-level">
        W {windowLevel.width} L {windowLevel.center} · zoom {camera.zoom.toFixed(2)}
      </div>
      <div className="corner bottom-left" data-testid="cursor-readout">
        {cursor ? `(${cursor.point.map((value) => value.toFixed(1)).join(', ')}) mm · ${Math.round(cursor.hu)} HU` : ' '}
      </div>
    </div>
  );
}
