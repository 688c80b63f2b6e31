import type { ModuleDescriptor } from '../script/module-api.js';
import acc from './acc/index.js';
import auth from './auth/index.js';
import authDb from './auth_db/index.js';
import maxfwd from './maxfwd/index.js';
import registrar from './registrar/index.js';
import rr from './rr/index.js';
import sl from './sl/index.js';
import textops from './textops/index.js';
import tm from './tm/index.js';
import usrloc from './usrloc/index.js';
import dbtext from './dbtext/index.js';
import domain from './domain/index.js';
import exec from './exec/index.js';
import group from './group/index.js';
import mysql from './mysql/index.js';
import postgres from './postgres/index.js';
import uri from './uri/index.js';

/** The modules built into the server, by the name `loadmodule ".../<name>.so"` maps to. */
export const MODULES: Readonly<Record<string, ModuleDescriptor<unknown>>> = {
  sl: sl as ModuleDescriptor<unknown>,
  maxfwd: maxfwd as ModuleDescriptor<unknown>,
  tm: tm as ModuleDescriptor<unknown>,
  rr: rr as ModuleDescriptor<unknown>,
  usrloc: usrloc as ModuleDescriptor<unknown>,
  group: group as ModuleDescriptor<unknown>,
  uri: uri as ModuleDescriptor<unknown>,
  domain: domain as ModuleDescriptor<unknown>,
  mysql: mysql as ModuleDescriptor<unknown>,
  postgres: postgres as ModuleDescriptor<unknown>,
  dbtext: dbtext as ModuleDescriptor<unknown>,
  textops: textops as ModuleDescriptor<unknown>,
  registrar: registrar as ModuleDescriptor<unknown>,
  auth: auth as ModuleDescriptor<unknown>,
  auth_db: authDb as ModuleDescriptor<unknown>,
  exec: exec as ModuleDescriptor<unknown>,
  acc: acc as ModuleDescriptor<unknown>,
};
