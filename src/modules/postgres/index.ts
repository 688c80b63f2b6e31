import { defineModule } from '../../script/module-api.js';

/**
 * SER's postgres.so, loaded before the modules that take a db_url. The PostgreSQL driver is built
 * in and chosen by the db_url's scheme (postgres://, postgresql://): loading this module only
 * keeps SER configurations valid. No parameters, no functions.
 */
export default defineModule<null>({
  name: 'postgres',
  doc: 'accepted for SER configurations: the PostgreSQL driver is built in and chosen by the db_url scheme (postgres://, postgresql://)',
  params: {},
  functions: {},
  create: () => null,
});
