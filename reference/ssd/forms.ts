import { ssdChunked } from './chunked.js';
import type { SsdInputs, SsdOutputs } from './inputs.js';
import { ssdQuadratic } from './quadratic.js';
import { ssdRecurrent } from './recurrent.js';

export type SsdForm = 'quadratic' | 'recurrent' | 'chunked';
export const SSD_FORMS: readonly SsdForm[] = ['quadratic', 'recurrent', 'chunked'];

/** Runs one form by name; chunkSize is used by the chunked form only. */
export function runSsdForm(form: SsdForm, inputs: SsdInputs, chunkSize: number): SsdOutputs {
  switch (form) {
    case 'quadratic': return ssdQuadratic(inputs);
    case 'recurrent': return ssdRecurrent(inputs);
    case 'chunked': return ssdChunked(inputs, chunkSize);
  }
}
