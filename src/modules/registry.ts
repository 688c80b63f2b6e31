import type { ModuleDescriptor } from '../script/module-api.js';
import maxfwd from './maxfwd/index.js';
import registrar from './registrar/index.js';
import rr from './rr/index.js';
import sl from './sl/index.js';
import tm from './tm/index.js';
import usrloc from './usrloc/index.js';

/** The modules built into the server, by the name `loadmodule ".../<name>.so"` maps to. */
export const MODULES: Readonly<Record<string, ModuleDescriptor<unknown>>> = {
  sl: sl as ModuleDescriptor<unknown>,
  maxfwd: maxfwd as ModuleDescriptor<unknown>,
  tm: tm as ModuleDescriptor<unknown>,
  rr: rr as ModuleDescriptor<unknown>,
  usrloc: usrloc as ModuleDescriptor<unknown>,
  registrar: registrar as ModuleDescriptor<unknown>,
};
