// A StrykerJS ignorer for `npm run mutation`: leaves unmutated every `ngDevMode ? text : ''`, the long
// error texts that production builds drop. Mutating their wording, or dropping them, changes no
// behaviour a user relies on (the error's code and class stay), so such mutants are noise.
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'dev-mode-messages', {
    shouldIgnore(path) {
      return path.isConditionalExpression() &&
        path.node.test.type === 'Identifier' &&
        path.node.test.name === 'ngDevMode'
        ? 'Development-only message text (ngDevMode ? text : ...), dropped in production builds.'
        : undefined;
    },
  }),
];
