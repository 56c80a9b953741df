// bench/collect_on_signal.cjs - preloaded (NODE_OPTIONS=--require) into the
// Node servers of the idle-memory group, raw Node's and Lyng's on Node
// alike: on SIGUSR2 it runs V8's full collection twice and prints
// "collected N" (the N-th time), so the harness reads the resident set of
// what the server keeps, not the young garbage of however far the last
// scavenge happened to be (up to 1.6 KiB per connection at 10,000).
'use strict';
const v8 = require('node:v8');
const vm = require('node:vm');
const fs = require('node:fs');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
let collections = 0;
process.on('SIGUSR2', () => {
  gc();
  gc();
  fs.writeSync(1, `collected ${++collections}\n`);
});
