// Mocha's spec reporter, plus the closing line CI reads:
// "tests: N passed, N failed" (mocha's own summary is not recognised there).
'use strict';
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      // Printed after the spec summary (which mocha writes on the same event, earlier).
      process.stdout.write(`tests: ${passes} passed, ${failures} failed${skipped}\n`);
    });
  }
}

module.exports = CountReporter;
