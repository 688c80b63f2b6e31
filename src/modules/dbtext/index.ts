import { defineModule } from '../../script/module-api.js';

/**
 * SER's dbtext.so, loaded before the modules that take a db_url. The dbtext driver is built in and
 * chosen by the db_url's scheme (dbtext://, or a bare absolute path): loading this module only
 * keeps SER configurations valid. No parameters, no functions.
 */
export default defineModule<null>({
  name: 'dbtext',
  doc: 'accepted for SER configurations: the dbtext driver is built in and chosen by the db_url scheme (dbtext:// or an absolute path)',
  params: {},
  functions: {},
  create: () => null,
});
