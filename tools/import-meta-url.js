// Injected into the CommonJS bundle by tools/bundle.js for the sources' import.meta.url.
// eslint-disable-next-line no-undef
export const importMetaUrl = require('node:url').pathToFileURL(__filename).href;
