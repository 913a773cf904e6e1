/**
 * The label volume as a vtk.js volume (one actor + mapper + property + image data), coloured by
 * artery with the fixed palette, nearest-neighbour so labels never blend. Disposed with its scope.
 */
import { useEffect } from 'react';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import type { GeometryView } from '../../main/api/contract.js';
import { LABEL_RGB } from '../reading/palette.js';
import type { VtkView } from './useVtkRenderWindow.js';

/** Opacity per label code: arteries solid, unassigned calcium (bones, noise) faint, excluded fainter. */
const LABEL_OPACITY = [0, 1, 1, 1, 1, 0.02, 0.03];

export function useLabelVolumeRepresentation(view: VtkView | undefined, geometry: GeometryView, labels: Uint8Array, resetCamera: boolean): void {
  useEffect(() => {
    if (!view) return;
    const region = heartRegion(geometry, labels);
    const image = vtkImageData.newInstance();
    image.setDimensions(region.columns, region.rows, geometry.slices);
    image.setSpacing([geometry.pixelSpacingMm[1], geometry.pixelSpacingMm[0], geometry.sliceIncrementMm]);
    const origin = [0, 1, 2].map(
      (axis) =>
        geometry.sliceOrigins[axis] +
        region.i0 * geometry.pixelSpacingMm[1] * geometry.rowDirection[axis] +
        region.j0 * geometry.pixelSpacingMm[0] * geometry.columnDirection[axis],
    );
    image.setOrigin(origin as [number, number, number]);
    image.setDirection([...geometry.rowDirection, ...geometry.columnDirection, ...geometry.normal]);
    const scalars = vtkDataArray.newInstance({ name: 'labels', numberOfComponents: 1, values: region.labels });
    image.getPointData().setScalars(scalars);

    const mapper = vtkVolumeMapper.newInstance();
    mapper.setInputData(image);
    mapper.setSampleDistance(1.0);
    mapper.setMaximumSamplesPerRay(1000);
    const colours = vtkColorTransferFunction.newInstance();
    const opacity = vtkPiecewiseFunction.newInstance();
    LABEL_RGB.forEach(([r, g, b], code) => {
      colours.addRGBPoint(code, r / 255, g / 255, b / 255);
      opacity.addPoint(code, LABEL_OPACITY[code] ?? 0);
    });
    const actor = vtkVolume.newInstance();
    actor.setMapper(mapper);
    const property = actor.getProperty();
    property.setRGBTransferFunction(0, colours);
    property.setScalarOpacity(0, opacity);
    property.setInterpolationTypeToNearest();
    property.setScalarOpacityUnitDistance(0, 1);
    // No shading: gradients of a label volume add cost under software rendering and little depth.
    property.setShade(false);

    const renderer = view.getRenderer();
    renderer.addVolume(actor);
    if (resetCamera) {
      const camera = renderer.getActiveCamera();
      // Seen from the front (anterior, -y in LPS) and a little from above and the left, head up (+z),
      // so lesions at different depths do not hide one another.
      camera.setFocalPoint(0, 0, 0);
      camera.setPosition(0.35, -1, 0.45);
      camera.setViewUp(0, 0, 1);
      renderer.resetCamera();
      camera.zoom(1.6);
    }
    view.getRenderWindow().render();
    // The first frame of this map (performance.now, for the 3D map benchmark): the draw calls are
    // issued by render(); the next animation frame is when the browser has presented them.
    const mapElement = view.getContainer()?.closest<HTMLElement>('[data-testid="calcium-map"]');
    if (mapElement && !mapElement.dataset.firstFrameAt) requestAnimationFrame(() => (mapElement.dataset.firstFrameAt ??= String(performance.now())));
    return () => {
      renderer.removeVolume(actor);
      actor.delete();
      mapper.delete();
      colours.delete();
      opacity.delete();
      scalars.delete();
      image.delete();
    };
    // A new label volume (new revision) replaces the representation; the camera stays.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [view, geometry, labels]);
}

/** Margin around the assigned calcium, mm: the heart region shown in 3D. */
const REGION_MARGIN_MM = 35;

/**
 * The in-plane box of the heart region: the assigned calcium (codes 1-5) with a margin, or the
 * central half of the field of view before anything is assigned. Bones and table outside it are
 * not uploaded, which keeps software rendering (SwiftShader) interactive.
 */
export function heartRegion(geometry: GeometryView, labels: Uint8Array): { i0: number; j0: number; columns: number; rows: number; labels: Uint8Array } {
  const { columns, rows, slices } = geometry;
  let iMin = columns;
  let jMin = rows;
  let iMax = -1;
  let jMax = -1;
  for (let k = 0; k < slices; k += 1) {
    for (let j = 0; j < rows; j += 1) {
      const row = (k * rows + j) * columns;
      for (let i = 0; i < columns; i += 1) {
        const code = labels[row + i];
        if (code >= 1 && code <= 5) {
          if (i < iMin) iMin = i;
          if (i > iMax) iMax = i;
          if (j < jMin) jMin = j;
          if (j > jMax) jMax = j;
        }
      }
    }
  }
  if (iMax < 0) {
    iMin = Math.floor(columns / 4);
    iMax = Math.ceil((3 * columns) / 4);
    jMin = Math.floor(rows / 4);
    jMax = Math.ceil((3 * rows) / 4);
  } else {
    const marginI = Math.round(REGION_MARGIN_MM / geometry.pixelSpacingMm[1]);
    const marginJ = Math.round(REGION_MARGIN_MM / geometry.pixelSpacingMm[0]);
    iMin = Math.max(0, iMin - marginI);
    iMax = Math.min(columns - 1, iMax + marginI);
    jMin = Math.max(0, jMin - marginJ);
    jMax = Math.min(rows - 1, jMax + marginJ);
  }
  const width = iMax - iMin + 1;
  const height = jMax - jMin + 1;
  const cropped = new Uint8Array(width * height * slices);
  for (let k = 0; k < slices; k += 1) {
    for (let j = 0; j < height; j += 1) {
      const from = (k * rows + j + jMin) * columns + iMin;
      cropped.set(labels.subarray(from, from + width), (k * height + j) * width);
    }
  }
  return { i0: iMin, j0: jMin, columns: width, rows: height, labels: cropped };
}
