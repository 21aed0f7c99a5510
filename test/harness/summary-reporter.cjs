// mocha's spec reporter plus one closing line, `TIER: N passed, N failed`, that CI reads whatever
// the runner. TIER comes from SUMMARY_TIER (default "tests").
'use strict';
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const tier = process.env.SUMMARY_TIER || 'tests';
      const line = `${tier}: ${s.passes} passed, ${s.failures} failed${s.pending ? `, ${s.pending} skipped` : ''}`;
      // After the spec reporter's own epilogue.
      process.nextTick(() => console.log(`\n${line}`));
    });
  }
}
module.exports = SummaryReporter;
