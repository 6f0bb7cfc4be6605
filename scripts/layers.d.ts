export interface Layer {
  name: string;
  dir: string;
  may: string[];
}
export const LAYERS: readonly Layer[];
export function layerOf(file: string): Layer | undefined;
export function layerViolation(file: string, target: string): string | undefined;
export const layersPlugin: unknown;
