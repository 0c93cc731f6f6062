// A TypeDoc plugin (typedoc.json "plugin") that names the site's pages as a user knows them: each
// entry point by the import path it is published under, rather than by its file, and the repository's
// own Markdown files by their subject rather than their upper-case file names.
import { Converter } from 'typedoc';

const NAMES = {
  'src/public-api': 'ngx-token-refresh',
  'testing/src/public-api': 'ngx-token-refresh/testing',
  CONTRIBUTING: 'Contributing',
  CHANGELOG: 'Changelog',
  SECURITY: 'Threat model',
};

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      if (Object.hasOwn(NAMES, reflection.name)) reflection.name = NAMES[reflection.name];
    }
  });
}
