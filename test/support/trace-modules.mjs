// `node --import tsx --import ./test/support/trace-modules.mjs …`: appends the URL of every module the
// process loads to the file named by WXOA_TRACE_MODULES, one a line. Registered after tsx, so its hook runs
// first and sees each module by the URL it was resolved to (the .ts file for our sources).
import { register } from 'node:module';

const file = process.env['WXOA_TRACE_MODULES'];
if (file) register('./trace-modules-hooks.mjs', import.meta.url, { data: { file } });
