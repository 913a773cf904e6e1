/**
 * The small part of dcmjs (which ships no types) that the synthetic phantom generator uses.
 * Kept minimal on purpose: widen it when a caller needs more, rather than typing all of dcmjs.
 */
declare module 'dcmjs' {
  /** One element of a denaturalized data set, keyed by its 8-hex-digit tag ("00280010"). */
  export interface DicomElement {
    vr: string;
    Value: unknown[];
  }
  export type DenaturalizedDataset = Record<string, DicomElement>;

  export interface DicomDictInstance {
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    /** The whole Part 10 file: 128-byte preamble, "DICM", meta group, data set. */
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  export interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
  }

  export const data: {
    DicomDict: new (meta: DenaturalizedDataset) => DicomDictInstance;
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: Record<string, unknown>): DenaturalizedDataset;
      naturalizeDataset(dataset: DenaturalizedDataset): Record<string, unknown>;
      nameMap: Record<string, DictionaryEntry>;
    };
  };
}
