import { defineModule } from '../../script/module-api.js';

/**
 * SER's mysql.so, loaded before the modules that take a db_url. The MySQL/MariaDB driver is built
 * in and chosen by the db_url's scheme (mysql://, sql://, mariadb://): loading this module only
 * keeps SER configurations valid. No parameters, no functions.
 */
export default defineModule<null>({
  name: 'mysql',
  doc: 'accepted for SER configurations: the MySQL/MariaDB driver is built in and chosen by the db_url scheme (mysql://, sql://, mariadb://)',
  params: {},
  functions: {},
  create: () => null,
});
