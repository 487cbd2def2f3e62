// Setup of the 'opaque' test project: every tensor these tests make lives on the opaque device backend.
import { registerBackend } from '../../src/index.js';
import { opaqueBackend } from './opaque-backend.js';

registerBackend(opaqueBackend, true);
process.env.ADJOINT_TEST_BACKEND = 'opaque';
