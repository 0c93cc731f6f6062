// The test sequencer of mutation runs (jest.mutation.config.js). For each mutant, StrykerJS runs Jest
// on the spec files related to the mutated file, with a test name pattern listing only the tests that
// reach the mutant. Jest would still load every related spec file (Angular, TestBed and all) to find
// out that most of their tests do not match: for the refresh gate that is nearly every spec file, per
// mutant. This sequencer leaves out the spec files that cannot hold a matching test, judged by the
// titles of their top-level `describe` blocks. A file whose top-level titles it cannot read (a
// `describe.each`, a computed title, a top-level `it`) always runs.
const { readFileSync } = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

class MutationTestSequencer extends Sequencer {
  #testNames;
  #titlesByFile = new Map();

  constructor(options) {
    super(options);
    this.#testNames = testNamesOf(options.globalConfig.testNamePattern);
  }

  async sort(tests) {
    const sorted = await super.sort(tests);
    const names = this.#testNames;
    if (names === null) {
      return sorted;
    }
    return sorted.filter((test) => {
      const titles = this.#topLevelTitles(test.path);
      return (
        titles === null || names.some((name) => titles.some((title) => startsWith(name, title)))
      );
    });
  }

  /** The titles of the file's top-level `describe` blocks, or `null` when not all can be read. */
  #topLevelTitles(path) {
    if (!this.#titlesByFile.has(path)) {
      this.#titlesByFile.set(path, topLevelTitles(readFileSync(path, 'utf8')));
    }
    return this.#titlesByFile.get(path);
  }
}

/**
 * The full test names in StrykerJS's pattern, `(name1)|(name2)|...` with every RegExp character of a
 * name escaped; `null` when there is no pattern or it has another shape.
 */
function testNamesOf(pattern) {
  if (!pattern) {
    return null;
  }
  const names = [];
  let current = null;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      if (current === null) {
        return null;
      }
      current += pattern[++i];
    } else if (char === '(' && current === null) {
      current = '';
    } else if (char === ')' && current !== null) {
      names.push(current);
      current = null;
    } else if (char === '|' && current === null) {
      continue;
    } else if (current !== null) {
      current += char;
    } else {
      return null;
    }
  }
  return current === null && names.length > 0 ? names : null;
}

const TOP_LEVEL_BLOCK = /^(describe|it|test)\b/gm;
const PLAIN_DESCRIBE = /^describe\(\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")\s*,/;

/** The titles of a spec file's top-level `describe` blocks, or `null` when one cannot be read. */
function topLevelTitles(source) {
  const titles = [];
  for (const match of source.matchAll(TOP_LEVEL_BLOCK)) {
    const plain = PLAIN_DESCRIBE.exec(source.slice(match.index, match.index + 500));
    if (plain === null) {
      return null;
    }
    titles.push((plain[1] ?? plain[2]).replace(/\\(.)/g, '$1'));
  }
  return titles;
}

/** Whether a test's full name (its describe titles and its own, joined by spaces) is under `title`. */
function startsWith(name, title) {
  return name === title || name.startsWith(`${title} `);
}

module.exports = MutationTestSequencer;
