/** One vtk.js render window in a container element; every vtk object it made is deleted on unmount. */
import { useEffect, useState, type RefObject } from 'react';
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow';

export type VtkView = ReturnType<typeof vtkGenericRenderWindow.newInstance>;

export function useVtkRenderWindow(container: RefObject<HTMLDivElement | null>): VtkView | undefined {
  const [view, setView] = useState<VtkView>();
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const created = vtkGenericRenderWindow.newInstance({ background: [0.02, 0.03, 0.05], listenWindowResize: true });
    created.setContainer(element);
    created.resize();
    setView(created);
    return () => {
      setView(undefined);
      created.delete();
    };
  }, [container]);
  return view;
}
