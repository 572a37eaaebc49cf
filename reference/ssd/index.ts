export { ssdQuadratic } from './quadratic.js';
export { ssdRecurrent, ssdStep, type SsdStepInputs, type SsdStepOutputs } from './recurrent.js';
export { ssdChunked } from './chunked.js';
export { softplus, discretiseDt, groupOfHead, type SsdInputs, type SsdOutputs } from './inputs.js';
export { SSD_FORMS, runSsdForm, type SsdForm } from './forms.js';
